"""The rule for where a property is: by hand, else the HTTP geocoder, else the ZIP.

``build_geocoder(settings)`` makes the chain the settings ask for;
``resolve_coordinates`` applies the rule that coordinates entered by hand win.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from grins_platform.core.config import Settings
from grins_platform.core.errors import ValidationFailed
from grins_platform.geocoding.base import (
    MAX_LATITUDE,
    MAX_LONGITUDE,
    MIN_LATITUDE,
    MIN_LONGITUDE,
    Geocoder,
    GeoPoint,
    GeoPrecision,
    GeoSource,
)
from grins_platform.geocoding.nominatim import NominatimGeocoder
from grins_platform.geocoding.zip_centroid import ZipCentroidGeocoder


class ChainGeocoder:
    """Asks each geocoder in turn; the first answer wins."""

    def __init__(self, geocoders: Sequence[Geocoder]) -> None:
        self.geocoders: tuple[Geocoder, ...] = tuple(geocoders)

    async def geocode(
        self,
        address: str | None,
        city: str | None,
        state: str | None,
        zip_code: str | None,
    ) -> GeoPoint | None:
        """The first geocoder's answer that is not ``None``."""
        for geocoder in self.geocoders:
            point = await geocoder.geocode(address, city, state, zip_code)
            if point is not None:
                return point
        return None

    async def aclose(self) -> None:
        """Release the HTTP clients the chain's geocoders made."""
        for geocoder in self.geocoders:
            if isinstance(geocoder, NominatimGeocoder | ChainGeocoder):
                await geocoder.aclose()


def build_geocoder(
    settings: Settings, *, client: httpx.AsyncClient | None = None
) -> ChainGeocoder:
    """The geocoder the settings configure.

    With ``GEOCODER_URL`` set: Nominatim first, the ZIP centroid as the fallback.
    Without: the ZIP centroid only. Close it with ``aclose()`` at shutdown.
    """
    chain: list[Geocoder] = []
    if settings.geocoder_url and settings.geocoder_url.strip():
        chain.append(
            NominatimGeocoder(
                settings.geocoder_url,
                user_agent=settings.geocoder_user_agent,
                client=client,
            )
        )
    chain.append(ZipCentroidGeocoder())
    return ChainGeocoder(chain)


def manual_point(latitude: float | None, longitude: float | None) -> GeoPoint | None:
    """A hand-entered coordinate, checked; ``None`` when neither is given.

    Raises:
        ValidationFailed: Only one of the two is given, or one is out of range.
    """
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        raise ValidationFailed(missing, "latitude and longitude go together")
    if not MIN_LATITUDE <= latitude <= MAX_LATITUDE:
        raise ValidationFailed("latitude", "must be between -90 and 90")
    if not MIN_LONGITUDE <= longitude <= MAX_LONGITUDE:
        raise ValidationFailed("longitude", "must be between -180 and 180")
    return GeoPoint(latitude, longitude, GeoSource.MANUAL, GeoPrecision.EXACT)


async def resolve_coordinates(
    geocoder: Geocoder,
    *,
    address: str | None,
    city: str | None,
    state: str | None,
    zip_code: str | None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> GeoPoint | None:
    """Where the property is.

    Coordinates entered by hand win; otherwise ``geocoder`` answers (normally the
    chain from :func:`build_geocoder`: HTTP geocoder if configured and answering,
    else the ZIP centroid); ``None`` when nothing is known.

    Raises:
        ValidationFailed: A hand-entered coordinate is incomplete or out of range.
    """
    manual = manual_point(latitude, longitude)
    if manual is not None:
        return manual
    return await geocoder.geocode(address, city, state, zip_code)

"""What a geocoder answers, and the interface every geocoder implements."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol

MIN_LATITUDE: Final = -90.0
MAX_LATITUDE: Final = 90.0
MIN_LONGITUDE: Final = -180.0
MAX_LONGITUDE: Final = 180.0


class GeoSource(StrEnum):
    """Where a coordinate came from."""

    MANUAL = "manual"
    NOMINATIM = "nominatim"
    ZIP_CENTROID = "zip_centroid"


class GeoPrecision(StrEnum):
    """How close to the property a coordinate is, best first."""

    EXACT = "exact"
    """Entered by hand, or a building-level match."""
    ADDRESS = "address"
    """The house number was found on the street."""
    STREET = "street"
    """The street was found, not the house number."""
    AREA = "area"
    """A neighbourhood, city or postcode area."""
    ZIP = "zip"
    """The centre of the ZIP code: good enough to plan a day, not to find the door."""


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 coordinate with where it came from and how precise it is."""

    lat: float
    lon: float
    source: GeoSource
    precision: GeoPrecision


def in_range(lat: float, lon: float) -> bool:
    """Whether ``lat``/``lon`` is a coordinate on Earth."""
    return MIN_LATITUDE <= lat <= MAX_LATITUDE and MIN_LONGITUDE <= lon <= MAX_LONGITUDE


class Geocoder(Protocol):
    """Turns a US address into a coordinate.

    Implementations return ``None`` when they have no answer, including when their
    provider is down or slow: a geocoder never fails the request that asked it.
    """

    async def geocode(
        self,
        address: str | None,
        city: str | None,
        state: str | None,
        zip_code: str | None,
    ) -> GeoPoint | None:
        """The coordinate of the address, or ``None``."""
        ...

"""Offline fallback: the centre of the ZIP code, from data shipped in a wheel.

The ``zipcodes`` package carries the US ZIP list with coordinates inside its
compiled extension, so this works without network access and without a download
at run time. The first lookup loads the table (~0.25 s); later ones take
microseconds.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

import zipcodes

from grins_platform.geocoding.base import GeoPoint, GeoPrecision, GeoSource, in_range

_ZIP: Final = re.compile(r"(\d{5})(?:-?\d{4})?")
# ``zipcodes.matching`` has an unannotated parameter; this is its documented shape.
_matching: Callable[[str], list[dict[str, Any]]] = zipcodes.matching  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


def zip5(zip_code: str | None) -> str | None:
    """The 5-digit ZIP of ``"55344"``, ``"55344-1234"`` or ``"553441234"``, or None."""
    if zip_code is None:
        return None
    match = _ZIP.fullmatch(zip_code.strip())
    return match.group(1) if match else None


@lru_cache(maxsize=4096)
def zip_centroid(zip_code: str) -> tuple[float, float] | None:
    """``(lat, lon)`` of the centre of a 5-digit ZIP, or None if it is unknown."""
    for record in _matching(zip_code):
        try:
            lat, lon = float(record["lat"]), float(record["long"])
        except (KeyError, TypeError, ValueError):
            continue
        if in_range(lat, lon) and (lat, lon) != (0.0, 0.0):
            return lat, lon
    return None


class ZipCentroidGeocoder:
    """Answers with the centre of the address's ZIP code (precision ``zip``)."""

    def lookup(self, zip_code: str | None) -> GeoPoint | None:
        """The ZIP centroid, synchronously (for batch work such as imports)."""
        five = zip5(zip_code)
        if five is None:
            return None
        point = zip_centroid(five)
        if point is None:
            return None
        return GeoPoint(point[0], point[1], GeoSource.ZIP_CENTROID, GeoPrecision.ZIP)

    async def geocode(
        self,
        address: str | None,
        city: str | None,
        state: str | None,
        zip_code: str | None,
    ) -> GeoPoint | None:
        """The ZIP centroid; the street, city and state are not needed."""
        del address, city, state
        # Off the event loop: the first lookup loads the whole table.
        return await asyncio.to_thread(self.lookup, zip_code)

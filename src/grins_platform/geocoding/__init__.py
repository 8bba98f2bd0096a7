"""Geocoding: where a property is.

A ``Geocoder`` interface, an offline ZIP-centroid fallback, an optional
Nominatim-compatible HTTP geocoder, and the rule that combines them.

Typical use in a service::

    geocoder = build_geocoder(settings)  # once, in the lifespan
    point = await resolve_coordinates(
        geocoder,
        address=...,
        city=...,
        state=...,
        zip_code=...,
        latitude=body.latitude,
        longitude=body.longitude,
    )
"""

from grins_platform.geocoding.base import Geocoder, GeoPoint, GeoPrecision, GeoSource
from grins_platform.geocoding.nominatim import NominatimGeocoder
from grins_platform.geocoding.service import (
    ChainGeocoder,
    build_geocoder,
    manual_point,
    resolve_coordinates,
)
from grins_platform.geocoding.zip_centroid import ZipCentroidGeocoder, zip5

__all__ = [
    "ChainGeocoder",
    "GeoPoint",
    "GeoPrecision",
    "GeoSource",
    "Geocoder",
    "NominatimGeocoder",
    "ZipCentroidGeocoder",
    "build_geocoder",
    "manual_point",
    "resolve_coordinates",
    "zip5",
]

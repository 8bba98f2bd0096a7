"""Injected property services: ``PropertyServiceDep`` and the geocoder."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from grins_platform.db.session import SessionDep
from grins_platform.geocoding import ChainGeocoder, build_geocoder
from grins_platform.properties.service import PropertyService


def get_geocoder(request: Request) -> ChainGeocoder:
    """The application's geocoder, built from settings on first use."""
    state = request.app.state
    geocoder: ChainGeocoder | None = getattr(state, "geocoder", None)
    if geocoder is None:
        geocoder = build_geocoder(state.settings)
        state.geocoder = geocoder
    return geocoder


GeocoderDep = Annotated[ChainGeocoder, Depends(get_geocoder)]


def get_property_service(session: SessionDep, geocoder: GeocoderDep) -> PropertyService:
    """The property service for this request."""
    return PropertyService(session, geocoder)


PropertyServiceDep = Annotated[PropertyService, Depends(get_property_service)]

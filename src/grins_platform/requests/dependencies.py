"""Injected request services and the public form's rate limiter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from grins_platform.core.redis import RedisDep
from grins_platform.db.session import SessionDep
from grins_platform.properties.dependencies import GeocoderDep
from grins_platform.requests.conversion import RequestConversionService
from grins_platform.requests.rate_limit import PublicFormLimiter
from grins_platform.requests.service import RequestService


def get_request_service(session: SessionDep) -> RequestService:
    """The intake service for this request."""
    return RequestService(session)


def get_conversion_service(
    session: SessionDep, geocoder: GeocoderDep
) -> RequestConversionService:
    """The conversion use case for this request."""
    return RequestConversionService(session, geocoder)


def get_form_limiter(redis: RedisDep) -> PublicFormLimiter:
    """The per-IP limiter of the public form."""
    return PublicFormLimiter(redis)


RequestServiceDep = Annotated[RequestService, Depends(get_request_service)]
ConversionServiceDep = Annotated[
    RequestConversionService, Depends(get_conversion_service)
]
FormLimiterDep = Annotated[PublicFormLimiter, Depends(get_form_limiter)]

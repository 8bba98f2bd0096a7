"""``/api/v1/requests``: the public website form and the office's request inbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from grins_platform.auth.dependencies import ClientDep, ManagerUser
from grins_platform.core.pagination import Page, PageDep
from grins_platform.customers.schemas import CustomerRead
from grins_platform.properties.schemas import PropertyRead
from grins_platform.requests.dependencies import (
    ConversionServiceDep,
    FormLimiterDep,
    RequestServiceDep,
)
from grins_platform.requests.models import RequestSource, RequestStatus
from grins_platform.requests.repository import RequestFilters
from grins_platform.requests.schemas import (
    PublicRequestCreate,
    PublicRequestReceipt,
    RequestConvert,
    RequestTransition,
    ServiceRequestRead,
    StaffRequestCreate,
)

router = APIRouter(prefix="/requests", tags=["requests"])


class ConversionRead(BaseModel):
    """The converted request and the customer and property it landed on."""

    request: ServiceRequestRead
    customer: CustomerRead
    property: PropertyRead | None
    customer_created: bool
    property_created: bool


@router.post(
    "", response_model=PublicRequestReceipt, status_code=status.HTTP_201_CREATED
)
async def submit_request(
    body: PublicRequestCreate,
    client: ClientDep,
    limiter: FormLimiterDep,
    service: RequestServiceDep,
) -> PublicRequestReceipt:
    """Public (no login): the website form.

    The same phone or email within 24 h updates the open request; too many
    submissions from one address get 429; a filled honeypot is answered 201 and
    dropped.
    """
    await limiter.hit(client.ip)
    request = await service.submit_public(body, ip=client.ip)
    if request is None:  # honeypot: look accepted, store nothing
        return PublicRequestReceipt(
            reference=uuid.uuid4(), received_at=datetime.now(UTC)
        )
    return PublicRequestReceipt(reference=request.id, received_at=request.created_at)


@router.post(
    "/staff", response_model=ServiceRequestRead, status_code=status.HTTP_201_CREATED
)
async def create_staff_request(
    body: StaffRequestCreate,
    user: ManagerUser,
    client: ClientDep,
    service: RequestServiceDep,
) -> ServiceRequestRead:
    """Office. A request taken by phone, text, email or walk-in."""
    request = await service.create_staff_request(body, user=user, ip=client.ip)
    return ServiceRequestRead.model_validate(request)


@router.get("", response_model=Page[ServiceRequestRead])
async def list_requests(
    *,
    _user: ManagerUser,
    service: RequestServiceDep,
    page: PageDep,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    source: Annotated[RequestSource | None, Query()] = None,
    received_after: Annotated[datetime | None, Query()] = None,
    received_before: Annotated[datetime | None, Query()] = None,
    older_than_hours: Annotated[
        float | None, Query(ge=0, le=24 * 365, description="waiting at least this long")
    ] = None,
    oldest_first: Annotated[bool, Query()] = False,
) -> Page[ServiceRequestRead]:
    """Office. The inbox by status, source and age (newest first by default)."""
    if older_than_hours is not None:
        cutoff = datetime.now(UTC) - timedelta(hours=older_than_hours)
        received_before = min(received_before or cutoff, cutoff)
    filters = RequestFilters(
        status=status_,
        source=source,
        received_after=received_after,
        received_before=received_before,
        oldest_first=oldest_first,
    )
    rows, total = await service.list_requests(
        filters, limit=page.limit, offset=page.offset
    )
    return Page[ServiceRequestRead](
        items=[ServiceRequestRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{request_id}", response_model=ServiceRequestRead)
async def get_request(
    request_id: uuid.UUID, _user: ManagerUser, service: RequestServiceDep
) -> ServiceRequestRead:
    """Office. One request."""
    return ServiceRequestRead.model_validate(await service.get_request(request_id))


@router.post("/{request_id}/status", response_model=ServiceRequestRead)
async def change_request_status(
    request_id: uuid.UUID,
    body: RequestTransition,
    user: ManagerUser,
    client: ClientDep,
    service: RequestServiceDep,
) -> ServiceRequestRead:
    """Office. Contacted, lost or spam (409 if the table forbids the move)."""
    request = await service.change_status(request_id, body, user=user, ip=client.ip)
    return ServiceRequestRead.model_validate(request)


@router.post("/{request_id}/convert", response_model=ConversionRead)
async def convert_request(
    request_id: uuid.UUID,
    body: RequestConvert,
    user: ManagerUser,
    client: ClientDep,
    service: ConversionServiceDep,
) -> ConversionRead:
    """Office. Match or create the customer and property in one transaction."""
    done = await service.convert(request_id, body, user=user, ip=client.ip)
    return ConversionRead(
        request=ServiceRequestRead.model_validate(done.request),
        customer=CustomerRead.model_validate(done.customer),
        property=PropertyRead.from_property(done.property, show_codes=True)
        if done.property
        else None,
        customer_created=done.customer_created,
        property_created=done.property_created,
    )

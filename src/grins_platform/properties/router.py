"""Properties: ``/api/v1/customers/{id}/properties`` and ``/api/v1/properties``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from grins_platform.auth.dependencies import ClientDep, CurrentUser, ManagerUser
from grins_platform.core.pagination import Page, PageDep
from grins_platform.jobs.schemas import JobSummary
from grins_platform.properties.dependencies import PropertyServiceDep
from grins_platform.properties.schemas import (
    PropertyCreate,
    PropertyHistoryRead,
    PropertyRead,
    PropertySort,
    PropertyUpdate,
)
from grins_platform.properties.service import PropertyView

router = APIRouter(tags=["properties"])


def _read(view: PropertyView) -> PropertyRead:
    return PropertyRead.from_property(view.property, show_codes=view.show_codes)


@router.post(
    "/customers/{customer_id}/properties",
    response_model=PropertyRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_property(
    customer_id: uuid.UUID,
    body: PropertyCreate,
    user: ManagerUser,
    client: ClientDep,
    service: PropertyServiceDep,
) -> PropertyRead:
    """Office. Add a service location (the first becomes primary)."""
    return _read(
        await service.create_property(customer_id, body, user=user, ip=client.ip)
    )


@router.get("/customers/{customer_id}/properties", response_model=list[PropertyRead])
async def list_customer_properties(
    customer_id: uuid.UUID, user: CurrentUser, service: PropertyServiceDep
) -> list[PropertyRead]:
    """A customer's live properties, primary first."""
    return [_read(v) for v in await service.list_for_customer(customer_id, user=user)]


@router.get("/properties", response_model=Page[PropertyRead])
async def list_properties(
    *,
    user: CurrentUser,
    service: PropertyServiceDep,
    page: PageDep,
    q: Annotated[
        str | None, Query(max_length=100, description="street or city")
    ] = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    zip_code: Annotated[str | None, Query(max_length=10)] = None,
    customer_id: Annotated[uuid.UUID | None, Query()] = None,
    sort: Annotated[PropertySort, Query()] = PropertySort.ADDRESS,
) -> Page[PropertyRead]:
    """Search properties by street, city or ZIP."""
    views, total = await service.search_properties(
        user=user,
        q=q,
        city=city,
        zip_code=zip_code,
        customer_id=customer_id,
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )
    return Page[PropertyRead](
        items=[_read(v) for v in views],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/properties/{property_id}", response_model=PropertyRead)
async def get_property(
    property_id: uuid.UUID, user: CurrentUser, service: PropertyServiceDep
) -> PropertyRead:
    """One property (access codes for the office only)."""
    return _read(await service.get_property(property_id, user=user))


@router.get("/properties/{property_id}/history", response_model=PropertyHistoryRead)
async def get_property_history(
    property_id: uuid.UUID, user: CurrentUser, service: PropertyServiceDep
) -> PropertyHistoryRead:
    """The property with its jobs, newest first (technicians: their own jobs)."""
    history = await service.history(property_id, user=user)
    return PropertyHistoryRead(
        property=_read(history.view),
        jobs=[JobSummary.model_validate(j) for j in history.jobs],
    )


@router.patch("/properties/{property_id}", response_model=PropertyRead)
async def update_property(
    property_id: uuid.UUID,
    body: PropertyUpdate,
    user: CurrentUser,
    client: ClientDep,
    service: PropertyServiceDep,
) -> PropertyRead:
    """Change a property the caller may see."""
    return _read(
        await service.update_property(property_id, body, user=user, ip=client.ip)
    )


@router.post("/properties/{property_id}/primary", response_model=PropertyRead)
async def set_primary_property(
    property_id: uuid.UUID,
    user: ManagerUser,
    client: ClientDep,
    service: PropertyServiceDep,
) -> PropertyRead:
    """Office. Make this the customer's primary property."""
    return _read(await service.set_primary(property_id, user=user, ip=client.ip))


@router.delete("/properties/{property_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_property(
    property_id: uuid.UUID,
    user: ManagerUser,
    client: ClientDep,
    service: PropertyServiceDep,
) -> Response:
    """Office. Remove a property (kept for history)."""
    await service.delete_property(property_id, user=user, ip=client.ip)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""``/api/v1/catalog``: offerings, skills and equipment, price overrides, quotes."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import select

from grins_platform.audit.service import Actor
from grins_platform.auth.dependencies import ClientDep, CurrentUser, ManagerUser
from grins_platform.catalog.models import OfferingCategory
from grins_platform.catalog.schemas import (
    OfferingCreate,
    OfferingRead,
    OfferingUpdate,
    OverrideRead,
    OverrideWrite,
    QuoteRead,
    ServicePlanRead,
    ServicePlanWrite,
    VocabularyItem,
)
from grins_platform.catalog.service import CatalogService
from grins_platform.core.cache import CacheDep
from grins_platform.core.errors import NotFoundError
from grins_platform.customers.models import Customer
from grins_platform.db.session import SessionDep
from grins_platform.properties.models import Property

router = APIRouter(prefix="/catalog", tags=["catalog"])
Vocabulary = Literal["skills", "equipment"]


async def get_catalog_service(session: SessionDep, cache: CacheDep) -> CatalogService:
    """The catalog service for this request."""
    return CatalogService(session, cache)


CatalogServiceDep = Annotated[CatalogService, Depends(get_catalog_service)]


async def _live_customer(session: SessionDep, customer_id: uuid.UUID) -> Customer:
    customer = await session.scalar(
        select(Customer).where(
            Customer.id == customer_id, Customer.deleted_at.is_(None)
        )
    )
    if customer is None:
        raise NotFoundError("customer not found")
    return customer


@router.get("/offerings", response_model=list[OfferingRead])
async def list_offerings(
    _user: CurrentUser,
    service: CatalogServiceDep,
    active: Annotated[bool | None, Query(description="only (in)active")] = True,
    category: Annotated[OfferingCategory | None, Query()] = None,
) -> Response:
    """Any staff. The catalog (cached in Redis, invalidated on every write)."""
    body = await service.offerings_json(active=active, category=category)
    return Response(
        content=body,
        media_type="application/json",
        headers={"Cache-Control": "private, max-age=30"},
    )


@router.get("/offerings/{offering_id}", response_model=OfferingRead)
async def get_offering(
    offering_id: uuid.UUID, _user: CurrentUser, service: CatalogServiceDep
) -> OfferingRead:
    """Any staff. One offering."""
    return OfferingRead.model_validate(await service.get_offering(offering_id))


@router.post(
    "/offerings", response_model=OfferingRead, status_code=status.HTTP_201_CREATED
)
async def create_offering(
    body: OfferingCreate,
    user: ManagerUser,
    client: ClientDep,
    service: CatalogServiceDep,
) -> OfferingRead:
    """Admin/manager. Add an offering."""
    offering = await service.create_offering(body, Actor.of(user, client.ip))
    return OfferingRead.model_validate(offering)


@router.patch("/offerings/{offering_id}", response_model=OfferingRead)
async def update_offering(
    offering_id: uuid.UUID,
    body: OfferingUpdate,
    user: ManagerUser,
    client: ClientDep,
    service: CatalogServiceDep,
) -> OfferingRead:
    """Admin/manager. Change an offering; ``is_active: false`` retires it."""
    offering = await service.update_offering(
        offering_id, body, Actor.of(user, client.ip)
    )
    return OfferingRead.model_validate(offering)


@router.get("/price-overrides/{customer_id}", response_model=list[OverrideRead])
async def list_overrides(
    customer_id: uuid.UUID,
    _user: ManagerUser,
    session: SessionDep,
    service: CatalogServiceDep,
) -> list[OverrideRead]:
    """Admin/manager. A customer's own prices."""
    await _live_customer(session, customer_id)
    return [
        OverrideRead.model_validate(o)
        for o in await service.list_overrides(customer_id)
    ]


@router.put("/price-overrides/{customer_id}/{offering_id}", response_model=OverrideRead)
async def set_override(
    customer_id: uuid.UUID,
    offering_id: uuid.UUID,
    body: OverrideWrite,
    user: ManagerUser,
    client: ClientDep,
    session: SessionDep,
    service: CatalogServiceDep,
) -> OverrideRead:
    """Admin/manager. Set the customer's price for an offering (e.g. $700/zone)."""
    await _live_customer(session, customer_id)
    override = await service.set_override(
        customer_id, offering_id, body, Actor.of(user, client.ip)
    )
    return OverrideRead.model_validate(override)


@router.delete(
    "/price-overrides/{customer_id}/{offering_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_override(
    customer_id: uuid.UUID,
    offering_id: uuid.UUID,
    user: ManagerUser,
    client: ClientDep,
    service: CatalogServiceDep,
) -> None:
    """Admin/manager. Back to the catalog price."""
    await service.delete_override(customer_id, offering_id, Actor.of(user, client.ip))


@router.get("/quote", response_model=QuoteRead)
async def quote_offering(
    _user: ManagerUser,
    session: SessionDep,
    service: CatalogServiceDep,
    offering_id: Annotated[uuid.UUID, Query()],
    property_id: Annotated[uuid.UUID, Query()],
    zone_count: Annotated[
        int | None, Query(ge=0, le=99, description="default: the property's")
    ] = None,
) -> QuoteRead:
    """Admin/manager. Price and duration of an offering at a property."""
    offering = await service.get_offering(offering_id)
    prop = await session.scalar(
        select(Property).where(
            Property.id == property_id, Property.deleted_at.is_(None)
        )
    )
    if prop is None:
        raise NotFoundError("property not found")
    zones = zone_count if zone_count is not None else prop.zone_count
    result = await service.quote_for(offering, prop.customer_id, zones)
    return QuoteRead(
        offering_id=offering.id,
        property_id=prop.id,
        zone_count=zones,
        price_cents=result.price_cents,
        minutes=result.minutes,
        pricing_model=result.pricing_model,
        override_applied=result.override_applied,
        quote_needed=result.quote_needed,
        explanation=result.explanation,
    )


@router.get("/service-plans/{customer_id}", response_model=list[ServicePlanRead])
async def list_service_plans(
    customer_id: uuid.UUID,
    _user: ManagerUser,
    session: SessionDep,
    service: CatalogServiceDep,
) -> list[ServicePlanRead]:
    """Admin/manager. The offerings a customer wants every season."""
    await _live_customer(session, customer_id)
    return [
        ServicePlanRead.model_validate(p) for p in await service.list_plans(customer_id)
    ]


@router.put(
    "/service-plans/{customer_id}/{offering_id}", response_model=ServicePlanRead
)
async def set_service_plan(
    customer_id: uuid.UUID,
    offering_id: uuid.UUID,
    body: ServicePlanWrite,
    user: ManagerUser,
    client: ClientDep,
    session: SessionDep,
    service: CatalogServiceDep,
) -> ServicePlanRead:
    """Admin/manager. The customer wants this offering every season.

    Seasonal batches then create it for them.
    """
    await _live_customer(session, customer_id)
    plan = await service.set_plan(
        customer_id, offering_id, body, Actor.of(user, client.ip)
    )
    return ServicePlanRead.model_validate(plan)


@router.delete(
    "/service-plans/{customer_id}/{offering_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_service_plan(
    customer_id: uuid.UUID,
    offering_id: uuid.UUID,
    user: ManagerUser,
    client: ClientDep,
    service: CatalogServiceDep,
) -> None:
    """Admin/manager. Stop the standing request."""
    await service.delete_plan(customer_id, offering_id, Actor.of(user, client.ip))


# Declared last: "/{kind}" would otherwise shadow "/quote".
@router.get("/{kind}", response_model=list[VocabularyItem])
async def list_vocabulary(
    kind: Vocabulary, _user: CurrentUser, service: CatalogServiceDep
) -> list[VocabularyItem]:
    """Any staff. The managed skills or equipment names."""
    return [VocabularyItem.model_validate(i) for i in await service.vocabulary(kind)]


@router.post(
    "/{kind}", response_model=VocabularyItem, status_code=status.HTTP_201_CREATED
)
async def add_vocabulary(
    kind: Vocabulary,
    body: VocabularyItem,
    _user: ManagerUser,
    service: CatalogServiceDep,
) -> VocabularyItem:
    """Admin/manager. Add a skill or piece of equipment."""
    await service.add_vocabulary(kind, body)
    return body

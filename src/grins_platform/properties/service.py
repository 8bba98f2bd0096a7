"""Property use cases: add, read, change, remove, switch the primary one.

A customer has exactly one live primary property. Every change that touches the
primary flag locks the customer row first, so two switches for one customer run
one after the other; the old primary is cleared and the new one set in the same
transaction (the partial unique index would refuse two primaries anyway).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService, changed_only, snapshot
from grins_platform.core.errors import NotFoundError
from grins_platform.core.log_config import LoggerMixin
from grins_platform.customers.access import (
    may_see_access_codes,
    visible_property_ids_for,
)
from grins_platform.customers.models import Customer
from grins_platform.customers.service import CustomerService
from grins_platform.db.uow import UnitOfWork
from grins_platform.geocoding import Geocoder, resolve_coordinates
from grins_platform.jobs.access import visible_job_ids
from grins_platform.jobs.models import Job
from grins_platform.jobs.repository import JobRepository
from grins_platform.properties.models import GeoSource, Property
from grins_platform.properties.repository import PropertyRepository
from grins_platform.properties.schemas import (
    PropertyCreate,
    PropertySort,
    PropertyUpdate,
)
from grins_platform.users.models import User

ENTITY: Final = "property"
_ADDRESS_FIELDS: Final = frozenset({"address", "city", "state", "zip_code"})


class PropertyNotFound(NotFoundError):
    """No such live property, or not visible to the caller."""

    def __init__(self) -> None:
        super().__init__("property not found")


@dataclass(frozen=True, slots=True)
class PropertyView:
    """A property and whether the caller may see its access codes."""

    property: Property
    show_codes: bool


@dataclass(frozen=True, slots=True)
class PropertyHistory:
    """A property with its jobs (newest first), as the caller may see them."""

    view: PropertyView
    jobs: Sequence[Job]


class PropertyService(LoggerMixin):
    """Property use cases; every change is audited and committed once."""

    DOMAIN = "properties"

    def __init__(self, session: AsyncSession, geocoder: Geocoder) -> None:
        self.session = session
        self.geocoder = geocoder
        self.uow = UnitOfWork(session)
        self.properties = PropertyRepository(session)
        self.customers = CustomerService(session)
        self.audit = AuditService(session)

    async def create_property(
        self,
        customer_id: uuid.UUID,
        data: PropertyCreate,
        *,
        user: User,
        ip: str | None = None,
    ) -> PropertyView:
        """Add a property; the first one (or one asked to be) becomes primary."""
        customer = await self.customers.load_visible(customer_id, user, for_update=True)
        prop = await self.stage_create(customer, data, Actor.of(user, ip))
        await self.uow.commit()
        self.log_completed(
            "create", property_id=str(prop.id), customer_id=str(customer.id)
        )
        return await self._view(prop, user)

    async def stage_create(
        self, customer: Customer, data: PropertyCreate, actor: Actor
    ) -> Property:
        """Insert and audit a property of a customer locked by the caller."""
        existing = await self.properties.list_for_customer(customer.id)
        primary = data.is_primary or not existing
        if primary and existing:
            await self.properties.clear_primary(customer.id)
        values = data.model_dump(
            exclude_none=True, exclude={"is_primary", "latitude", "longitude"}
        )
        prop = Property(customer_id=customer.id, is_primary=primary, **values)
        await self._locate(prop, data.latitude, data.longitude)
        await self.properties.add(prop)
        await self.audit.record(
            actor, "property.created", ENTITY, prop.id, after=snapshot(prop)
        )
        return prop

    async def get_property(self, property_id: uuid.UUID, *, user: User) -> PropertyView:
        """A live property the caller may see (404 otherwise)."""
        return await self._view(await self._load(property_id, user), user)

    async def history(self, property_id: uuid.UUID, *, user: User) -> PropertyHistory:
        """The property and the jobs done or planned there."""
        view = await self.get_property(property_id, user=user)
        jobs = await JobRepository(self.session).history_for(
            property_id=property_id, visible_ids=visible_job_ids(user)
        )
        return PropertyHistory(view, jobs)

    async def list_for_customer(
        self, customer_id: uuid.UUID, *, user: User
    ) -> list[PropertyView]:
        """The live properties of a customer the caller may see, primary first."""
        customer = await self.customers.load_visible(customer_id, user)
        rows = await self.properties.list_for_customer(
            customer.id, visible=visible_property_ids_for(user)
        )
        return [await self._view(p, user) for p in rows]

    async def search_properties(
        self,
        *,
        user: User,
        q: str | None,
        city: str | None,
        zip_code: str | None,
        customer_id: uuid.UUID | None,
        sort: PropertySort,
        limit: int,
        offset: int,
    ) -> tuple[list[PropertyView], int]:
        """A page of the properties the caller may see, and the total."""
        rows, total = await self.properties.search(
            q=q,
            city=city,
            zip_code=zip_code,
            customer_id=customer_id,
            sort=sort,
            visible=visible_property_ids_for(user),
            limit=limit,
            offset=offset,
        )
        return [await self._view(p, user) for p in rows], total

    async def update_property(
        self,
        property_id: uuid.UUID,
        changes: PropertyUpdate,
        *,
        user: User,
        ip: str | None = None,
    ) -> PropertyView:
        """Change fields; a new address is geocoded again unless given coordinates."""
        prop = await self._load(property_id, user, for_update=True)
        fields: dict[str, Any] = changes.model_dump(
            exclude_unset=True, exclude={"latitude", "longitude"}
        )
        before = snapshot(prop)
        for name, value in fields.items():
            setattr(prop, name, value)
        moved = bool(_ADDRESS_FIELDS & fields.keys())
        if changes.latitude is not None or changes.longitude is not None or moved:
            await self._locate(prop, changes.latitude, changes.longitude)
        await self.session.flush()
        old, new = changed_only(before, snapshot(prop))
        if new:
            await self.audit.record(
                Actor.of(user, ip),
                "property.updated",
                ENTITY,
                prop.id,
                before=old,
                after=new,
            )
        await self.uow.commit()
        self.log_completed("update", property_id=str(prop.id), fields=sorted(new))
        return await self._view(prop, user)

    async def set_primary(
        self, property_id: uuid.UUID, *, user: User, ip: str | None = None
    ) -> PropertyView:
        """Make this the customer's primary property, atomically."""
        prop = await self._load(property_id, user)
        await self.customers.load_visible(prop.customer_id, user, for_update=True)
        if not prop.is_primary:
            await self.properties.clear_primary(prop.customer_id)
            await self.session.flush()
            prop.is_primary = True
            await self.session.flush()
            await self.audit.record(
                Actor.of(user, ip),
                "property.primary_set",
                ENTITY,
                prop.id,
                before={"is_primary": False},
                after={"is_primary": True},
            )
        await self.uow.commit()
        self.log_completed("set_primary", property_id=str(prop.id))
        return await self._view(prop, user)

    async def delete_property(
        self, property_id: uuid.UUID, *, user: User, ip: str | None = None
    ) -> None:
        """Soft-delete; if it was primary, the oldest remaining one takes over."""
        prop = await self._load(property_id, user)
        await self.customers.load_visible(prop.customer_id, user, for_update=True)
        was_primary = prop.is_primary
        prop.deleted_at = datetime.now(UTC)
        prop.is_primary = False
        await self.session.flush()
        actor = Actor.of(user, ip)
        await self.audit.record(
            actor,
            "property.deleted",
            ENTITY,
            prop.id,
            before={"deleted_at": None, "is_primary": was_primary},
            after={"deleted_at": prop.deleted_at, "is_primary": False},
        )
        if was_primary:
            await self._promote_next(prop.customer_id, actor)
        await self.uow.commit()
        self.log_completed("delete", property_id=str(prop.id))

    async def _promote_next(self, customer_id: uuid.UUID, actor: Actor) -> None:
        remaining: Sequence[Property] = await self.properties.list_for_customer(
            customer_id
        )
        if remaining:
            remaining[0].is_primary = True
            await self.session.flush()
            await self.audit.record(
                actor,
                "property.primary_set",
                ENTITY,
                remaining[0].id,
                before={"is_primary": False},
                after={"is_primary": True},
            )

    async def _locate(
        self, prop: Property, latitude: float | None, longitude: float | None
    ) -> None:
        point = await resolve_coordinates(
            self.geocoder,
            address=prop.address,
            city=prop.city,
            state=prop.state,
            zip_code=prop.zip_code,
            latitude=latitude,
            longitude=longitude,
        )
        if point is None:
            prop.latitude = prop.longitude = None
            prop.geo_source = None
            return
        prop.latitude, prop.longitude = point.lat, point.lon
        prop.geo_source = GeoSource(point.source.value)

    async def _load(
        self, property_id: uuid.UUID, user: User, *, for_update: bool = False
    ) -> Property:
        prop = await self.properties.get_live(
            property_id, visible=visible_property_ids_for(user), for_update=for_update
        )
        if prop is None:
            raise PropertyNotFound
        return prop

    async def _view(self, prop: Property, user: User) -> PropertyView:
        show = await may_see_access_codes(self.session, user, prop.id)
        return PropertyView(property=prop, show_codes=show)

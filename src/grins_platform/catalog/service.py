"""Catalog use cases: offerings (cached reads), vocabularies, overrides, quotes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService, changed_only, snapshot
from grins_platform.catalog.models import (
    Equipment,
    Offering,
    OfferingCategory,
    PriceOverride,
    ServicePlan,
    Skill,
)
from grins_platform.catalog.pricing import (
    OfferingTerms,
    OverrideTerms,
    Quote,
    ZonesRequired,
    quote,
)
from grins_platform.catalog.repository import (
    OfferingRepository,
    OverrideRepository,
    ServicePlanRepository,
)
from grins_platform.catalog.schemas import (
    OfferingCreate,
    OfferingRead,
    OfferingUpdate,
    OverrideWrite,
    ServicePlanWrite,
    VocabularyItem,
)
from grins_platform.core.cache import Cache
from grins_platform.core.errors import ConflictError, NotFoundError, ValidationFailed
from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.uow import UnitOfWork
from grins_platform.properties.models import Property

CACHE_NAMESPACE = "catalog"
_PerCustomerT = TypeVar("_PerCustomerT", PriceOverride, ServicePlan)
CACHE_TTL_SECONDS = 300
_OFFERING_LIST: TypeAdapter[list[OfferingRead]] = TypeAdapter(list[OfferingRead])


class OfferingNotFound(NotFoundError):
    """No such offering."""

    def __init__(self) -> None:
        super().__init__("offering not found")


def terms_of(offering: Offering) -> OfferingTerms:
    """The pricing terms of an offering."""
    return OfferingTerms(
        pricing_model=offering.pricing_model,
        base_price_cents=offering.base_price_cents,
        per_zone_price_cents=offering.per_zone_price_cents,
        hourly_rate_cents=offering.hourly_rate_cents,
        minimum_minutes=offering.minimum_minutes,
        base_minutes=offering.base_minutes,
        per_zone_minutes=offering.per_zone_minutes,
    )


def override_terms(override: PriceOverride | None) -> OverrideTerms | None:
    """The pricing terms of an override, if any."""
    if override is None:
        return None
    return OverrideTerms(
        base_price_cents=override.base_price_cents,
        per_zone_price_cents=override.per_zone_price_cents,
        hourly_rate_cents=override.hourly_rate_cents,
    )


class CatalogService(LoggerMixin):
    """Offerings, vocabularies and overrides; commits once per use case."""

    DOMAIN = "catalog"

    def __init__(self, session: AsyncSession, cache: Cache | None) -> None:
        self.session = session
        self.cache = cache
        self.uow = UnitOfWork(session)
        self.offerings = OfferingRepository(session)
        self.overrides = OverrideRepository(session)
        self.audit = AuditService(session)

    async def offerings_json(
        self, *, active: bool | None, category: OfferingCategory | None
    ) -> str:
        """The offerings as the response's JSON body, served from Redis when cached.

        The body is cached as it is sent, so a hit costs neither JSON parsing nor
        building and dumping a model per offering.
        """
        key = f"offerings:{active}:{category}"

        async def load() -> str:
            rows = await self.offerings.list_filtered(active=active, category=category)
            models = [OfferingRead.model_validate(r) for r in rows]
            return _OFFERING_LIST.dump_json(models).decode()

        if self.cache is None:
            return await load()
        return await self.cache.get_or_set_text_in(
            CACHE_NAMESPACE, key, CACHE_TTL_SECONDS, load
        )

    async def get_offering(self, offering_id: uuid.UUID) -> Offering:
        """One offering or 404."""
        offering = await self.offerings.get(offering_id)
        if offering is None:
            raise OfferingNotFound
        return offering

    async def create_offering(self, data: OfferingCreate, actor: Actor) -> Offering:
        """Add an offering (its skills and equipment must be known codes)."""
        await self.check_vocabulary(data.required_skills, data.required_equipment)
        if await self.offerings.get_by_code(data.code) is not None:
            raise ConflictError(
                "an offering with this code already exists", field="code"
            )
        offering = Offering(**data.model_dump())
        try:
            await self.offerings.add(offering)
        except IntegrityError as exc:
            await self.uow.rollback()
            raise ConflictError("an offering with this code already exists") from exc
        await self.audit.record(
            actor, "offering.created", "offering", offering.id, after=snapshot(offering)
        )
        await self._commit()
        self.log_completed("create_offering", offering_id=str(offering.id))
        return offering

    async def update_offering(
        self, offering_id: uuid.UUID, changes: OfferingUpdate, actor: Actor
    ) -> Offering:
        """Change fields of an offering (deactivate with ``is_active: false``)."""
        offering = await self.offerings.get(offering_id, for_update=True)
        if offering is None:
            raise OfferingNotFound
        fields = changes.model_dump(exclude_unset=True)
        for name in ("name", "category", "pricing_model", "staff_needed", "is_active"):
            if name in fields and fields[name] is None:
                raise ValidationFailed(name, "must not be null")
        await self.check_vocabulary(
            fields.get("required_skills") or [], fields.get("required_equipment") or []
        )
        before = snapshot(offering)
        for name, value in fields.items():
            if value is None:
                continue
            is_codes = name in {"required_skills", "required_equipment"}
            setattr(offering, name, sorted(set(value)) if is_codes else value)
        old, new = changed_only(before, snapshot(offering))
        await self.audit.record(
            actor, "offering.updated", "offering", offering.id, before=old, after=new
        )
        await self._commit()
        self.log_completed("update_offering", offering_id=str(offering.id))
        return offering

    async def vocabulary(self, kind: str) -> Sequence[Skill] | Sequence[Equipment]:
        """The skills or the equipment list."""
        return await (
            self.offerings.skills() if kind == "skills" else self.offerings.equipment()
        )

    async def add_vocabulary(self, kind: str, item: VocabularyItem) -> None:
        """Add a skill or piece of equipment (409 if the code exists)."""
        model: type[Skill | Equipment] = Skill if kind == "skills" else Equipment
        if await self.session.get(model, item.code) is not None:
            raise ConflictError(f"{item.code} already exists", field="code")
        self.session.add(model(code=item.code, name=item.name))
        await self.session.flush()
        await self._commit()
        self.log_completed("add_vocabulary", kind=kind, code=item.code)

    async def check_vocabulary(
        self, skills: Sequence[str], equipment: Sequence[str]
    ) -> None:
        """422 naming the field when a skill or equipment code is not managed."""
        unknown = await self.offerings.unknown_codes(Skill, skills)
        if unknown:
            raise ValidationFailed(
                "required_skills", f"unknown skills: {', '.join(unknown)}"
            )
        unknown = await self.offerings.unknown_codes(Equipment, equipment)
        if unknown:
            raise ValidationFailed(
                "required_equipment", f"unknown equipment: {', '.join(unknown)}"
            )

    async def _commit(self) -> None:
        self.uow.after_commit(self._invalidate)
        await self.uow.commit()

    async def _invalidate(self) -> None:
        if self.cache is not None:
            await self.cache.invalidate_namespace(CACHE_NAMESPACE)

    # --- overrides -----------------------------------------------------------

    async def list_overrides(self, customer_id: uuid.UUID) -> Sequence[PriceOverride]:
        """A customer's overrides."""
        return await self.overrides.for_customer(customer_id)

    async def set_override(
        self,
        customer_id: uuid.UUID,
        offering_id: uuid.UUID,
        data: OverrideWrite,
        actor: Actor,
    ) -> PriceOverride:
        """Create or replace the customer's override for an offering."""
        await self.get_offering(offering_id)
        existing = await self.overrides.find(customer_id, offering_id, for_update=True)
        override = existing or PriceOverride(
            customer_id=customer_id, offering_id=offering_id
        )
        return await self._save_per_customer(
            existing, override, data.model_dump(), "price_override", actor
        )

    async def delete_override(
        self, customer_id: uuid.UUID, offering_id: uuid.UUID, actor: Actor
    ) -> None:
        """Remove an override (404 if there is none)."""
        override = await self.overrides.find(customer_id, offering_id, for_update=True)
        if override is None:
            raise NotFoundError("override not found")
        await self.audit.record(
            actor,
            "price_override.deleted",
            "price_override",
            override.id,
            before=snapshot(override),
        )
        await self.overrides.delete(override)
        await self._commit()

    # --- quotes --------------------------------------------------------------

    async def quote_for(
        self, offering: Offering, customer_id: uuid.UUID, zones: int | None
    ) -> Quote:
        """The customer's price for an offering with ``zones`` zones."""
        override = await self.overrides.find(customer_id, offering.id)
        try:
            return quote(terms_of(offering), zones, override_terms(override))
        except ZonesRequired as exc:
            raise ValidationFailed("zone_count", str(exc)) from exc

    # --- service plans -------------------------------------------------------

    async def list_plans(self, customer_id: uuid.UUID) -> Sequence[ServicePlan]:
        """The offerings a customer wants every season."""
        return await ServicePlanRepository(self.session).for_customer(customer_id)

    async def set_plan(
        self,
        customer_id: uuid.UUID,
        offering_id: uuid.UUID,
        data: ServicePlanWrite,
        actor: Actor,
    ) -> ServicePlan:
        """Record (or re-point) that the customer wants this offering every season."""
        await self.get_offering(offering_id)
        if data.property_id is not None:
            prop = await self.session.get(Property, data.property_id)
            if prop is None or prop.customer_id != customer_id or prop.deleted_at:
                raise ValidationFailed("property_id", "not a property of this customer")
        existing = await ServicePlanRepository(self.session).find(
            customer_id, offering_id
        )
        plan = existing or ServicePlan(customer_id=customer_id, offering_id=offering_id)
        return await self._save_per_customer(
            existing, plan, data.model_dump(), "service_plan", actor
        )

    async def _save_per_customer(
        self,
        existing: PriceOverride | ServicePlan | None,
        row: _PerCustomerT,
        values: dict[str, Any],
        kind: str,
        actor: Actor,
    ) -> _PerCustomerT:
        """Create or update a per-customer, per-offering row; audited, committed."""
        before = snapshot(existing) if existing else None
        if existing is None:
            self.session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # a concurrent write of the same pair
            await self.uow.rollback()
            raise ConflictError(f"the {kind} changed meanwhile; try again") from exc
        await self.audit.record(
            actor, f"{kind}.set", kind, row.id, before=before, after=snapshot(row)
        )
        await self._commit()
        return row

    async def delete_plan(
        self, customer_id: uuid.UUID, offering_id: uuid.UUID, actor: Actor
    ) -> None:
        """The customer no longer wants this offering every season (404 if never)."""
        plans = ServicePlanRepository(self.session)
        plan = await plans.find(customer_id, offering_id)
        if plan is None:
            raise NotFoundError("service plan not found")
        await self.audit.record(
            actor,
            "service_plan.deleted",
            "service_plan",
            plan.id,
            before=snapshot(plan),
        )
        await plans.delete(plan)
        await self._commit()

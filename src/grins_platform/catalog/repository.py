"""SQL for offerings, vocabularies, price overrides and service plans."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Final

from sqlalchemy import bindparam, select

from grins_platform.catalog.models import (
    Equipment,
    Offering,
    OfferingCategory,
    PriceOverride,
    ServicePlan,
    Skill,
)
from grins_platform.db.repository import Repository


class OfferingRepository(Repository[Offering]):
    """Offerings and the vocabularies they reference."""

    model = Offering

    async def get_by_code(self, code: str) -> Offering | None:
        """The offering with this stable code."""
        return await self.session.scalar(select(Offering).where(Offering.code == code))

    async def list_filtered(
        self, *, active: bool | None, category: OfferingCategory | None
    ) -> Sequence[Offering]:
        """Offerings ordered by category then name (the catalog is small)."""
        stmt = select(Offering)
        if active is not None:
            stmt = stmt.where(Offering.is_active.is_(active))
        if category is not None:
            stmt = stmt.where(Offering.category == category)
        stmt = stmt.order_by(Offering.category, Offering.name, Offering.id)
        return (await self.session.scalars(stmt)).all()

    async def skills(self) -> Sequence[Skill]:
        """Every skill, by code."""
        return (await self.session.scalars(select(Skill).order_by(Skill.code))).all()

    async def equipment(self) -> Sequence[Equipment]:
        """Every piece of equipment, by code."""
        stmt = select(Equipment).order_by(Equipment.code)
        return (await self.session.scalars(stmt)).all()

    async def unknown_codes(
        self, model: type[Skill | Equipment], codes: Sequence[str]
    ) -> list[str]:
        """The codes in ``codes`` that the vocabulary does not have."""
        if not codes:
            return []
        known = set(
            (
                await self.session.scalars(
                    select(model.code).where(model.code.in_(codes))
                )
            ).all()
        )
        return sorted(set(codes) - known)


_OVERRIDE: Final = select(PriceOverride).where(
    PriceOverride.customer_id == bindparam("customer_id"),
    PriceOverride.offering_id == bindparam("offering_id"),
)
_OVERRIDE_FOR_UPDATE: Final = _OVERRIDE.with_for_update()


class OverrideRepository(Repository[PriceOverride]):
    """Customer price overrides."""

    model = PriceOverride

    async def for_customer(self, customer_id: uuid.UUID) -> Sequence[PriceOverride]:
        """All overrides of a customer."""
        stmt = (
            select(PriceOverride)
            .where(PriceOverride.customer_id == customer_id)
            .order_by(PriceOverride.created_at, PriceOverride.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def find(
        self,
        customer_id: uuid.UUID,
        offering_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> PriceOverride | None:
        """The override of this customer for this offering."""
        stmt = _OVERRIDE_FOR_UPDATE if for_update else _OVERRIDE
        return await self.session.scalar(
            stmt, {"customer_id": customer_id, "offering_id": offering_id}
        )


class ServicePlanRepository(Repository[ServicePlan]):
    """Customers' standing requests (seasonal batches read them)."""

    model = ServicePlan

    async def for_customer(self, customer_id: uuid.UUID) -> Sequence[ServicePlan]:
        """A customer's plans."""
        stmt = (
            select(ServicePlan)
            .where(ServicePlan.customer_id == customer_id)
            .order_by(ServicePlan.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def find(
        self, customer_id: uuid.UUID, offering_id: uuid.UUID
    ) -> ServicePlan | None:
        """The customer's plan for this offering."""
        return await self.session.scalar(
            select(ServicePlan)
            .where(
                ServicePlan.customer_id == customer_id,
                ServicePlan.offering_id == offering_id,
            )
            .with_for_update()
        )

"""SQL for properties."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select, update

from grins_platform.db.repository import Repository
from grins_platform.properties.models import Property
from grins_platform.properties.schemas import PropertySort


class PropertyRepository(Repository[Property]):
    """Live properties by id or customer, primary switching, searched lists."""

    model = Property

    async def get_live(
        self,
        property_id: uuid.UUID,
        *,
        visible: Select[uuid.UUID] | None = None,
        for_update: bool = False,
    ) -> Property | None:
        """The live property, if ``visible`` allows."""
        stmt = select(Property).where(
            Property.id == property_id, Property.deleted_at.is_(None)
        )
        if visible is not None:
            stmt = stmt.where(Property.id.in_(visible))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_for_customer(
        self,
        customer_id: uuid.UUID,
        *,
        visible: Select[uuid.UUID] | None = None,
    ) -> Sequence[Property]:
        """The customer's live properties, primary first, then oldest first."""
        stmt = select(Property).where(
            Property.customer_id == customer_id, Property.deleted_at.is_(None)
        )
        if visible is not None:
            stmt = stmt.where(Property.id.in_(visible))
        stmt = stmt.order_by(
            Property.is_primary.desc(), Property.created_at, Property.id
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def clear_primary(self, customer_id: uuid.UUID) -> None:
        """Unset the customer's primary property (first half of a switch)."""
        await self.session.execute(
            update(Property)
            .where(Property.customer_id == customer_id, Property.is_primary)
            .values(is_primary=False)
            .execution_options(synchronize_session="fetch")
        )

    async def search(
        self,
        *,
        q: str | None,
        city: str | None,
        zip_code: str | None,
        customer_id: uuid.UUID | None,
        sort: PropertySort,
        visible: Select[uuid.UUID] | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Property], int]:
        """A page of live properties matching the filters, and the total."""
        stmt: Select[Any] = select(Property).where(Property.deleted_at.is_(None))
        if q and q.strip():
            term = q.strip().lower()
            stmt = stmt.where(
                func.lower(Property.address).contains(term, autoescape=True)
                | func.lower(Property.city).startswith(term, autoescape=True)
            )
        if city:
            stmt = stmt.where(func.lower(Property.city) == city.strip().lower())
        if zip_code:
            stmt = stmt.where(Property.zip_code.startswith(zip_code.strip()[:5]))
        if customer_id is not None:
            stmt = stmt.where(Property.customer_id == customer_id)
        if visible is not None:
            stmt = stmt.where(Property.id.in_(visible))
        column = (
            func.lower(Property.address)
            if sort.value.endswith("address")
            else Property.created_at
        )
        if sort.value.startswith("-"):
            stmt = stmt.order_by(column.desc(), Property.id.desc())
        else:
            stmt = stmt.order_by(column.asc(), Property.id.asc())
        total = await self.count(stmt)
        return await self.page(stmt, limit=limit, offset=offset), total

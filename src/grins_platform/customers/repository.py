"""SQL for customers and the consent ledger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, or_, select, update

from grins_platform.customers.models import Customer, CustomerConsent
from grins_platform.db.repository import Repository


class CustomerRepository(Repository[Customer]):
    """Customers by id, phone and email."""

    model = Customer

    async def get_live(
        self,
        customer_id: uuid.UUID,
        *,
        visible: Select[uuid.UUID] | None = None,
        for_update: bool = False,
    ) -> Customer | None:
        """The live (not deleted, not merged) customer, if ``visible`` allows."""
        stmt = select(Customer).where(
            Customer.id == customer_id, Customer.deleted_at.is_(None)
        )
        if visible is not None:
            stmt = stmt.where(Customer.id.in_(visible))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def merged_into(self, customer_id: uuid.UUID) -> uuid.UUID | None:
        """The survivor a merged customer points at, if any."""
        stmt = select(Customer.merged_into_id).where(Customer.id == customer_id)
        return await self.session.scalar(stmt)

    async def find_by_phone(
        self, phone: str, *, exclude: uuid.UUID | None = None
    ) -> Customer | None:
        """A live customer whose phone or alternate phone is ``phone`` (E.164)."""
        stmt = select(Customer).where(
            Customer.deleted_at.is_(None),
            or_(Customer.phone == phone, Customer.alt_phone == phone),
        )
        if exclude is not None:
            stmt = stmt.where(Customer.id != exclude)
        return (await self.session.execute(stmt.limit(1))).scalar_one_or_none()

    async def find_by_email(
        self, email: str, *, exclude: uuid.UUID | None = None
    ) -> Customer | None:
        """A live customer with this email, whatever its case."""
        stmt = select(Customer).where(
            Customer.deleted_at.is_(None),
            Customer.email.is_not(None),  # the unique index's predicate: uses it
            func.lower(Customer.email) == email.strip().lower(),
        )
        if exclude is not None:
            stmt = stmt.where(Customer.id != exclude)
        return (await self.session.execute(stmt.limit(1))).scalar_one_or_none()

    async def lock_pair(
        self, first: uuid.UUID, second: uuid.UUID
    ) -> dict[uuid.UUID, Customer]:
        """Lock two customers (in id order, so two merges cannot deadlock)."""
        stmt = (
            select(Customer)
            .where(Customer.id.in_([first, second]))
            .order_by(Customer.id)
            .with_for_update()
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return {row.id: row for row in rows}

    async def repoint_merged(self, old: uuid.UUID, new: uuid.UUID) -> None:
        """Customers merged earlier into ``old`` now point at ``new``."""
        await self.session.execute(
            update(Customer)
            .where(Customer.merged_into_id == old)
            .values(merged_into_id=new)
        )


class ConsentRepository(Repository[CustomerConsent]):
    """The append-only consent ledger: insert and read, never update or delete."""

    model = CustomerConsent

    async def ledger(self, customer_id: uuid.UUID) -> Sequence[CustomerConsent]:
        """Every row of a customer, newest first."""
        stmt = (
            select(CustomerConsent)
            .where(CustomerConsent.customer_id == customer_id)
            .order_by(CustomerConsent.recorded_at.desc(), CustomerConsent.id.desc())
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def latest_time(self, customer_id: uuid.UUID) -> datetime | None:
        """When the newest row of a customer was recorded."""
        stmt = select(func.max(CustomerConsent.recorded_at)).where(
            CustomerConsent.customer_id == customer_id
        )
        return await self.session.scalar(stmt)

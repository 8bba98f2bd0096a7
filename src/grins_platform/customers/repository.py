"""SQL for customers and the consent ledger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import (
    ARRAY,
    Row,
    Select,
    String,
    Table,
    Uuid,
    and_,
    any_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert

from grins_platform.customers.models import Customer, CustomerConsent
from grins_platform.db.repository import Repository

NEW_COLUMNS: Final = (
    "id",
    "name",
    "company",
    "phone",
    "alt_phone",
    "email",
    "preferred_channel",
    "is_priority",
    "is_red_flag",
    "is_slow_payer",
    "lead_source",
    "notes",
)
"""The columns a create sets (``CustomerCreate`` and the id); the others take
their column defaults."""
Taken = Row[uuid.UUID, str | None, str | None, str | None]
"""A live customer holding a phone or email: id, phone, alt_phone, lower(email)."""
_PHONES = bindparam("taken_phones", type_=ARRAY(String))
_EMAIL = bindparam("taken_email", type_=String)
_TAKEN = and_(
    Customer.deleted_at.is_(None),
    or_(
        Customer.phone == any_(_PHONES),
        and_(Customer.alt_phone.is_not(None), Customer.alt_phone == any_(_PHONES)),
        # the unique index's predicate, so the index is used
        and_(Customer.email.is_not(None), func.lower(Customer.email) == _EMAIL),
    ),
)
"""A live customer has one of ``phones`` (as phone or alternate) or ``email``."""
_TAKEN_BY = (
    select(Customer.id, Customer.phone, Customer.alt_phone, func.lower(Customer.email))
    .where(_TAKEN)
    .where(Customer.id.is_distinct_from(bindparam("exclude", type_=Uuid)))
)
_TABLE = cast("Table", Customer.__table__)
_INSERT_UNLESS_TAKEN = select(Customer).from_statement(
    insert(_TABLE)
    .from_select(
        NEW_COLUMNS,
        select(
            *[bindparam(name, type_=_TABLE.c[name].type) for name in NEW_COLUMNS]
        ).where(~exists().where(_TAKEN)),
    )
    .on_conflict_do_nothing()
    .returning(*[c for c in _TABLE.c if c.name != "search_vector"])
)
"""The insert of ``insert_unless_taken``, its row loaded as a ``Customer``."""


class CustomerRepository(Repository[Customer]):
    """Customers by id, phone and email; inserts that respect the unique rules."""

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

    async def find_by_phone(self, phone: str) -> Customer | None:
        """A live customer whose phone or alternate phone is ``phone`` (E.164)."""
        stmt = select(Customer).where(
            Customer.deleted_at.is_(None),
            or_(Customer.phone == phone, Customer.alt_phone == phone),
        )
        return (await self.session.execute(stmt.limit(1))).scalar_one_or_none()

    async def taken_by(
        self,
        phones: Sequence[str],
        email: str | None,
        *,
        exclude: uuid.UUID | None = None,
    ) -> Sequence[Taken]:
        """Live customers with one of ``phones`` (either field) or ``email``.

        One statement for every check of a create or an update (id, phone,
        alternate phone and email of each).
        """
        result = await self.session.execute(
            _TAKEN_BY,
            {**taken_params(phones, email), "exclude": exclude},
        )
        return result.all()

    async def insert_unless_taken(
        self, values: dict[str, Any], phones: Sequence[str], email: str | None
    ) -> Customer | None:
        """Insert a customer unless its phones or email are taken; ``None`` if so.

        One statement: a live customer holding ``phones`` (as phone or alternate)
        or ``email`` stops the insert, and so does the unique index of a customer
        inserted concurrently (``ON CONFLICT DO NOTHING`` waits for that
        transaction and then skips the row: the database decides the race).
        The new customer comes back from ``RETURNING`` (no second read).
        """
        params = {**values, **taken_params(phones, email)}
        customer: Customer | None = await self.session.scalar(
            _INSERT_UNLESS_TAKEN, params
        )
        return customer

    async def find_by_email(self, email: str) -> Customer | None:
        """A live customer with this email, whatever its case."""
        stmt = select(Customer).where(
            Customer.deleted_at.is_(None),
            Customer.email.is_not(None),  # the unique index's predicate: uses it
            func.lower(Customer.email) == email.strip().lower(),
        )
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


def taken_params(phones: Sequence[str], email: str | None) -> dict[str, Any]:
    """The values of the "taken" test: the phones, and the email as the index has it."""
    return {
        "taken_phones": list(phones),
        "taken_email": email.strip().lower() if email is not None else None,
    }

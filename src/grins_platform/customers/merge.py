"""Duplicate candidates and merging two customers into one.

A merge moves *everything* that points at the duplicate to the survivor: every
foreign key to ``customers.id`` in the schema (properties, consent ledger, service
requests today; jobs, invoices... as their tables are added) is re-pointed in one
transaction, so a new domain needs no change here. A table that must not be moved
blindly (say, a unique row per customer) goes in ``MERGE_SKIP_TABLES`` and handles
the merge itself through ``MERGE_HOOKS``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    Column,
    ColumnElement,
    Delete,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    false,
    func,
    inspect,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform import models
from grins_platform.audit.service import Actor, AuditService, snapshot
from grins_platform.core.errors import ValidationFailed
from grins_platform.core.log_config import LoggerMixin
from grins_platform.customers.errors import CustomerNotFound
from grins_platform.customers.models import Customer
from grins_platform.customers.service import CustomerService
from grins_platform.db.uow import UnitOfWork
from grins_platform.properties.models import Property
from grins_platform.users.models import User

MergeHook = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[None]]
MERGE_SKIP_TABLES: Final[set[str]] = {"customers"}
MERGE_HOOKS: Final[list[MergeHook]] = []
"""``hook(session, duplicate_id, survivor_id)`` run inside the merge transaction."""
MAX_CANDIDATES: Final = 20
_WORD: Final = re.compile(r"\w{2,}")
_FILLED_FIELDS: Final = ("email", "company", "lead_source")
_FLAGS: Final = ("is_priority", "is_red_flag", "is_slow_payer")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible duplicate and why.

    Reasons: ``phone``, ``email``, ``name_and_zip``, ``name_and_street``.
    """

    customer: Customer
    reasons: list[str]


def customer_references() -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) holding a foreign key to ``customers.id``."""
    refs: list[tuple[Table, Column[Any]]] = []
    for table in models.metadata.sorted_tables:
        if table.name in MERGE_SKIP_TABLES:
            continue
        refs.extend(
            (table, fk.parent)
            for fk in table.foreign_keys
            if fk.column.table.name == "customers" and fk.column.name == "id"
        )
    return refs


class MergeService(LoggerMixin):
    """Finds likely duplicates and merges one customer into another."""

    DOMAIN = "customers"
    COMPONENT = "merge"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.uow = UnitOfWork(session)
        self.customers = CustomerService(session)
        self.audit = AuditService(session)

    async def find_duplicates(
        self, customer_id: uuid.UUID, *, user: User
    ) -> list[Candidate]:
        """Live customers that may be the same as this one, and why."""
        customer = await self.customers.load_visible(customer_id, user)
        reasons = await self._reason_columns(customer)
        stmt = (
            select(Customer, *reasons.values())
            .where(
                Customer.id != customer.id,
                Customer.deleted_at.is_(None),
                or_(*reasons.values()),
            )
            .order_by(func.lower(Customer.name), Customer.id)
            .limit(MAX_CANDIDATES)
        )
        rows = (await self.session.execute(stmt)).all()
        names = list(reasons)
        return [
            Candidate(row[0], [n for n, hit in zip(names, row[1:], strict=True) if hit])
            for row in rows
        ]

    async def _reason_columns(self, customer: Customer) -> dict[str, Any]:
        places = (
            await self.session.execute(
                select(
                    func.substr(Property.zip_code, 1, 5), func.lower(Property.address)
                )
                .where(Property.customer_id == customer.id)
                .where(Property.deleted_at.is_(None))
            )
        ).all()
        zips = sorted({z for z, _ in places})
        streets = sorted({a for _, a in places})
        phones = [p for p in (customer.phone, customer.alt_phone) if p]
        words = _WORD.findall(customer.name.lower())
        name_match: ColumnElement[bool] = (
            Customer.search_vector.bool_op("@@")(func.to_tsquery("simple", words[-1]))
            if words
            else false()
        )

        def place(condition: ColumnElement[bool]) -> ColumnElement[bool]:
            return exists(
                select(Property.id).where(
                    Property.customer_id == Customer.id,
                    Property.deleted_at.is_(None),
                    condition,
                )
            )

        return {
            "phone": or_(Customer.phone.in_(phones), Customer.alt_phone.in_(phones))
            if phones
            else literal(value=False),
            "email": func.lower(Customer.email) == customer.email.lower()
            if customer.email
            else literal(value=False),
            "name_and_zip": and_(
                name_match, place(func.substr(Property.zip_code, 1, 5).in_(zips))
            )
            if zips
            else literal(value=False),
            "name_and_street": and_(
                name_match, place(func.lower(Property.address).in_(streets))
            )
            if streets
            else literal(value=False),
        }

    async def merge_customers(
        self,
        survivor_id: uuid.UUID,
        duplicate_id: uuid.UUID,
        *,
        user: User,
        ip: str | None = None,
    ) -> Customer:
        """Merge ``duplicate_id`` into ``survivor_id`` in one transaction.

        Raises:
            ValidationFailed: The two ids are the same customer.
            CustomerNotFound: Either customer is missing, deleted or merged.
        """
        if survivor_id == duplicate_id:
            raise ValidationFailed(
                "duplicate_id", "cannot merge a customer into itself"
            )
        actor = Actor.of(user, ip)
        survivor, duplicate = await self._lock(survivor_id, duplicate_id)
        before = {"survivor": snapshot(survivor), "duplicate": snapshot(duplicate)}
        duplicate.deleted_at = datetime.now(UTC)
        duplicate.merged_into_id = survivor.id
        duplicate.is_active = False
        await self.session.flush()  # frees the duplicate's phone and email
        moved = await self._move_references(duplicate.id, survivor.id)
        _absorb(survivor, duplicate)
        await self.session.flush()
        after = {"survivor": snapshot(survivor), "moved": moved}
        await self.audit.record(
            actor,
            "customer.merged",
            "customer",
            survivor.id,
            before=before,
            after=after,
        )
        await self.audit.record(
            actor,
            "customer.merged_into",
            "customer",
            duplicate.id,
            before=before["duplicate"],
            after={"merged_into_id": survivor.id, "deleted_at": duplicate.deleted_at},
        )
        await self.uow.commit()
        self.log_completed(
            "merge", customer_id=str(survivor.id), merged_id=str(duplicate.id)
        )
        return survivor

    async def _lock(
        self, survivor_id: uuid.UUID, duplicate_id: uuid.UUID
    ) -> tuple[Customer, Customer]:
        locked = await self.customers.customers.lock_pair(survivor_id, duplicate_id)
        for wanted in (survivor_id, duplicate_id):
            row = locked.get(wanted)
            if row is None or row.deleted_at is not None:
                raise CustomerNotFound(row.merged_into_id if row else None)
        return locked[survivor_id], locked[duplicate_id]

    async def _move_references(
        self, duplicate_id: uuid.UUID, survivor_id: uuid.UUID
    ) -> dict[str, int]:
        survivor_has_primary = await self.session.scalar(
            select(
                exists().where(
                    Property.customer_id == survivor_id,
                    Property.is_primary,
                    Property.deleted_at.is_(None),
                )
            )
        )
        if survivor_has_primary:
            await self.session.execute(
                update(Property)
                .where(Property.customer_id == duplicate_id)
                .values(is_primary=False)
                .execution_options(synchronize_session="fetch")
            )
        moved: dict[str, int] = {}
        references = customer_references()
        for table, column in references:
            for clash in _unique_clashes(table, column, duplicate_id, survivor_id):
                dropped = await self.session.execute(clash)
                count = int(getattr(dropped, "rowcount", 0) or 0)
                if count:
                    moved[f"{table.name}.dropped_as_duplicate"] = count
            result = await self.session.execute(
                update(table)
                .where(column == duplicate_id)
                .values({column.name: survivor_id})
            )
            count = int(getattr(result, "rowcount", 0) or 0)
            if count:
                moved[f"{table.name}.{column.name}"] = count
        await self.customers.customers.repoint_merged(duplicate_id, survivor_id)
        for hook in MERGE_HOOKS:
            await hook(self.session, duplicate_id, survivor_id)
        touched = {table.name for table, _ in references}
        for entity in list(self.session.identity_map.values()):
            if inspect(entity).mapper.local_table.name in touched:
                self.session.expire(entity)  # rows moved behind the ORM's back
        return moved


def _unique_clashes(
    table: Table, column: Column[Any], duplicate_id: uuid.UUID, survivor_id: uuid.UUID
) -> list[Delete]:
    """Deletes of the duplicate's rows that a unique key would refuse to move.

    For a unique key over the customer column and others (one price override per
    customer and offering), the survivor's row wins and the duplicate's goes.
    """
    deletes: list[Delete] = []
    for constraint in table.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        names = [c.name for c in constraint.columns]
        if column.name not in names or len(names) < 2:  # noqa: PLR2004
            continue
        key: str = column.name
        other = table.alias()
        same = [other.c[n] == table.c[n] for n in names if n != key]
        mine: ColumnElement[bool] = column == duplicate_id
        theirs: ColumnElement[bool] = other.c[key] == survivor_id
        deletes.append(
            delete(table).where(mine, exists(select(other.c[key]).where(theirs, *same)))
        )
    return deletes


def _absorb(survivor: Customer, duplicate: Customer) -> None:
    """Fill the survivor's blanks from the duplicate; flags add up; notes join."""
    for name in _FILLED_FIELDS:
        if getattr(survivor, name) is None and getattr(duplicate, name) is not None:
            setattr(survivor, name, getattr(duplicate, name))
    for name in _FLAGS:
        setattr(survivor, name, getattr(survivor, name) or getattr(duplicate, name))
    if survivor.phone is None:
        survivor.phone = duplicate.phone
    elif survivor.alt_phone is None and duplicate.phone not in {None, survivor.phone}:
        survivor.alt_phone = duplicate.phone
    if duplicate.notes:
        joined = f"(merged from {duplicate.id}) {duplicate.notes}"
        survivor.notes = f"{survivor.notes}\n{joined}" if survivor.notes else joined

"""Customer use cases: create, update, soft-delete, and loading a visible customer.

Each public method is one use case and commits once through the unit of work;
``stage_create`` does the work of a create without committing, for use cases that
span domains (converting a service request). Reads for the API (lists, search, one
customer, history) are read models in ``customers/queries.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService, changed_only, snapshot
from grins_platform.core.errors import ValidationFailed
from grins_platform.core.log_config import LoggerMixin
from grins_platform.customers.access import visible_customer_ids_for
from grins_platform.customers.errors import CustomerNotFound, DuplicateCustomer
from grins_platform.customers.models import Customer
from grins_platform.customers.repository import (
    NEW_COLUMNS,
    CustomerRepository,
    Taken,
)
from grins_platform.customers.schemas import CustomerCreate, CustomerUpdate
from grins_platform.db.uow import UnitOfWork
from grins_platform.users.models import User

ENTITY = "customer"
CREATED_FIELDS: Final = (*NEW_COLUMNS, "is_active", "created_at", "updated_at")
"""What the audit entry of a create shows: the fields a create sets."""


class CustomerService(LoggerMixin):
    """Customer use cases; every change is audited and committed once."""

    DOMAIN = "customers"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.uow = UnitOfWork(session)
        self.customers = CustomerRepository(session)
        self.audit = AuditService(session)

    async def create_customer(
        self, data: CustomerCreate, *, user: User, ip: str | None = None
    ) -> Customer:
        """Create a customer (409 with the existing id on a known phone or email)."""
        customer = await self.stage_create(data, Actor.of(user, ip))
        await self.uow.commit()
        self.log_completed("create", customer_id=str(customer.id))
        return customer

    async def stage_create(self, data: CustomerCreate, actor: Actor) -> Customer:
        """Validate, insert and audit a customer without committing.

        Raises:
            ValidationFailed: Neither a phone nor an email.
            DuplicateCustomer: A live customer has the phone or email.
        """
        if data.phone is None and data.email is None:
            raise ValidationFailed("phone", "a phone or an email is required")
        values, phones = new_customer_values(data)
        customer = await self.customers.insert_unless_taken(values, phones, data.email)
        if customer is None:
            taken = await self.customers.taken_by(phones, data.email)
            raise self._duplicate(phones, data.email, taken)
        await self.audit.record(
            actor,
            "customer.created",
            ENTITY,
            customer.id,
            after=snapshot(customer, CREATED_FIELDS),
        )
        return customer

    async def update_customer(
        self,
        customer_id: uuid.UUID,
        changes: CustomerUpdate,
        *,
        user: User,
        ip: str | None = None,
    ) -> Customer:
        """Change a customer's fields (409 if the new phone or email is taken)."""
        customer = await self.load_visible(customer_id, user, for_update=True)
        fields: dict[str, Any] = changes.model_dump(exclude_unset=True)
        phone = fields.get("phone", customer.phone)
        email = fields.get("email", customer.email)
        if phone is None and email is None:
            raise ValidationFailed("phone", "a phone or an email is required")
        await self._ensure_unique(
            fields.get("phone"),
            fields.get("alt_phone"),
            fields.get("email"),
            exclude=customer.id,
        )
        before = snapshot(customer)
        for name, value in fields.items():
            setattr(customer, name, value)
        await self._flush_unique(customer)
        old, new = changed_only(before, snapshot(customer))
        if new:
            await self.audit.record(
                Actor.of(user, ip),
                "customer.updated",
                ENTITY,
                customer.id,
                before=old,
                after=new,
            )
        await self.uow.commit()
        self.log_completed("update", customer_id=str(customer.id), fields=sorted(new))
        return customer

    async def delete_customer(
        self, customer_id: uuid.UUID, *, user: User, ip: str | None = None
    ) -> None:
        """Soft-delete: the row stays for history; phone and email become free."""
        customer = await self.load_visible(customer_id, user, for_update=True)
        customer.deleted_at = datetime.now(UTC)
        customer.is_active = False
        await self.audit.record(
            Actor.of(user, ip),
            "customer.deleted",
            ENTITY,
            customer.id,
            before={"deleted_at": None},
            after={"deleted_at": customer.deleted_at},
        )
        await self.uow.commit()
        self.log_completed("delete", customer_id=str(customer.id))

    async def load_visible(
        self, customer_id: uuid.UUID, user: User, *, for_update: bool = False
    ) -> Customer:
        """The live customer if ``user`` may see it; else 404 (naming a survivor)."""
        customer = await self.customers.get_live(
            customer_id, visible=visible_customer_ids_for(user), for_update=for_update
        )
        if customer is None:
            merged_into = None
            if visible_customer_ids_for(user) is None:
                merged_into = await self.customers.merged_into(customer_id)
            raise CustomerNotFound(merged_into)
        return customer

    async def _ensure_unique(
        self,
        phone: str | None,
        alt_phone: str | None,
        email: str | None,
        *,
        exclude: uuid.UUID,
    ) -> None:
        phones = _phones(phone, alt_phone)
        if not phones and email is None:
            return
        taken = await self.customers.taken_by(phones, email, exclude=exclude)
        if taken:
            raise self._duplicate(phones, email, taken)

    def _duplicate(
        self, phones: Sequence[str], email: str | None, taken: Sequence[Taken]
    ) -> DuplicateCustomer:
        """The 409 naming what is taken (a phone before the email), logged."""
        field, existing = _taken_field(phones, email, taken)
        self.log_rejected(
            "create", "duplicate", existing_id=str(existing) if existing else None
        )
        return DuplicateCustomer(field, existing)

    async def _flush_unique(self, customer: Customer) -> None:
        """Flush in a savepoint; a lost race on the unique indexes becomes a 409."""
        email, phone = customer.email, customer.phone
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:
            field = "email" if "email" in str(exc.orig) else "phone"
            existing = (
                await self.customers.find_by_email(email)
                if field == "email" and email
                else await self.customers.find_by_phone(phone or "")
            )
            raise DuplicateCustomer(field, existing.id if existing else None) from exc


def new_customer_values(data: CustomerCreate) -> tuple[dict[str, Any], list[str]]:
    """The columns a create sets (a new id and the request's fields); its phones.

    No live customer may already have the phones, nor the email (``taken_params``).
    """
    values = {"id": uuid.uuid4(), **data.model_dump()}
    return values, _phones(data.phone, data.alt_phone)


def _phones(phone: str | None, alt_phone: str | None) -> list[str]:
    return [number for number in (phone, alt_phone) if number is not None]


def _taken_field(
    phones: Sequence[str], email: str | None, taken: Sequence[Taken]
) -> tuple[str, uuid.UUID | None]:
    """Which field is taken, and by whom: the phones in order, then the email.

    No one when the customer who took it (a concurrent create that won the unique
    index) was gone again before we looked.
    """
    for number in phones:
        for existing, phone, alt_phone, _ in taken:
            if number in {phone, alt_phone}:
                return "phone", existing
    key = email.strip().lower() if email is not None else None
    for existing, _, _, other in taken:
        if key is not None and other == key:
            return "email", existing
    return ("phone" if phones else "email"), None

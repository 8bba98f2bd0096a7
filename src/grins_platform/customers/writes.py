"""Adding a customer as one SQL statement: the row, its audit entry, the answer.

Through the ORM a create is four round trips (``BEGIN``, the insert, the audit
entry, ``COMMIT``), each waiting its turn on a busy event loop. Here it is one
statement of data-modifying CTEs (a single statement is its own transaction): the
same ``INSERT … SELECT … WHERE NOT EXISTS … ON CONFLICT DO NOTHING`` as
``CustomerRepository.insert_unless_taken`` (a live customer holding the phones or
the email stops it, and so does the unique index for a concurrent create), the
audit entry for the row it made, and the row for the answer.

Nothing inserted (a phone or email is taken): ``None``, and the caller runs the ORM
use case, which answers 409 naming the field and the customer who has it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Final

from grins_platform.audit.service import Actor, audit_insert
from grins_platform.core.log_config import LoggerMixin
from grins_platform.customers.queries import CUSTOMER_FIELDS
from grins_platform.customers.repository import taken_params
from grins_platform.customers.schemas import CustomerCreate, CustomerRead
from grins_platform.customers.service import CREATED_FIELDS, ENTITY, new_customer_values
from grins_platform.db.reads import Params, Reads

COLUMN_TYPES: Final = {
    "id": "uuid",
    "preferred_channel": "contact_channel",
    "is_priority": "boolean",
    "is_red_flag": "boolean",
    "is_slow_payer": "boolean",
    "is_active": "boolean",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
}
"""Casts for the insert's values (the rest are text)."""
TAKEN: Final = (
    "SELECT 1 FROM customers t WHERE t.deleted_at IS NULL"
    " AND (t.phone = ANY({phones}::text[])"
    " OR (t.alt_phone IS NOT NULL AND t.alt_phone = ANY({phones}::text[]))"
    " OR (t.email IS NOT NULL AND lower(t.email) = {email}::text))"
)
"""A live customer has one of the phones or the email (``repository._TAKEN``)."""


def create_statement(
    data: CustomerCreate, actor: Actor
) -> tuple[str, list[object], uuid.UUID]:
    """The one statement adding a customer, its values, and the new id."""
    now = datetime.now(UTC)
    values, phones = new_customer_values(data)
    taken_by = taken_params(phones, data.email)
    row: dict[str, Any] = {
        **values,
        "is_active": True,  # a new customer is active (the column's default)
        "created_at": now,
        "updated_at": now,
    }
    arg = Params()
    placeholders = [
        f"{arg(getattr(v, 'value', v))}::{COLUMN_TYPES.get(k, 'text')}"
        for k, v in row.items()
    ]
    taken = TAKEN.format(
        phones=arg(taken_by["taken_phones"]), email=arg(taken_by["taken_email"])
    )
    audit = audit_insert(
        arg,
        actor,
        "customer.created",
        ENTITY,
        rows="created",
        at=now,
        after={name: row[name] for name in CREATED_FIELDS},
    )
    sql = (
        f"WITH created AS (INSERT INTO customers ({', '.join(row)})"
        f" SELECT {', '.join(placeholders)} WHERE NOT EXISTS ({taken})"
        f" ON CONFLICT DO NOTHING RETURNING {', '.join(CUSTOMER_FIELDS)}),"
        f" audit AS ({audit})"
        " SELECT * FROM created"
    )
    return sql, arg.values, row["id"]


class CustomerWrites(LoggerMixin):
    """Customer writes as single statements, on the read models' connections."""

    DOMAIN = "customers"

    def __init__(self, reads: Reads) -> None:
        self.reads = reads

    async def create(self, data: CustomerCreate, actor: Actor) -> CustomerRead | None:
        """Add the customer; ``None`` when the ORM use case must answer instead.

        That is: neither a phone nor an email (422), or a phone or email already
        taken (409 naming it).
        """
        if data.phone is None and data.email is None:
            return None
        sql, values, customer_id = create_statement(data, actor)
        row = await self.reads.fetchrow(sql, *values)
        if row is None:
            return None
        self.log_completed("create", customer_id=str(customer_id))
        return CustomerRead.model_validate(dict(row))

"""Who may see which customers and properties: the one place the rule lives.

Office roles (admin, manager) see everything. A technician sees only the customers
and properties behind their own appointments that are not cancelled (any date, so
the history they worked stays readable; the same rule as ``jobs/access.py``), and the
gate and lock-box codes only of a property where they have a live appointment today.
The technician branch is :mod:`grins_platform.appointments.access`; every read path
(lists, single reads, history, search, properties) follows these functions. The read
models (``customers/queries.py``) use the same rules written as SQL, next to them
here; tests check that both select the same rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Final

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.access import (
    has_visit_today,
    technician_customer_ids,
    technician_property_ids,
)
from grins_platform.appointments.models import AppointmentStatus
from grins_platform.appointments.workflow import BLOCKING
from grins_platform.core.config import get_settings
from grins_platform.customers.models import Customer
from grins_platform.properties.models import Property
from grins_platform.users.models import Role, User

OFFICE_ROLES: Final = frozenset({Role.ADMIN, Role.MANAGER})

_OWN_APPOINTMENTS_SQL: Final = (
    "SELECT j.{column} FROM jobs j"
    " JOIN appointments a ON a.job_id = j.id"
    " JOIN appointment_staff s ON s.appointment_id = a.id"
    " JOIN staff_members m ON m.id = s.staff_id"
    " WHERE m.user_id = {{user}} AND {where}"
)
_LIVE: Final = f"a.status <> '{AppointmentStatus.CANCELLED.value}'"
VISIBLE_CUSTOMER_IDS_SQL: Final = _OWN_APPOINTMENTS_SQL.format(
    column="customer_id", where=_LIVE
)
"""``visible_customer_ids_for`` in SQL, for the read models (``{user}``: its $n)."""
VISIBLE_PROPERTY_IDS_SQL: Final = _OWN_APPOINTMENTS_SQL.format(
    column="property_id", where=_LIVE
)
"""``visible_property_ids_for`` in SQL (``{user}``: the placeholder of the id)."""
CODES_VISIBLE_PROPERTY_IDS_SQL: Final = _OWN_APPOINTMENTS_SQL.format(
    column="property_id",
    where="a.day = {day} AND a.status IN ("
    + ", ".join(f"'{status.value}'" for status in sorted(BLOCKING))
    + ")",
)
"""The properties whose codes a technician may read (``may_see_access_codes``):
a live appointment there on ``{day}``, the business date of today."""


def is_office(user: User) -> bool:
    """Admin or manager: sees every customer and property."""
    return user.role in OFFICE_ROLES


def visible_customer_ids_for(user: User) -> Select[uuid.UUID] | None:
    """The ids of customers ``user`` may see, or ``None`` for "all of them".

    Technicians: the customers of their own (not cancelled) appointments.
    """
    if is_office(user):
        return None
    return select(Customer.id).where(Customer.id.in_(technician_customer_ids(user)))


def visible_property_ids_for(user: User) -> Select[uuid.UUID] | None:
    """The ids of properties ``user`` may see, or ``None`` for "all of them".

    Technicians: the properties of their own (not cancelled) appointments.
    """
    if is_office(user):
        return None
    return select(Property.id).where(Property.id.in_(technician_property_ids(user)))


def visible_customers_clause(user: User, column: str, param: str) -> str | None:
    """``None`` for the office; else ``{column} IN (<visible customer ids>)``.

    ``param`` is the placeholder (``$3``) that will carry ``user.id``. Tests check
    it selects the same customers as ``visible_customer_ids_for``.
    """
    if is_office(user):
        return None
    return f"{column} IN ({VISIBLE_CUSTOMER_IDS_SQL.format(user=param)})"


def visible_properties_clause(user: User, column: str, param: str) -> str | None:
    """``None`` for the office; else ``{column} IN (<visible property ids>)``."""
    if is_office(user):
        return None
    return f"{column} IN ({VISIBLE_PROPERTY_IDS_SQL.format(user=param)})"


def business_today() -> date:
    """Today's date in the business time zone (the day access codes are for)."""
    return datetime.now(UTC).astimezone(get_settings().tz).date()


async def may_see_access_codes(
    session: AsyncSession, user: User, property_id: uuid.UUID
) -> bool:
    """Whether ``user`` may read the gate and lock-box codes of a property.

    Admin and manager always; a technician only with a live appointment at that
    property today (business time zone).
    """
    if is_office(user):
        return True
    return await has_visit_today(session, user, property_id)

"""Who may see which customers and properties: the one place the rule lives.

Office roles (admin, manager) see everything. A technician sees only the customers
and properties behind their own appointments that are not cancelled (any date, so
the history they worked stays readable; the same rule as ``jobs/access.py``), and the
gate and lock-box codes only of a property where they have a live appointment today.
The technician branch is :mod:`grins_platform.appointments.access`; every read path
(lists, single reads, history, search, properties) follows these functions.
"""

from __future__ import annotations

import uuid
from typing import Any, Final, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.access import (
    has_visit_today,
    technician_customer_ids,
    technician_property_ids,
)
from grins_platform.customers.models import Customer
from grins_platform.properties.models import Property
from grins_platform.users.models import Role, User

OFFICE_ROLES: Final = frozenset({Role.ADMIN, Role.MANAGER})
SelectT = TypeVar("SelectT", bound=Select[Any])


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


def only_visible_customers(stmt: SelectT, user: User) -> SelectT:
    """``stmt`` (selecting from ``customers``) restricted to what ``user`` sees."""
    visible = visible_customer_ids_for(user)
    return stmt if visible is None else stmt.where(Customer.id.in_(visible))


def only_visible_properties(stmt: SelectT, user: User) -> SelectT:
    """``stmt`` (selecting from ``properties``) restricted to what ``user`` sees."""
    visible = visible_property_ids_for(user)
    return stmt if visible is None else stmt.where(Property.id.in_(visible))


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

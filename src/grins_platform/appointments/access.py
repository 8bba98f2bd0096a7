"""What a technician's appointments let them see: the rule for customers/properties.

``customers/access.py`` (the one place customer and property visibility is decided)
delegates its technician branch here:

- a technician sees the customers and properties of the jobs on their own
  appointments that are not cancelled (any date, past ones included, so the history
  they worked stays readable) — the same rule ``jobs/access.py`` applies to jobs, so
  a job, its customer and its property are visible together;
- gate and lock-box codes only at a property where they have a live appointment on
  today's business date.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.models import (
    Appointment,
    AppointmentStaff,
    AppointmentStatus,
)
from grins_platform.appointments.workflow import BLOCKING
from grins_platform.core.config import get_settings
from grins_platform.jobs.models import Job
from grins_platform.staff.models import StaffMember
from grins_platform.users.models import User


def _own_jobs(user: User) -> Select[uuid.UUID, uuid.UUID]:
    return (
        select(Job.customer_id, Job.property_id)
        .join(Appointment, Appointment.job_id == Job.id)
        .join(AppointmentStaff, AppointmentStaff.appointment_id == Appointment.id)
        .join(StaffMember, StaffMember.id == AppointmentStaff.staff_id)
        .where(
            StaffMember.user_id == user.id,
            Appointment.status != AppointmentStatus.CANCELLED,
        )
    )


def technician_customer_ids(user: User) -> Select[Any]:
    """Customers behind the technician's own (not cancelled) appointments."""
    return select(_own_jobs(user).subquery().c.customer_id)


def technician_property_ids(user: User) -> Select[Any]:
    """Properties behind the technician's own (not cancelled) appointments."""
    return select(_own_jobs(user).subquery().c.property_id)


async def has_visit_today(
    session: AsyncSession,
    user: User,
    property_id: uuid.UUID,
    tz: ZoneInfo | None = None,
) -> bool:
    """Whether the technician has a live appointment at the property today.

    ``tz`` is the business time zone (default: ``BUSINESS_TIMEZONE`` from settings).
    """
    zone = tz or get_settings().tz
    today = datetime.now(UTC).astimezone(zone).date()
    found = await session.scalar(
        select(Appointment.id)
        .join(Job, Job.id == Appointment.job_id)
        .join(AppointmentStaff, AppointmentStaff.appointment_id == Appointment.id)
        .join(StaffMember, StaffMember.id == AppointmentStaff.staff_id)
        .where(
            StaffMember.user_id == user.id,
            Job.property_id == property_id,
            Appointment.day == today,
            Appointment.status.in_(BLOCKING),
        )
        .limit(1)
    )
    return found is not None

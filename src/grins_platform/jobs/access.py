"""Which jobs a technician may see: the one place that rule lives."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Select, select

from grins_platform.appointments.models import (
    Appointment,
    AppointmentStaff,
    AppointmentStatus,
)
from grins_platform.staff.models import StaffMember
from grins_platform.users.models import Role, User

VISIBLE_JOB_IDS_SQL: Final = (
    "SELECT a.job_id FROM appointments a"
    " JOIN appointment_staff s ON s.appointment_id = a.id"
    " JOIN staff_members m ON m.id = s.staff_id"
    " WHERE m.user_id = {user} AND a.status <> 'cancelled'"
)
"""The same rule in SQL, for the read models (``jobs/queries.py``)."""


def visible_jobs_clause(user: User, column: str, param: str) -> str | None:
    """``None`` for the office; else ``{column} IN (<visible job ids>)``.

    ``param`` is the placeholder (``$3``) that will carry ``user.id``. Tests check
    it selects the same jobs as ``visible_job_ids``.
    """
    if user.role in {Role.ADMIN, Role.MANAGER}:
        return None
    return f"{column} IN ({VISIBLE_JOB_IDS_SQL.format(user=param)})"


def visible_job_ids(user: User) -> Select[Any] | None:
    """``None`` for the office (everything); else a subquery of the visible job ids.

    Technicians see the jobs of their own live (not cancelled) appointments, whether
    booked for them alone or for a crew they are part of.
    """
    if user.role in {Role.ADMIN, Role.MANAGER}:
        return None
    return (
        select(Appointment.job_id)
        .join(AppointmentStaff, AppointmentStaff.appointment_id == Appointment.id)
        .join(StaffMember, StaffMember.id == AppointmentStaff.staff_id)
        .where(
            StaffMember.user_id == user.id,
            Appointment.status != AppointmentStatus.CANCELLED,
        )
    )

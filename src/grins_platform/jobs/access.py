"""Which jobs a technician may see: the one place that rule lives."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from grins_platform.appointments.models import (
    Appointment,
    AppointmentStaff,
    AppointmentStatus,
)
from grins_platform.staff.models import StaffMember
from grins_platform.users.models import Role, User


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

"""Every ORM model imported in one place, so Alembic and tests see the whole schema."""

from __future__ import annotations

from grins_platform.appointments.models import (
    Appointment,
    AppointmentStaff,
    AppointmentStatusChange,
)
from grins_platform.audit.models import AuditEntry
from grins_platform.auth.models import AuthSession, RefreshToken
from grins_platform.catalog.models import (
    Equipment,
    Offering,
    PriceOverride,
    ServicePlan,
    Skill,
)
from grins_platform.customers.models import Customer, CustomerConsent
from grins_platform.db.base import Base
from grins_platform.jobs.models import Job, JobLineItem, JobStatusChange
from grins_platform.properties.models import Property
from grins_platform.requests.models import ServiceRequest
from grins_platform.scheduling.models import ScheduleProposal
from grins_platform.staff.models import Crew, CrewMember, StaffMember, StaffTimeOff
from grins_platform.users.models import User

metadata = Base.metadata

__all__ = [
    "Appointment",
    "AppointmentStaff",
    "AppointmentStatusChange",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Crew",
    "CrewMember",
    "Customer",
    "CustomerConsent",
    "Equipment",
    "Job",
    "JobLineItem",
    "JobStatusChange",
    "Offering",
    "PriceOverride",
    "Property",
    "RefreshToken",
    "ScheduleProposal",
    "ServicePlan",
    "ServiceRequest",
    "Skill",
    "StaffMember",
    "StaffTimeOff",
    "User",
    "metadata",
]

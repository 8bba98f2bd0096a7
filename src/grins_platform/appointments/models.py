"""``appointments``, the staff each one occupies, and their status history."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.db.base import (
    Base,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    enum_values,
)


class AppointmentStatus(StrEnum):
    """Where an appointment is in its life."""

    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    RESCHEDULE_REQUESTED = "reschedule_requested"


APPOINTMENT_STATUS_ENUM = Enum(
    AppointmentStatus, name="appointment_status", values_callable=enum_values
)


class Appointment(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A job booked for one staff member or one crew on a business day.

    ``window_*`` is the arrival window promised to the customer; ``planned_*`` the
    time on site. The staff it occupies are the rows of ``appointment_staff``.
    """

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(
            "(staff_id IS NULL) <> (crew_id IS NULL)", name="staff_or_crew"
        ),
        CheckConstraint("planned_end > planned_start", name="planned_ordered"),
        CheckConstraint("window_end > window_start", name="window_ordered"),
        CheckConstraint("travel_minutes >= 0", name="travel_not_negative"),
        Index("ix_appointments_job", "job_id"),
        Index("ix_appointments_day_status", "day", "status"),
        Index("ix_appointments_staff_day", "staff_id", "day"),
        Index("ix_appointments_crew_day", "crew_id", "day"),
        Index("ix_appointments_planned", "planned_start", "planned_end"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("jobs.id", ondelete="RESTRICT")
    )
    staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="RESTRICT")
    )
    crew_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crews.id", ondelete="RESTRICT")
    )
    day: Mapped[date] = mapped_column(Date)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    route_order: Mapped[int | None] = mapped_column(SmallInteger)
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[AppointmentStatus] = mapped_column(
        APPOINTMENT_STATUS_ENUM,
        default=AppointmentStatus.SCHEDULED,
        server_default=AppointmentStatus.SCHEDULED.value,
    )
    proposal_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schedule_proposals.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class AppointmentStaff(Base):
    """A staff member an appointment occupies (one row, or one per crew member)."""

    __tablename__ = "appointment_staff"

    appointment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    )


class AppointmentStatusChange(UUIDPrimaryKeyMixin, Base):
    """One transition of an appointment: from, to, who, when, why."""

    __tablename__ = "appointment_status_changes"
    __table_args__ = (
        Index("ix_appointment_status_changes_appt", "appointment_id", "changed_at"),
    )

    appointment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE")
    )
    from_status: Mapped[AppointmentStatus | None] = mapped_column(
        APPOINTMENT_STATUS_ENUM
    )
    to_status: Mapped[AppointmentStatus] = mapped_column(APPOINTMENT_STATUS_ENUM)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    reason: Mapped[str | None] = mapped_column(String(500))

"""``staff_members``, their ``staff_time_off``, and ``crews`` who travel together."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Time,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin


class StaffMember(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A person who does field work, optionally linked to the user they log in as.

    ``working_hours`` maps a weekday (``mon`` ... ``sun``) to ``{"start": "08:00",
    "end": "17:00"}``; a missing day is a day off. ``updated_at`` changes with every
    edit (time off included), which makes schedule proposals built on it stale.
    """

    __tablename__ = "staff_members"
    __table_args__ = (
        Index(
            "uq_staff_members_user_id",
            "user_id",
            unique=True,
            postgresql_where=text("user_id IS NOT NULL"),
        ),
        Index(
            "uq_staff_members_calendar_token_hash",
            "calendar_token_hash",
            unique=True,
            postgresql_where=text("calendar_token_hash IS NOT NULL"),
        ),
        CheckConstraint("home_latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("home_longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("lunch_minutes BETWEEN 0 AND 240", name="lunch_range"),
        CheckConstraint("hourly_cost_cents >= 0", name="cost_not_negative"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(100))
    skills: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    equipment: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    home_address: Mapped[str | None] = mapped_column(String(300))
    home_latitude: Mapped[float] = mapped_column(Float)
    home_longitude: Mapped[float] = mapped_column(Float)
    working_hours: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default="{}"
    )
    lunch_start: Mapped[time | None] = mapped_column(Time)
    lunch_end: Mapped[time | None] = mapped_column(Time)
    lunch_minutes: Mapped[int] = mapped_column(
        SmallInteger, default=30, server_default="30"
    )
    hourly_cost_cents: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default="true"
    )
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64))


class StaffTimeOff(UUIDPrimaryKeyMixin, Base):
    """Days a staff member does not work (inclusive range)."""

    __tablename__ = "staff_time_off"
    __table_args__ = (
        Index("ix_staff_time_off_staff_dates", "staff_id", "start_date", "end_date"),
        CheckConstraint("end_date >= start_date", name="ordered"),
    )

    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE")
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))


class Crew(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Two or more staff members who travel together (multi-person jobs)."""

    __tablename__ = "crews"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default="true"
    )


class CrewMember(Base):
    """One member of a crew."""

    __tablename__ = "crew_members"

    crew_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crews.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True, index=True
    )

"""Request and response bodies of ``/appointments``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from grins_platform.appointments.models import AppointmentStatus


class _OneAssignee(BaseModel):
    staff_id: uuid.UUID | None = None
    crew_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.staff_id is None) == (self.crew_id is None):
            raise ValueError("give exactly one of staff_id and crew_id")
        return self


class AppointmentCreate(_OneAssignee):
    """Book a job for one staff member or one crew."""

    model_config = ConfigDict(extra="forbid")

    job_id: uuid.UUID
    staff_id: uuid.UUID | None = Field(default=None, description="One technician.")
    crew_id: uuid.UUID | None = Field(default=None, description="Or a crew.")
    planned_start: AwareDatetime = Field(description="Planned arrival on site.")
    duration_minutes: int | None = Field(
        default=None, ge=5, le=24 * 60, description="Default: the job's estimate."
    )
    window_start: AwareDatetime | None = Field(
        default=None, description="Arrival window start; default: the hour of arrival."
    )
    status: Literal["scheduled", "proposed"] = "scheduled"
    notes: str | None = Field(default=None, max_length=2000)


class AppointmentMove(BaseModel):
    """Move to another time and/or reassign (omit both ids to keep the staff)."""

    model_config = ConfigDict(extra="forbid")

    planned_start: AwareDatetime
    duration_minutes: int | None = Field(default=None, ge=5, le=24 * 60)
    staff_id: uuid.UUID | None = None
    crew_id: uuid.UUID | None = None
    window_start: AwareDatetime | None = None
    reason: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _at_most_one(self) -> Self:
        if self.staff_id is not None and self.crew_id is not None:
            raise ValueError("give at most one of staff_id and crew_id")
        return self


class AppointmentTransition(BaseModel):
    """Change the status (confirm, on my way, arrived, complete, cancel...)."""

    model_config = ConfigDict(extra="forbid")

    status: AppointmentStatus
    reason: str | None = Field(default=None, max_length=500)


class AppointmentRead(BaseModel):
    """An appointment."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    job_id: uuid.UUID
    staff_id: uuid.UUID | None
    crew_id: uuid.UUID | None
    staff_ids: list[uuid.UUID] = Field(description="Everyone it occupies.")
    day: date
    window_start: datetime
    window_end: datetime
    planned_start: datetime
    planned_end: datetime
    route_order: int | None
    travel_minutes: int
    status: AppointmentStatus
    proposal_id: uuid.UUID | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


class StatusChangeRead(BaseModel):
    """One entry of an appointment's history."""

    model_config = ConfigDict(from_attributes=True)

    from_status: AppointmentStatus | None
    to_status: AppointmentStatus
    changed_by_id: uuid.UUID | None
    changed_at: datetime
    reason: str | None

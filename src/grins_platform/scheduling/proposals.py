"""The stored shape of a schedule proposal and the manager's edits to it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from grins_platform.scheduling.models import ProposalStatus


class ProposalItem(BaseModel):
    """One visit on a route: when the technician is expected, and the promise."""

    job_id: uuid.UUID
    order: int = Field(description="1-based position on the route.")
    eta: datetime = Field(description="Planned start on site.")
    planned_end: datetime
    window_start: datetime = Field(description="Arrival window told to the customer.")
    window_end: datetime
    travel_minutes: int = Field(description="Driving from the previous stop.")
    city: str
    latitude: float
    longitude: float
    title: str
    locked: bool = Field(default=False, description="Kept in place by a re-solve.")


class ProposalRoute(BaseModel):
    """One person's (or crew's) day."""

    key: str = Field(description="staff:<id>:<date> or crew:<id>:<date>.")
    staff_id: uuid.UUID | None
    crew_id: uuid.UUID | None
    staff_ids: list[uuid.UUID]
    name: str
    day: date
    shift_start: datetime
    shift_end: datetime
    home_latitude: float
    home_longitude: float
    items: list[ProposalItem]
    lunch_start: datetime | None = Field(default=None, description="Planned lunch.")
    lunch_end: datetime | None = None
    drive_minutes: int
    work_minutes: int
    available_minutes: int = Field(description="Shift minus lunch.")
    utilisation: float = Field(description="(work + drive) / available, 0..1+.")


class UnassignedJob(BaseModel):
    """A job left out, with a reason a manager can act on."""

    job_id: uuid.UUID
    code: str
    reason: str


class Totals(BaseModel):
    """Sums over every route."""

    drive_minutes: int
    work_minutes: int
    available_minutes: int
    utilisation: float
    assigned: int
    unassigned: int
    solve_ms: int


class ProposalBody(BaseModel):
    """What ``schedule_proposals.body`` holds."""

    routes: list[ProposalRoute]
    unassigned: list[UnassignedJob]
    totals: Totals
    job_ids: list[uuid.UUID] = Field(description="Every job considered.")
    staff_ids: list[uuid.UUID] = Field(description="Every staff member considered.")
    crew_ids: list[uuid.UUID]


class ProposalCreate(BaseModel):
    """Generate a proposal for one day or one week."""

    model_config = ConfigDict(extra="forbid")

    start_date: date = Field(description="First business day.")
    period: Literal["day", "week"] = Field(
        default="week", description="One day, or seven days from start_date."
    )


class ProposalRead(BaseModel):
    """A proposal as the manager sees it."""

    id: uuid.UUID
    status: ProposalStatus
    start_date: date
    end_date: date
    revision: int
    created_at: datetime
    applied_at: datetime | None
    routes: list[ProposalRoute]
    unassigned: list[UnassignedJob]
    totals: Totals


class ItemLock(BaseModel):
    """Lock or unlock an item in place."""

    model_config = ConfigDict(extra="forbid")

    locked: bool = True


class ItemMove(BaseModel):
    """Put a job (from any route, or from the unassigned list) on a route at a time.

    The moved item is locked there, so a re-solve plans around it.
    """

    model_config = ConfigDict(extra="forbid")

    route_key: str = Field(description="Target route key.")
    eta: AwareDatetime = Field(description="Planned start on site.")


class ItemSwap(BaseModel):
    """Exchange the places (route and time) of two assigned jobs; both get locked."""

    model_config = ConfigDict(extra="forbid")

    first_job_id: uuid.UUID
    second_job_id: uuid.UUID

    @model_validator(mode="after")
    def _different(self) -> Self:
        if self.first_job_id == self.second_job_id:
            raise ValueError("swap needs two different jobs")
        return self


class ApplyResult(BaseModel):
    """What applying created."""

    proposal_id: uuid.UUID
    appointment_ids: list[uuid.UUID]
    jobs_scheduled: int

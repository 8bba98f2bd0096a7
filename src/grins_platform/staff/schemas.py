"""Request and response bodies of ``/staff`` and ``/crews``."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


class DayHours(BaseModel):
    """Working hours of one weekday, business time zone."""

    model_config = ConfigDict(extra="forbid")

    start: time = Field(description="Start of the working day, e.g. 08:00.")
    end: time = Field(description="End of the working day, e.g. 17:00.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class _LunchChecked(BaseModel):
    lunch_start: time | None = None
    lunch_end: time | None = None
    lunch_minutes: int | None = None

    @model_validator(mode="after")
    def _lunch_fits(self) -> Self:
        if self.lunch_start is None or self.lunch_end is None:
            return self
        span = (self.lunch_end.hour * 60 + self.lunch_end.minute) - (
            self.lunch_start.hour * 60 + self.lunch_start.minute
        )
        if span <= 0:
            raise ValueError("lunch_end must be after lunch_start")
        if self.lunch_minutes is not None and self.lunch_minutes > span:
            raise ValueError("lunch_minutes is longer than the lunch window")
        return self


class StaffCreate(_LunchChecked):
    """A new staff member."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    title: str | None = Field(default=None, max_length=100, description="Role/title.")
    user_id: uuid.UUID | None = Field(default=None, description="Login account.")
    skills: list[Code] = Field(default_factory=list[str], description="Skill codes.")
    equipment: list[Code] = Field(
        default_factory=list[str], description="Equipment codes."
    )
    home_address: str | None = Field(default=None, max_length=300)
    home_latitude: float = Field(ge=-90, le=90, description="Home base latitude.")
    home_longitude: float = Field(ge=-180, le=180, description="Home base longitude.")
    working_hours: dict[Weekday, DayHours] = Field(
        default_factory=dict[Weekday, DayHours],
        description="Hours per weekday; missing = day off.",
    )
    lunch_start: time | None = Field(default=None, description="Lunch may start at.")
    lunch_end: time | None = Field(default=None, description="Lunch must end by.")
    lunch_minutes: int | None = Field(default=30, ge=0, le=240)
    hourly_cost_cents: int = Field(default=0, ge=0)
    is_active: bool = True


class StaffUpdate(_LunchChecked):
    """Changes to a staff member; only the fields sent are applied."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    title: str | None = Field(default=None, max_length=100)
    user_id: uuid.UUID | None = None
    skills: list[Code] | None = None
    equipment: list[Code] | None = None
    home_address: str | None = Field(default=None, max_length=300)
    home_latitude: float | None = Field(default=None, ge=-90, le=90)
    home_longitude: float | None = Field(default=None, ge=-180, le=180)
    working_hours: dict[Weekday, DayHours] | None = None
    lunch_minutes: int | None = Field(default=None, ge=0, le=240)
    hourly_cost_cents: int | None = Field(default=None, ge=0)
    is_active: bool | None = None


class StaffRead(BaseModel):
    """A staff member."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID | None
    name: str
    title: str | None
    skills: list[str]
    equipment: list[str]
    home_address: str | None
    home_latitude: float
    home_longitude: float
    working_hours: dict[str, DayHours]
    lunch_start: time | None
    lunch_end: time | None
    lunch_minutes: int
    hourly_cost_cents: int
    is_active: bool
    created_at: datetime
    updated_at: datetime


class TimeOffCreate(BaseModel):
    """Days off (inclusive)."""

    model_config = ConfigDict(extra="forbid")

    start_date: date
    end_date: date
    reason: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class TimeOffRead(BaseModel):
    """A stretch of days off."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    staff_id: uuid.UUID
    start_date: date
    end_date: date
    reason: str | None


class CalendarFeed(BaseModel):
    """A freshly issued private calendar URL; the token is shown only once."""

    url: str = Field(description="Subscribe to this URL (webcal or https).")
    token: str


class CrewCreate(BaseModel):
    """A new crew."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    member_ids: list[uuid.UUID] = Field(min_length=2, description="Two or more staff.")


class CrewUpdate(BaseModel):
    """Changes to a crew."""

    model_config = ConfigDict(extra="forbid")

    name: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
        ]
        | None
    ) = None
    member_ids: list[uuid.UUID] | None = Field(default=None, min_length=2)
    is_active: bool | None = None


class CrewRead(BaseModel):
    """A crew and its members."""

    id: uuid.UUID
    name: str
    is_active: bool
    member_ids: list[uuid.UUID]

"""Request and response bodies of jobs."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from grins_platform.jobs.models import JobCategory, JobSource, JobStatus

_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$")


def monday_of(value: Any) -> Any:
    """Accept ``2026-W41`` or any date in the week; keep the week's Monday."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        match = _ISO_WEEK.match(value.strip().upper())
        if match:
            year, week = int(match.group(1)), int(match.group(2))
            try:
                return date.fromisocalendar(year, week, 1)
            except ValueError as exc:
                msg = f"{value!r} is not an ISO week"
                raise ValueError(msg) from exc
        value = date.fromisoformat(value.strip())
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value - timedelta(days=value.weekday())
    return value


Week = Annotated[
    date | None,
    BeforeValidator(monday_of),
    Field(description="ISO week (2026-W41) or any date in it; stored as its Monday"),
]
SkillCodes = Annotated[list[str], Field(max_length=20)]


class JobCreate(BaseModel):
    """A new job for a property, from an offering or as free text."""

    model_config = ConfigDict(extra="forbid")

    property_id: uuid.UUID
    offering_id: uuid.UUID | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    zone_count: int | None = Field(default=None, ge=0, le=99)
    target_week: Week = None
    priority: int = Field(default=1, ge=0, le=3, description="0 low … 3 urgent")
    source: JobSource = JobSource.STAFF
    staff_needed: int | None = Field(default=None, ge=1, le=4)
    required_skills: SkillCodes | None = None
    required_equipment: SkillCodes | None = None
    weather_sensitive: bool | None = None
    span_days: int = Field(default=1, ge=1, le=30)
    estimated_minutes: int | None = Field(default=None, ge=0, le=30 * 24 * 60)
    quoted_price_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    notes: str | None = Field(default=None, max_length=5000)


class JobUpdate(BaseModel):
    """Fields to change; unset fields stay. Prices are for the office only."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    target_week: Week = None
    priority: int | None = Field(default=None, ge=0, le=3)
    staff_needed: int | None = Field(default=None, ge=1, le=4)
    required_skills: SkillCodes | None = None
    required_equipment: SkillCodes | None = None
    weather_sensitive: bool | None = None
    span_days: int | None = Field(default=None, ge=1, le=30)
    estimated_minutes: int | None = Field(default=None, ge=0, le=30 * 24 * 60)
    quoted_price_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    final_price_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    notes: str | None = Field(default=None, max_length=5000)


class TransitionRequest(BaseModel):
    """Move a job to another status."""

    model_config = ConfigDict(extra="forbid")

    to_status: JobStatus
    reason: str | None = Field(default=None, max_length=500)


class LineItemCreate(BaseModel):
    """An additional charge (negative unit price = a credit)."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=1, le=1000)
    unit_price_cents: int = Field(ge=-10_000_000, le=10_000_000)


class LineItemRead(LineItemCreate):
    """A stored line item."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: uuid.UUID
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]  # pydantic documents this for mypy
    @property
    def total_cents(self) -> int:
        """Quantity x unit price."""
        return self.quantity * self.unit_price_cents


class StatusChangeRead(BaseModel):
    """One entry of a job's history."""

    model_config = ConfigDict(from_attributes=True)

    from_status: JobStatus | None
    to_status: JobStatus
    changed_by_id: uuid.UUID | None
    changed_at: datetime
    reason: str | None


class JobRead(BaseModel):
    """A job with its totals."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    property_id: uuid.UUID
    offering_id: uuid.UUID | None
    request_id: uuid.UUID | None
    title: str
    description: str | None
    category: JobCategory
    status: JobStatus
    source: JobSource
    zone_count: int | None
    quoted_price_cents: int | None
    final_price_cents: int | None
    estimated_minutes: int
    target_week: date | None
    priority: int
    staff_needed: int
    required_skills: list[str]
    required_equipment: list[str]
    weather_sensitive: bool
    span_days: int
    notes: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    line_items: list[LineItemRead] = Field(default_factory=list[LineItemRead])
    allowed_next: list[JobStatus] = Field(default_factory=list[JobStatus])

    @computed_field  # type: ignore[prop-decorator]  # pydantic documents this for mypy
    @property
    def target_week_label(self) -> str | None:
        """The target week as ``2026-W41``."""
        if self.target_week is None:
            return None
        year, week, _ = self.target_week.isocalendar()
        return f"{year}-W{week:02d}"

    @computed_field  # type: ignore[prop-decorator]  # pydantic documents this for mypy
    @property
    def total_cents(self) -> int | None:
        """Final (else quoted) price plus line items; null while a quote is needed."""
        base = (
            self.final_price_cents
            if self.final_price_cents is not None
            else (self.quoted_price_cents)
        )
        if base is None:
            return None
        return base + sum(item.total_cents for item in self.line_items)


class JobDetail(JobRead):
    """A job with its status history."""

    history: list[StatusChangeRead] = Field(default_factory=list[StatusChangeRead])


class SeasonalBatchRequest(BaseModel):
    """Create a season's jobs for one offering across a range of ISO weeks."""

    model_config = ConfigDict(extra="forbid")

    offering_code: str = Field(min_length=1, max_length=60)
    year: int = Field(ge=2000, le=2100)
    first_week: int = Field(ge=1, le=53)
    last_week: int = Field(ge=1, le=53)
    dry_run: bool = True


class BatchCandidate(BaseModel):
    """One job the batch would create (or created)."""

    customer_id: uuid.UUID
    property_id: uuid.UUID
    city: str
    zone_count: int | None
    reason: str = Field(description="service_plan or last_year")
    target_week: date
    quoted_price_cents: int | None


class SeasonalBatchResult(BaseModel):
    """What a batch run found and (unless a dry run) created."""

    dry_run: bool
    offering_code: str
    candidates: int
    created: int
    skipped_existing: int
    total_value_cents: int
    items: list[BatchCandidate]


class StatusCount(BaseModel):
    """Jobs per status."""

    status: JobStatus
    count: int


class JobSummary(BaseModel):
    """A job as a line of service history."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    property_id: uuid.UUID
    title: str
    status: JobStatus
    category: JobCategory
    target_week: date | None
    quoted_price_cents: int | None
    final_price_cents: int | None
    created_at: datetime
    completed_at: datetime | None

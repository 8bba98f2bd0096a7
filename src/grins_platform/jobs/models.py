"""``jobs``, their status history and their line items."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.db.base import (
    Base,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    enum_values,
)


class JobStatus(StrEnum):
    """Where a job is in its life."""

    REQUESTED = "requested"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


class JobCategory(StrEnum):
    """Whether the job can be scheduled as is or needs an estimate first."""

    READY_TO_SCHEDULE = "ready_to_schedule"
    REQUIRES_ESTIMATE = "requires_estimate"


class JobSource(StrEnum):
    """Where the job came from."""

    REQUEST = "request"
    STAFF = "staff"
    SEASONAL_BATCH = "seasonal_batch"
    IMPORT = "import"


JOB_STATUS_ENUM = Enum(JobStatus, name="job_status", values_callable=enum_values)


class Job(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Work for one property. Prices in cents; duration in minutes."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_target_week", "status", "target_week", "priority"),
        Index("ix_jobs_category_status", "category", "status", "created_at"),
        Index("ix_jobs_customer", "customer_id", "created_at"),
        Index("ix_jobs_created_at", "created_at", "id"),
        Index("ix_jobs_property", "property_id", "created_at"),
        Index("ix_jobs_offering_status", "offering_id", "status"),
        # The ready-to-schedule list of a week, in priority order (scanned backwards).
        Index(
            "ix_jobs_ready_week",
            "target_week",
            "priority",
            "id",
            postgresql_where=text(
                "status = 'approved' AND category = 'ready_to_schedule'"
            ),
        ),
        Index(
            "uq_jobs_batch_per_property",
            "property_id",
            "batch_key",
            unique=True,
            postgresql_where=text("batch_key IS NOT NULL"),
        ),
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority_range"),
        CheckConstraint("staff_needed BETWEEN 1 AND 4", name="staff_needed_range"),
        CheckConstraint("span_days BETWEEN 1 AND 30", name="span_days_range"),
        CheckConstraint("estimated_minutes >= 0", name="minutes_not_negative"),
        CheckConstraint(
            "coalesce(quoted_price_cents, 0) >= 0 "
            "AND coalesce(final_price_cents, 0) >= 0",
            name="prices_not_negative",
        ),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT")
    )
    property_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("properties.id", ondelete="RESTRICT")
    )
    offering_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("offerings.id", ondelete="RESTRICT")
    )
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[JobCategory] = mapped_column(
        Enum(JobCategory, name="job_category", values_callable=enum_values)
    )
    status: Mapped[JobStatus] = mapped_column(
        JOB_STATUS_ENUM, default=JobStatus.REQUESTED, server_default="requested"
    )
    status_before_hold: Mapped[JobStatus | None] = mapped_column(JOB_STATUS_ENUM)
    source: Mapped[JobSource] = mapped_column(
        Enum(JobSource, name="job_source", values_callable=enum_values)
    )
    zone_count: Mapped[int | None] = mapped_column(SmallInteger)
    quoted_price_cents: Mapped[int | None] = mapped_column(Integer)
    final_price_cents: Mapped[int | None] = mapped_column(Integer)
    estimated_minutes: Mapped[int] = mapped_column(
        Integer, default=60, server_default="60"
    )
    target_week: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    staff_needed: Mapped[int] = mapped_column(
        SmallInteger, default=1, server_default="1"
    )
    required_skills: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    required_equipment: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    weather_sensitive: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    span_days: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    notes: Mapped[str | None] = mapped_column(Text)
    batch_key: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobStatusCount(Base):
    """How many jobs are in each status: the sum of ``jobs`` per status.

    Statement-level triggers on ``jobs`` (migration 0011s) append each change's
    deltas in the same transaction, so the sums are exact and writers never queue
    on a counter row; ``db/counters.py`` folds the rows into one per status now
    and then. The dashboard counts are one small read.
    """

    __tablename__ = "job_status_counts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    status: Mapped[JobStatus] = mapped_column(JOB_STATUS_ENUM)
    jobs: Mapped[int] = mapped_column(BigInteger)


class JobStatusChange(UUIDPrimaryKeyMixin, Base):
    """One transition of a job: from, to, who, when, why."""

    __tablename__ = "job_status_changes"
    __table_args__ = (Index("ix_job_status_changes_job", "job_id", "changed_at"),)

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    from_status: Mapped[JobStatus | None] = mapped_column(JOB_STATUS_ENUM)
    to_status: Mapped[JobStatus] = mapped_column(JOB_STATUS_ENUM)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    reason: Mapped[str | None] = mapped_column(String(500))


class JobLineItem(UUIDPrimaryKeyMixin, Base):
    """An additional charge (or credit) on a job: parts, extra heads, discounts."""

    __tablename__ = "job_line_items"
    __table_args__ = (
        Index("ix_job_line_items_job", "job_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

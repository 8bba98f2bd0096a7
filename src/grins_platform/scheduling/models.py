"""``schedule_proposals``: a solved schedule a manager adjusts and then applies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.db.base import (
    Base,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    enum_values,
)


class ProposalStatus(StrEnum):
    """A proposal is edited as a draft, then applied once or discarded."""

    DRAFT = "draft"
    APPLIED = "applied"
    DISCARDED = "discarded"


class ScheduleProposal(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Routes per staff member (or crew) per day, plus the jobs left out.

    ``body`` holds :class:`~grins_platform.scheduling.proposals.ProposalBody`;
    ``fingerprint`` is a hash of the inputs it was solved from (jobs, staff, crews,
    their appointments), re-checked under lock when it is applied.
    """

    __tablename__ = "schedule_proposals"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="ordered"),
        Index("ix_schedule_proposals_status_start", "status", "start_date"),
    )

    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ProposalStatus] = mapped_column(
        Enum(ProposalStatus, name="proposal_status", values_callable=enum_values),
        default=ProposalStatus.DRAFT,
        server_default=ProposalStatus.DRAFT.value,
    )
    fingerprint: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    applied_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

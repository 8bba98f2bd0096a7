"""SQL for jobs: lookups, filtered lists, counts, history and line items."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from sqlalchemy import Select, func, select

from grins_platform.db.repository import Repository
from grins_platform.jobs.models import (
    Job,
    JobCategory,
    JobLineItem,
    JobStatus,
)
from grins_platform.properties.models import Property

HISTORY_LIMIT: Final = 200
SORTS: Final = {
    "created_at": Job.created_at,
    "target_week": Job.target_week,
    "priority": Job.priority,
    "status": Job.status,
    "updated_at": Job.updated_at,
}


def order_by(sort: str, *, descending: bool) -> tuple[Any, Any]:
    """ORDER BY for a sort key, with the id as the tie-break (stable pages).

    Only the nullable ``target_week`` gets ``NULLS LAST``; on NOT NULL columns it
    would stop PostgreSQL from walking the matching index backwards.
    """
    column = SORTS[sort]
    order = column.desc() if descending else column.asc()
    if sort == "target_week":
        order = order.nulls_last()
    return order, Job.id.desc() if descending else Job.id.asc()


@dataclass(slots=True)
class JobFilters:
    """What a job list is narrowed to."""

    statuses: list[JobStatus] = field(default_factory=list[JobStatus])
    category: JobCategory | None = None
    target_week: date | None = None
    offering_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    property_id: uuid.UUID | None = None
    city: str | None = None
    sort: str = "created_at"
    descending: bool = True
    visible_ids: Select[Any] | None = None


class JobRepository(Repository[Job]):
    """Jobs and what hangs off them."""

    model = Job

    def _filtered(self, f: JobFilters) -> Select[Any]:
        stmt = select(Job)
        if f.statuses:
            stmt = stmt.where(Job.status.in_(f.statuses))
        if f.category is not None:
            stmt = stmt.where(Job.category == f.category)
        if f.target_week is not None:
            stmt = stmt.where(Job.target_week == f.target_week)
        if f.offering_id is not None:
            stmt = stmt.where(Job.offering_id == f.offering_id)
        if f.customer_id is not None:
            stmt = stmt.where(Job.customer_id == f.customer_id)
        if f.property_id is not None:
            stmt = stmt.where(Job.property_id == f.property_id)
        if f.city:
            city_props = select(Property.id).where(
                func.lower(Property.city) == f.city.strip().lower()
            )
            stmt = stmt.where(Job.property_id.in_(city_props))
        if f.visible_ids is not None:
            stmt = stmt.where(Job.id.in_(f.visible_ids))
        return stmt

    async def history_for(
        self,
        *,
        customer_id: uuid.UUID | None = None,
        property_id: uuid.UUID | None = None,
        visible_ids: Select[Any] | None = None,
        limit: int = HISTORY_LIMIT,
    ) -> Sequence[Job]:
        """A customer's or a property's jobs, newest first (service history)."""
        f = JobFilters(
            customer_id=customer_id, property_id=property_id, visible_ids=visible_ids
        )
        stmt = self._filtered(f).order_by(*order_by("created_at", descending=True))
        return (await self.session.scalars(stmt.limit(limit))).all()

    async def get_line_item(
        self, job_id: uuid.UUID, item_id: uuid.UUID
    ) -> JobLineItem | None:
        """One line item of a job."""
        return await self.session.scalar(
            select(JobLineItem).where(
                JobLineItem.id == item_id, JobLineItem.job_id == job_id
            )
        )

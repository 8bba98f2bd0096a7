"""Seasonal batch: one call creates a season's jobs for one offering.

Who gets one: every active, live customer who asked for the offering on their service
plan, or who had it done last year; skipped are those who already have an open job for
it. The property is the plan's, else last year's, else the customer's primary one.
Jobs are spread over the requested ISO weeks city by city (same-city work lands in the
same week). The real run is one transaction and idempotent: a partial unique index on
``(property_id, batch_key)`` means a second run creates nothing new.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService
from grins_platform.catalog.models import Offering, PricingModel, ServicePlan
from grins_platform.catalog.pricing import ZonesRequired, quote
from grins_platform.catalog.repository import OverrideRepository
from grins_platform.catalog.service import override_terms, terms_of
from grins_platform.core.cache import Cache
from grins_platform.core.errors import ValidationFailed
from grins_platform.core.log_config import LoggerMixin
from grins_platform.customers.models import Customer
from grins_platform.db.uow import UnitOfWork
from grins_platform.jobs.models import (
    Job,
    JobCategory,
    JobSource,
    JobStatus,
    JobStatusChange,
)
from grins_platform.jobs.schemas import (
    BatchCandidate,
    SeasonalBatchRequest,
    SeasonalBatchResult,
)
from grins_platform.jobs.workflow import OPEN_STATUSES
from grins_platform.properties.models import Property


@dataclass(frozen=True, slots=True)
class _Candidate:
    customer_id: uuid.UUID
    property_id: uuid.UUID
    city: str
    zone_count: int | None
    reason: str


def _weeks(request: SeasonalBatchRequest) -> list[date]:
    if request.last_week < request.first_week:
        raise ValidationFailed("last_week", "must not be before first_week")
    weeks: list[date] = []
    for week in range(request.first_week, request.last_week + 1):
        try:
            weeks.append(date.fromisocalendar(request.year, week, 1))
        except ValueError as exc:
            raise ValidationFailed(
                "last_week", f"{request.year} has no ISO week {week}"
            ) from exc
    return weeks


class SeasonalBatchService(LoggerMixin):
    """Finds and creates a season's jobs."""

    DOMAIN = "jobs"
    COMPONENT = "batch"

    def __init__(self, session: AsyncSession, cache: Cache) -> None:
        self.session = session
        self.cache = cache
        self.uow = UnitOfWork(session)
        self.overrides = OverrideRepository(session)
        self.audit = AuditService(session)

    async def run(
        self, request: SeasonalBatchRequest, actor: Actor
    ) -> SeasonalBatchResult:
        """List (dry run) or create the season's jobs."""
        weeks = _weeks(request)
        offering = await self.session.scalar(
            select(Offering).where(Offering.code == request.offering_code)
        )
        if offering is None or not offering.is_active:
            raise ValidationFailed("offering_code", "no active offering with this code")
        batch_key = f"{offering.code}:{request.year}"
        candidates = await self._candidates(offering, request.year, batch_key)
        items = await self._plan(offering, candidates, weeks)
        created = 0
        if not request.dry_run and items:
            created = await self._create(offering, items, batch_key, actor)
        total = sum(i.quoted_price_cents or 0 for i in items)
        self.log_completed(
            "seasonal_batch",
            offering=offering.code,
            dry_run=request.dry_run,
            candidates=len(items),
            created=created,
        )
        return SeasonalBatchResult(
            dry_run=request.dry_run,
            offering_code=offering.code,
            candidates=len(items),
            created=created,
            skipped_existing=len(items) - created if not request.dry_run else 0,
            total_value_cents=total,
            items=items,
        )

    def _candidate_query(
        self, offering: Offering, year: int, batch_key: str
    ) -> Select[uuid.UUID, Any, bool]:
        last_year = (
            select(Job.customer_id, Job.property_id)
            .where(
                Job.offering_id == offering.id,
                Job.status.in_([JobStatus.COMPLETED, JobStatus.CLOSED]),
                func.extract("year", Job.completed_at) == year - 1,
            )
            .distinct()
            .subquery()
        )
        plans = (
            select(ServicePlan).where(ServicePlan.offering_id == offering.id).subquery()
        )
        primary = Property.is_primary & Property.deleted_at.is_(None)
        open_job = exists().where(
            Job.customer_id == Customer.id,
            Job.offering_id == offering.id,
            or_(Job.status.in_(OPEN_STATUSES), Job.batch_key == batch_key),
        )
        prop_id = func.coalesce(plans.c.property_id, last_year.c.property_id)
        return (
            select(
                Customer.id,
                func.coalesce(prop_id, Property.id),
                func.count(plans.c.id) > 0,
            )
            .outerjoin(plans, plans.c.customer_id == Customer.id)
            .outerjoin(last_year, last_year.c.customer_id == Customer.id)
            .outerjoin(Property, and_(Property.customer_id == Customer.id, primary))
            .where(
                Customer.is_active,
                Customer.deleted_at.is_(None),
                or_(plans.c.id.is_not(None), last_year.c.customer_id.is_not(None)),
                ~open_job,
            )
            .group_by(Customer.id, prop_id, Property.id)
        )

    async def _candidates(
        self, offering: Offering, year: int, batch_key: str
    ) -> list[_Candidate]:
        rows = (
            await self.session.execute(self._candidate_query(offering, year, batch_key))
        ).all()
        chosen: dict[uuid.UUID, tuple[uuid.UUID, bool]] = {}
        for customer_id, property_id, on_plan in rows:
            if property_id is not None and customer_id not in chosen:
                chosen[customer_id] = (property_id, bool(on_plan))
        if not chosen:
            return []
        props = {
            p.id: p
            for p in (
                await self.session.scalars(
                    select(Property).where(
                        Property.id.in_([v[0] for v in chosen.values()]),
                        Property.deleted_at.is_(None),
                    )
                )
            ).all()
        }
        return [
            _Candidate(
                cid,
                pid,
                props[pid].city,
                props[pid].zone_count,
                "service_plan" if on_plan else "last_year",
            )
            for cid, (pid, on_plan) in chosen.items()
            if pid in props
        ]

    async def _plan(
        self, offering: Offering, candidates: list[_Candidate], weeks: list[date]
    ) -> list[BatchCandidate]:
        ordered = sorted(candidates, key=lambda c: (c.city.lower(), str(c.property_id)))
        per_week = -(-len(ordered) // len(weeks)) if ordered else 0
        items: list[BatchCandidate] = []
        for index, cand in enumerate(ordered):
            override = await self.overrides.find(cand.customer_id, offering.id)
            try:
                price = quote(
                    terms_of(offering), cand.zone_count, override_terms(override)
                )
                cents = price.price_cents
            except ZonesRequired:
                cents = None
            items.append(
                BatchCandidate(
                    customer_id=cand.customer_id,
                    property_id=cand.property_id,
                    city=cand.city,
                    zone_count=cand.zone_count,
                    reason=cand.reason,
                    target_week=weeks[min(index // per_week, len(weeks) - 1)],
                    quoted_price_cents=cents,
                )
            )
        return items

    async def _create(
        self,
        offering: Offering,
        items: list[BatchCandidate],
        batch_key: str,
        actor: Actor,
    ) -> int:
        now = datetime.now(UTC)
        rows = [_job_row(offering, item, batch_key, now) for item in items]
        result = await self.session.execute(
            insert(Job)
            .values(rows)
            .on_conflict_do_nothing(
                index_elements=["property_id", "batch_key"],
                index_where=Job.batch_key.is_not(None),
            )
            .returning(Job.id, Job.status)
        )
        created_rows = result.all()
        created = [row[0] for row in created_rows]
        if created_rows:
            await self.session.execute(
                insert(JobStatusChange).values(
                    [
                        {
                            "id": uuid.uuid4(),
                            "job_id": job_id,
                            "from_status": None,
                            "to_status": status,
                            "changed_by_id": actor.user_id,
                            "changed_at": now,
                            "reason": f"seasonal batch {batch_key}",
                        }
                        for job_id, status in created_rows
                    ]
                )
            )
        await self.audit.record_many(
            [
                AuditService.entry_values(
                    actor, "job.created", "job", job_id, {"batch_key": batch_key}
                )
                for job_id in created
            ]
        )
        await self.uow.commit()
        return len(created)


def _job_row(
    offering: Offering, item: BatchCandidate, batch_key: str, now: datetime
) -> dict[str, Any]:
    needs_quote = item.quoted_price_cents is None or (
        offering.pricing_model is PricingModel.CUSTOM
    )
    return {
        "id": uuid.uuid4(),
        "customer_id": item.customer_id,
        "property_id": item.property_id,
        "offering_id": offering.id,
        "title": offering.name,
        "category": (
            JobCategory.REQUIRES_ESTIMATE
            if needs_quote
            else JobCategory.READY_TO_SCHEDULE
        ),
        "status": JobStatus.APPROVED if not needs_quote else JobStatus.REQUESTED,
        "source": JobSource.SEASONAL_BATCH,
        "zone_count": item.zone_count,
        "quoted_price_cents": item.quoted_price_cents,
        "estimated_minutes": offering.base_minutes
        + offering.per_zone_minutes * (item.zone_count or 0),
        "target_week": item.target_week,
        "priority": 1,
        "staff_needed": offering.staff_needed,
        "required_skills": list(offering.required_skills),
        "required_equipment": list(offering.required_equipment),
        "weather_sensitive": offering.weather_sensitive,
        "span_days": 1,
        "batch_key": batch_key,
        "created_at": now,
        "updated_at": now,
    }

"""Job use cases: create, update, workflow moves, line items, working lists.

Prices come from the catalog's one pricing function. Commits once per use case;
every change is audited.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService, changed_only, snapshot
from grins_platform.catalog.models import Offering, PricingModel
from grins_platform.catalog.repository import OfferingRepository
from grins_platform.catalog.service import CatalogService
from grins_platform.core.cache import Cache
from grins_platform.core.errors import NotFoundError, PermissionDenied, ValidationFailed
from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.uow import UnitOfWork
from grins_platform.jobs.access import visible_job_ids
from grins_platform.jobs.models import (
    Job,
    JobCategory,
    JobLineItem,
    JobSource,
    JobStatus,
)
from grins_platform.jobs.repository import JobRepository
from grins_platform.jobs.schemas import JobCreate, JobUpdate, LineItemCreate
from grins_platform.jobs.workflow import JobNotFound, apply_transition, lock_job
from grins_platform.properties.models import Property
from grins_platform.users.models import Role, User

PRICE_FIELDS: Final = frozenset({"quoted_price_cents", "final_price_cents"})
TECHNICIAN_TRANSITIONS: Final = frozenset({JobStatus.IN_PROGRESS, JobStatus.COMPLETED})
"""Technicians start and finish work; they never cancel, close or hold a job."""

# Statements built once (building a WHERE clause costs more than running it).
_LOCK_JOB: Final = (
    select(Job)
    .where(Job.id == bindparam("job_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_LIVE_PROPERTY: Final = select(Property).where(
    Property.id == bindparam("property_id"), Property.deleted_at.is_(None)
)


class JobService(LoggerMixin):
    """Jobs for the office and (for their own work) technicians."""

    DOMAIN = "jobs"

    def __init__(self, session: AsyncSession, cache: Cache | None) -> None:
        self.session = session
        self.cache = cache
        self.uow = UnitOfWork(session)
        self.jobs = JobRepository(session)
        self.offerings = OfferingRepository(session)
        self.catalog = CatalogService(session, cache)
        self.audit = AuditService(session)

    # --- creating ------------------------------------------------------------

    async def create_job(
        self,
        data: JobCreate,
        actor: Actor,
        *,
        request_id: uuid.UUID | None = None,
        commit: bool = True,
    ) -> Job:
        """Create a job for a live property, priced and sized from its offering."""
        prop = await self._live_property(data.property_id)
        offering = await self._offering(data.offering_id)
        job = await self._build_job(data, prop, offering)
        job.request_id = request_id
        self.session.add(job)
        await self.session.flush()
        await self.audit.record(
            actor, "job.created", "job", job.id, after=snapshot(job)
        )
        if commit:
            await self.uow.commit()
        self.log_completed("create", job_id=str(job.id), category=job.category.value)
        return job

    async def _build_job(
        self, data: JobCreate, prop: Property, offering: Offering | None
    ) -> Job:
        if offering is None and not data.title:
            raise ValidationFailed("title", "is required when no offering is given")
        zones = data.zone_count if data.zone_count is not None else prop.zone_count
        priced = await self._price(offering, prop, zones)
        values = new_job_values(data, prop, offering, zones, priced)
        await self.catalog.check_vocabulary(
            values["required_skills"], values["required_equipment"]
        )
        return Job(**values)

    async def _price(
        self, offering: Offering | None, prop: Property, zones: int | None
    ) -> Priced:
        if offering is None:
            return None, None, True
        if zones is None and offering.pricing_model is PricingModel.PER_ZONE:
            raise ValidationFailed(
                "zone_count", "the property's zone count is unknown: give zone_count"
            )
        result = await self.catalog.quote_for(offering, prop.customer_id, zones)
        return result.price_cents, result.minutes, result.quote_needed

    # --- changing ------------------------------------------------------------

    async def update_job(
        self, job_id: uuid.UUID, changes: JobUpdate, caller: User, actor: Actor
    ) -> Job:
        """Change a job's fields; prices only by the office; closed jobs are frozen."""
        job = await self._locked(job_id, caller)
        fields = changes.model_dump(exclude_unset=True)
        if PRICE_FIELDS & fields.keys() and caller.role is Role.TECHNICIAN:
            raise PermissionDenied("technicians cannot change prices")
        if job.status in {JobStatus.CLOSED, JobStatus.CANCELLED}:
            raise ValidationFailed(
                "status", f"a {job.status.value} job cannot be edited"
            )
        await self.catalog.check_vocabulary(
            fields.get("required_skills") or [], fields.get("required_equipment") or []
        )
        before = snapshot(job)
        self._apply_fields(job, fields)
        old, new = changed_only(before, snapshot(job))
        await self.audit.record(
            actor, "job.updated", "job", job.id, before=old, after=new
        )
        await self.uow.commit()
        self.log_completed("update", job_id=str(job.id), fields=sorted(fields))
        return job

    @staticmethod
    def _apply_fields(job: Job, fields: dict[str, Any]) -> None:
        required = {
            "title",
            "priority",
            "staff_needed",
            "span_days",
            "estimated_minutes",
        }
        for name, value in fields.items():
            if value is None and name in required | {"weather_sensitive"}:
                raise ValidationFailed(name, "must not be null")
            is_codes = name in {"required_skills", "required_equipment"}
            setattr(job, name, sorted(set(value or [])) if is_codes else value)
        if (
            job.category is JobCategory.REQUIRES_ESTIMATE
            and job.quoted_price_cents is not None
        ):
            job.category = JobCategory.READY_TO_SCHEDULE

    async def transition(
        self,
        job_id: uuid.UUID,
        target: JobStatus,
        reason: str | None,
        caller: User,
        actor: Actor,
    ) -> Job:
        """Move a job to ``target`` (409 naming the allowed next statuses otherwise)."""
        if caller.role is Role.TECHNICIAN and target not in TECHNICIAN_TRANSITIONS:
            raise PermissionDenied("technicians may only start and complete jobs")
        job = await self._locked(job_id, caller)
        previous = job.status
        if (
            target is JobStatus.APPROVED
            and job.category is JobCategory.REQUIRES_ESTIMATE
        ):
            raise ValidationFailed(
                "to_status", "a job needing an estimate is approved by pricing it first"
            )
        apply_transition(
            self.session, job, target, actor_id=actor.user_id, reason=reason
        )
        await self.audit.record(
            actor,
            "job.status_changed",
            "job",
            job.id,
            before={"status": previous.value},
            after={"status": target.value, "reason": reason},
        )
        await self.uow.commit()
        self.log_completed("transition", job_id=str(job.id), to_status=target.value)
        return job

    async def add_line_item(
        self, job_id: uuid.UUID, data: LineItemCreate, caller: User, actor: Actor
    ) -> Job:
        """Add a charge or credit to an open or just-completed job."""
        job = await self._locked(job_id, caller)
        if job.status in {JobStatus.CLOSED, JobStatus.CANCELLED}:
            raise ValidationFailed(
                "status", f"a {job.status.value} job cannot be changed"
            )
        item = JobLineItem(
            job_id=job.id, created_at=datetime.now(UTC), **data.model_dump()
        )
        self.session.add(item)
        await self.session.flush()
        await self.audit.record(
            actor, "job.line_item_added", "job", job.id, after=snapshot(item)
        )
        await self.uow.commit()
        return job

    async def remove_line_item(
        self, job_id: uuid.UUID, item_id: uuid.UUID, caller: User, actor: Actor
    ) -> Job:
        """Remove a line item (office only: it changes the price)."""
        if caller.role is Role.TECHNICIAN:
            raise PermissionDenied("technicians cannot remove charges")
        job = await lock_job(self.session, job_id)
        item = await self.jobs.get_line_item(job.id, item_id)
        if item is None:
            raise NotFoundError("line item not found")
        await self.audit.record(
            actor, "job.line_item_removed", "job", job.id, before=snapshot(item)
        )
        await self.session.delete(item)
        await self.uow.commit()
        return job

    # --- helpers -------------------------------------------------------------

    async def _locked(self, job_id: uuid.UUID, caller: User) -> Job:
        """The job if ``caller`` may see it, locked and re-read: one statement.

        Not there or not visible → 404 (as a read); ``populate_existing`` as in
        ``lock_job`` (an object already in the session is refreshed from the row).
        """
        visible = visible_job_ids(caller)
        if visible is None:
            job = await self.session.scalar(_LOCK_JOB, {"job_id": job_id})
        else:
            stmt = select(Job).where(Job.id == job_id, Job.id.in_(visible))
            job = await self.session.scalar(
                stmt.with_for_update().execution_options(populate_existing=True)
            )
        if job is None:
            raise JobNotFound
        return job

    async def _live_property(self, property_id: uuid.UUID) -> Property:
        prop = await self.session.scalar(_LIVE_PROPERTY, {"property_id": property_id})
        if prop is None:
            raise NotFoundError("property not found")
        return prop

    async def _offering(self, offering_id: uuid.UUID | None) -> Offering | None:
        if offering_id is None:
            return None
        offering = await self.offerings.get(offering_id)
        if offering is None or not offering.is_active:
            raise ValidationFailed("offering_id", "no active offering with this id")
        return offering


Priced = tuple[int | None, int | None, bool]
"""Price, minutes and whether a quote is still needed (``JobService._price``)."""


def new_job_values(
    data: JobCreate,
    prop: Property,
    offering: Offering | None,
    zones: int | None,
    priced: Priced,
) -> dict[str, Any]:
    """The columns of a new job: from the request, its property and its offering.

    Pure (the price is already worked out), so the ORM use case and the
    one-statement create (``jobs/writes.py``) build exactly the same job.
    """
    price, minutes, quote_needed = priced
    if data.quoted_price_cents is not None:
        price, quote_needed = data.quoted_price_cents, False
    defaults = _offering_defaults(offering)
    return {
        "customer_id": prop.customer_id,
        "property_id": prop.id,
        "offering_id": offering.id if offering else None,
        "title": data.title or (offering.name if offering else ""),
        "description": data.description,
        "category": (
            JobCategory.REQUIRES_ESTIMATE
            if quote_needed
            else JobCategory.READY_TO_SCHEDULE
        ),
        "status": JobStatus.REQUESTED,
        "source": data.source,
        "zone_count": zones,
        "quoted_price_cents": price,
        "estimated_minutes": data.estimated_minutes or minutes or 60,
        "target_week": data.target_week,
        "priority": data.priority,
        "staff_needed": data.staff_needed or defaults["staff"],
        "required_skills": sorted(set(data.required_skills or defaults["skills"])),
        "required_equipment": sorted(
            set(data.required_equipment or defaults["equipment"])
        ),
        "weather_sensitive": (
            data.weather_sensitive
            if data.weather_sensitive is not None
            else defaults["weather"]
        ),
        "span_days": data.span_days,
        "notes": data.notes,
    }


def _offering_defaults(offering: Offering | None) -> dict[str, Any]:
    """What a job copies from its offering (editable afterwards)."""
    if offering is None:
        return {"skills": [], "equipment": [], "staff": 1, "weather": False}
    return {
        "skills": list(offering.required_skills),
        "equipment": list(offering.required_equipment),
        "staff": offering.staff_needed,
        "weather": offering.weather_sensitive,
    }


__all__ = ["JobService", "JobSource"]

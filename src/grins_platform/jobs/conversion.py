"""Converting a service request creates its job (hooked into the conversion).

The request's ``service_wanted`` is matched to an active offering by code or name
(case-insensitive). A match gives a priced ``ready_to_schedule`` job (or
``requires_estimate`` for custom work); anything else becomes a free-text job that
needs an estimate. The preferred week becomes the target week. No property (the
request had no address) means no job: there is nowhere to do the work yet.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor
from grins_platform.catalog.models import Offering
from grins_platform.core.errors import ValidationFailed
from grins_platform.core.log_config import get_logger
from grins_platform.jobs.models import JobSource
from grins_platform.jobs.schemas import JobCreate, monday_of
from grins_platform.jobs.service import JobService
from grins_platform.requests.conversion import CONVERSION_HOOKS, Conversion

log = get_logger(__name__)
FREE_TEXT_TITLE = "Service request"


async def _offering_for(session: AsyncSession, wanted: str | None) -> Offering | None:
    if not wanted or not wanted.strip():
        return None
    text = wanted.strip().lower()
    stmt = select(Offering).where(
        Offering.is_active,
        or_(func.lower(Offering.code) == text, func.lower(Offering.name) == text),
    )
    return (await session.scalars(stmt.limit(1))).first()


async def create_job_for_conversion(
    session: AsyncSession, conversion: Conversion, actor: Actor
) -> None:
    """The job of a converted request, in the conversion's transaction."""
    request, prop = conversion.request, conversion.property
    if prop is None:
        log.info(
            "jobs.conversion.job_skipped",
            request_id=str(request.id),
            reason="no_property",
        )
        return
    offering = await _offering_for(session, request.service_wanted)
    data = JobCreate(
        property_id=prop.id,
        offering_id=offering.id if offering else None,
        title=None if offering else (request.service_wanted or FREE_TEXT_TITLE)[:200],
        description=request.message,
        target_week=monday_of(request.preferred_week),
        source=JobSource.REQUEST,
    )
    service = JobService(session, cache=None)
    try:
        job = await service.create_job(data, actor, request_id=request.id, commit=False)
    except ValidationFailed:
        # A per-zone offering at a property whose zone count is unknown: keep the
        # request's wish as a job that needs an estimate instead of failing.
        data = data.model_copy(
            update={
                "offering_id": None,
                "title": offering.name if offering else FREE_TEXT_TITLE,
            }
        )
        job = await service.create_job(data, actor, request_id=request.id, commit=False)
    log.info(
        "jobs.conversion.job_created", request_id=str(request.id), job_id=str(job.id)
    )


def install_conversion_hook() -> None:
    """Register the hook once (``create_app`` calls this)."""
    if create_job_for_conversion not in CONVERSION_HOOKS:
        CONVERSION_HOOKS.append(create_job_for_conversion)

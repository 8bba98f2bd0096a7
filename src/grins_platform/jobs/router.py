"""``/api/v1/jobs``: create, working lists, counts, workflow, line items, batches."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from grins_platform.audit.service import Actor
from grins_platform.auth.dependencies import ClientDep, CurrentUser, ManagerUser
from grins_platform.core.cache import CacheDep
from grins_platform.core.errors import PermissionDenied
from grins_platform.core.pagination import Page, PageDep
from grins_platform.db.session import ReadsDep, SessionDep, SessionOpenerDep
from grins_platform.jobs.batch import SeasonalBatchService
from grins_platform.jobs.models import JobCategory, JobStatus
from grins_platform.jobs.queries import JobQueries
from grins_platform.jobs.repository import JobFilters
from grins_platform.jobs.schemas import (
    JobCreate,
    JobDetail,
    JobRead,
    JobUpdate,
    LineItemCreate,
    SeasonalBatchRequest,
    SeasonalBatchResult,
    StatusCount,
    TransitionRequest,
    Week,
)
from grins_platform.jobs.service import TECHNICIAN_TRANSITIONS, JobService
from grins_platform.jobs.writes import JobWrites
from grins_platform.users.models import Role

router = APIRouter(prefix="/jobs", tags=["jobs"])
SortField = Literal["created_at", "target_week", "priority", "status", "updated_at"]


async def get_job_service(session: SessionDep, cache: CacheDep) -> JobService:
    """The job service for this request."""
    return JobService(session, cache)


JobServiceDep = Annotated[JobService, Depends(get_job_service)]


async def get_job_queries(reads: ReadsDep) -> JobQueries:
    """Job reads for this request (read models, no ORM session)."""
    return JobQueries(reads)


JobQueriesDep = Annotated[JobQueries, Depends(get_job_queries)]


@router.post("", response_model=JobDetail, status_code=status.HTTP_201_CREATED)
async def create_job(
    body: JobCreate,
    user: ManagerUser,
    client: ClientDep,
    reads: ReadsDep,
    sessions: SessionOpenerDep,
    cache: CacheDep,
) -> JobDetail:
    """Admin/manager. A job for a property: priced and sized from its offering.

    Two statements (``jobs/writes.py``); a request they cannot take (free text, an
    unknown id or code) goes to the ORM use case, which answers it.
    """
    actor = Actor.of(user, client.ip)
    created = await JobWrites(reads).create(body, actor)
    if created is not None:
        return created
    job = await JobService(await sessions(), cache).create_job(body, actor)
    return await JobQueries(reads).detail(job.id, None)


@router.get("", response_model=Page[JobRead])
async def list_jobs(
    user: CurrentUser,
    queries: JobQueriesDep,
    page: PageDep,
    status_: Annotated[
        list[JobStatus] | None, Query(alias="status", description="any of these")
    ] = None,
    category: Annotated[JobCategory | None, Query()] = None,
    week: Annotated[Week, Query(description="target week, e.g. 2026-W41")] = None,
    offering_id: Annotated[uuid.UUID | None, Query()] = None,
    customer_id: Annotated[uuid.UUID | None, Query()] = None,
    property_id: Annotated[uuid.UUID | None, Query()] = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[SortField, Query()] = "created_at",
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
) -> Page[JobRead]:
    """Any staff (technicians: only jobs on their appointments). Filter, sort, page."""
    filters = JobFilters(
        statuses=list(status_ or []),
        category=category,
        target_week=week,
        offering_id=offering_id,
        customer_id=customer_id,
        property_id=property_id,
        city=city,
        sort=sort,
        descending=order == "desc",
    )
    return await queries.page(filters, user, limit=page.limit, offset=page.offset)


@router.get("/ready", response_model=Page[JobRead])
async def ready_to_schedule(
    user: ManagerUser,
    queries: JobQueriesDep,
    page: PageDep,
    week: Annotated[Week, Query(description="target week, e.g. 2026-W41")] = None,
) -> Page[JobRead]:
    """Admin/manager. Approved, priced jobs waiting for the schedule, urgent first."""
    filters = JobFilters(
        statuses=[JobStatus.APPROVED],
        category=JobCategory.READY_TO_SCHEDULE,
        target_week=week,
        sort="priority",
        descending=True,
    )
    return await queries.page(filters, user, limit=page.limit, offset=page.offset)


@router.get("/counts", response_model=list[StatusCount])
async def status_counts(user: CurrentUser, queries: JobQueriesDep) -> list[StatusCount]:
    """Any staff. Jobs per status (what the caller may see)."""
    counts = await queries.status_counts(user)
    return [StatusCount(status=s, count=n) for s, n in counts.items()]


@router.post("/seasonal-batch", response_model=SeasonalBatchResult)
async def seasonal_batch(
    body: SeasonalBatchRequest,
    user: ManagerUser,
    client: ClientDep,
    session: SessionDep,
    cache: CacheDep,
) -> SeasonalBatchResult:
    """Admin/manager. Create a season's jobs for one offering.

    A dry run (the default) lists them with their total value; a real run creates
    them in one transaction and is idempotent.
    """
    service = SeasonalBatchService(session, cache)
    return await service.run(body, Actor.of(user, client.ip))


@router.get("/{job_id}", response_model=JobDetail)
async def get_job(
    job_id: uuid.UUID, user: CurrentUser, queries: JobQueriesDep
) -> JobDetail:
    """Any staff who may see the job. With line items, totals and history."""
    return await queries.detail(job_id, user)


@router.patch("/{job_id}", response_model=JobDetail)
async def update_job(
    job_id: uuid.UUID,
    body: JobUpdate,
    user: CurrentUser,
    client: ClientDep,
    service: JobServiceDep,
    queries: JobQueriesDep,
) -> JobDetail:
    """Office: any field. Technicians (their jobs): not prices."""
    job = await service.update_job(job_id, body, user, Actor.of(user, client.ip))
    return await queries.detail(job.id, None)


@router.post("/{job_id}/transitions", response_model=JobDetail)
async def transition_job(
    job_id: uuid.UUID,
    body: TransitionRequest,
    user: CurrentUser,
    client: ClientDep,
    reads: ReadsDep,
    sessions: SessionOpenerDep,
    cache: CacheDep,
) -> JobDetail:
    """Move the job through its workflow; 409 names the allowed next statuses.

    Technicians may only start and complete their own jobs. One statement does the
    move (``jobs/writes.py``); when it moves nothing, the ORM use case says why.
    """
    actor = Actor.of(user, client.ip)
    if user.role is Role.TECHNICIAN and body.to_status not in TECHNICIAN_TRANSITIONS:
        raise PermissionDenied("technicians may only start and complete jobs")
    moved = await JobWrites(reads).transition(
        job_id, body.to_status, body.reason, user, actor
    )
    if moved is not None:
        return moved
    service = JobService(await sessions(), cache)
    job = await service.transition(job_id, body.to_status, body.reason, user, actor)
    return await JobQueries(reads).detail(job.id, None)


@router.post(
    "/{job_id}/line-items",
    response_model=JobDetail,
    status_code=status.HTTP_201_CREATED,
)
async def add_line_item(
    job_id: uuid.UUID,
    body: LineItemCreate,
    user: CurrentUser,
    client: ClientDep,
    service: JobServiceDep,
    queries: JobQueriesDep,
) -> JobDetail:
    """Anyone who may see the job. Add a charge (or, negative, a credit)."""
    job = await service.add_line_item(job_id, body, user, Actor.of(user, client.ip))
    return await queries.detail(job.id, None)


@router.delete("/{job_id}/line-items/{item_id}", response_model=JobDetail)
async def remove_line_item(
    job_id: uuid.UUID,
    item_id: uuid.UUID,
    user: ManagerUser,
    client: ClientDep,
    service: JobServiceDep,
    queries: JobQueriesDep,
) -> JobDetail:
    """Admin/manager. Remove a charge."""
    job = await service.remove_line_item(
        job_id, item_id, user, Actor.of(user, client.ip)
    )
    return await queries.detail(job.id, None)

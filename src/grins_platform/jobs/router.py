"""``/api/v1/jobs``: create, working lists, counts, workflow, line items, batches."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, status

from grins_platform.audit.service import Actor
from grins_platform.auth.dependencies import ClientDep, CurrentUser, ManagerUser
from grins_platform.core.cache import CacheDep
from grins_platform.core.pagination import Page, PageDep, PageParams
from grins_platform.db.session import SessionDep
from grins_platform.jobs.batch import SeasonalBatchService
from grins_platform.jobs.models import JobCategory, JobStatus
from grins_platform.jobs.repository import JobFilters
from grins_platform.jobs.schemas import (
    JobCreate,
    JobDetail,
    JobRead,
    JobUpdate,
    LineItemCreate,
    LineItemRead,
    SeasonalBatchRequest,
    SeasonalBatchResult,
    StatusChangeRead,
    StatusCount,
    TransitionRequest,
    Week,
)
from grins_platform.jobs.service import JobService, JobView
from grins_platform.jobs.workflow import allowed_next
from grins_platform.users.models import User

router = APIRouter(prefix="/jobs", tags=["jobs"])
SortField = Literal["created_at", "target_week", "priority", "status", "updated_at"]


async def get_job_service(session: SessionDep, cache: CacheDep) -> JobService:
    """The job service for this request."""
    return JobService(session, cache)


JobServiceDep = Annotated[JobService, Depends(get_job_service)]


ReadT = TypeVar("ReadT", bound=JobRead)


def _fill(read: ReadT, view: JobView) -> ReadT:
    read.line_items = [LineItemRead.model_validate(i) for i in view.line_items]
    read.allowed_next = allowed_next(view.job)
    return read


def _read(view: JobView) -> JobRead:
    return _fill(JobRead.model_validate(view.job), view)


async def _page(
    service: JobService, filters: JobFilters, user: User, page: PageParams
) -> Page[JobRead]:
    views, total = await service.list_jobs(
        filters, user, limit=page.limit, offset=page.offset
    )
    return Page[JobRead](
        items=[_read(v) for v in views],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


def _detail(view: JobView) -> JobDetail:
    detail = _fill(JobDetail.model_validate(view.job), view)
    detail.history = [StatusChangeRead.model_validate(h) for h in view.history]
    return detail


@router.post("", response_model=JobDetail, status_code=status.HTTP_201_CREATED)
async def create_job(
    body: JobCreate, user: ManagerUser, client: ClientDep, service: JobServiceDep
) -> JobDetail:
    """Admin/manager. A job for a property: priced and sized from its offering."""
    job = await service.create_job(body, Actor.of(user, client.ip))
    return _detail(await service.view(job))


@router.get("", response_model=Page[JobRead])
async def list_jobs(
    user: CurrentUser,
    service: JobServiceDep,
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
    return await _page(service, filters, user, page)


@router.get("/ready", response_model=Page[JobRead])
async def ready_to_schedule(
    user: ManagerUser,
    service: JobServiceDep,
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
    return await _page(service, filters, user, page)


@router.get("/counts", response_model=list[StatusCount])
async def status_counts(user: CurrentUser, service: JobServiceDep) -> list[StatusCount]:
    """Any staff. Jobs per status (what the caller may see)."""
    counts = await service.status_counts(user)
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
    job_id: uuid.UUID, user: CurrentUser, service: JobServiceDep
) -> JobDetail:
    """Any staff who may see the job. With line items, totals and history."""
    return _detail(await service.get_job(job_id, user))


@router.patch("/{job_id}", response_model=JobDetail)
async def update_job(
    job_id: uuid.UUID,
    body: JobUpdate,
    user: CurrentUser,
    client: ClientDep,
    service: JobServiceDep,
) -> JobDetail:
    """Office: any field. Technicians (their jobs): not prices."""
    view = await service.update_job(job_id, body, user, Actor.of(user, client.ip))
    return _detail(view)


@router.post("/{job_id}/transitions", response_model=JobDetail)
async def transition_job(
    job_id: uuid.UUID,
    body: TransitionRequest,
    user: CurrentUser,
    client: ClientDep,
    service: JobServiceDep,
) -> JobDetail:
    """Move the job through its workflow; 409 names the allowed next statuses.

    Technicians may only start and complete their own jobs.
    """
    view = await service.transition(
        job_id, body.to_status, body.reason, user, Actor.of(user, client.ip)
    )
    return _detail(view)


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
) -> JobDetail:
    """Anyone who may see the job. Add a charge (or, negative, a credit)."""
    view = await service.add_line_item(job_id, body, user, Actor.of(user, client.ip))
    return _detail(view)


@router.delete("/{job_id}/line-items/{item_id}", response_model=JobDetail)
async def remove_line_item(
    job_id: uuid.UUID,
    item_id: uuid.UUID,
    user: ManagerUser,
    client: ClientDep,
    service: JobServiceDep,
) -> JobDetail:
    """Admin/manager. Remove a charge."""
    view = await service.remove_line_item(
        job_id, item_id, user, Actor.of(user, client.ip)
    )
    return _detail(view)

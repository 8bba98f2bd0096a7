"""``/api/v1/schedule``: proposals (generate, adjust, re-solve, apply) and capacity.

Office only: technicians get 403.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from grins_platform.auth.dependencies import ClientDep, ManagerUser
from grins_platform.core.pagination import Page, PageDep
from grins_platform.db.session import SessionDep
from grins_platform.scheduling.capacity import Capacity, CapacityService
from grins_platform.scheduling.models import ProposalStatus, ScheduleProposal
from grins_platform.scheduling.proposals import (
    ApplyResult,
    ItemLock,
    ItemMove,
    ItemSwap,
    ProposalBody,
    ProposalCreate,
    ProposalRead,
)
from grins_platform.scheduling.service import ScheduleService

router = APIRouter(prefix="/schedule", tags=["schedule"])


async def get_schedule_service(
    request: Request, session: SessionDep
) -> ScheduleService:
    """The schedule service for this request."""
    return ScheduleService(session, request.app.state.settings)


async def get_capacity_service(
    request: Request, session: SessionDep
) -> CapacityService:
    """The capacity service for this request."""
    return CapacityService(session, request.app.state.settings)


ScheduleServiceDep = Annotated[ScheduleService, Depends(get_schedule_service)]
CapacityServiceDep = Annotated[CapacityService, Depends(get_capacity_service)]


def _read(proposal: ScheduleProposal) -> ProposalRead:
    body = ProposalBody.model_validate(proposal.body)
    return ProposalRead(
        id=proposal.id,
        status=proposal.status,
        start_date=proposal.start_date,
        end_date=proposal.end_date,
        revision=proposal.revision,
        created_at=proposal.created_at,
        applied_at=proposal.applied_at,
        routes=body.routes,
        unassigned=body.unassigned,
        totals=body.totals,
    )


@router.post(
    "/proposals", response_model=ProposalRead, status_code=status.HTTP_201_CREATED
)
async def create_proposal(
    body: ProposalCreate, office: ManagerUser, service: ScheduleServiceDep
) -> ProposalRead:
    """Office. Solve a day or a week of approved jobs into a draft proposal."""
    return _read(await service.generate(body, actor=office))


@router.get("/proposals", response_model=Page[ProposalRead])
async def list_proposals(
    _office: ManagerUser,
    service: ScheduleServiceDep,
    page: PageDep,
    status_: Annotated[ProposalStatus | None, Query(alias="status")] = None,
) -> Page[ProposalRead]:
    """Office. Proposals, newest first."""
    rows, total = await service.list_proposals(
        status_, limit=page.limit, offset=page.offset
    )
    return Page[ProposalRead](
        items=[_read(p) for p in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/proposals/{proposal_id}", response_model=ProposalRead)
async def get_proposal(
    proposal_id: uuid.UUID, _office: ManagerUser, service: ScheduleServiceDep
) -> ProposalRead:
    """Office. One proposal with its routes, totals and unassigned jobs."""
    return _read(await service.get(proposal_id))


@router.post(
    "/proposals/{proposal_id}/items/{job_id}/lock", response_model=ProposalRead
)
async def lock_proposal_item(
    proposal_id: uuid.UUID,
    job_id: uuid.UUID,
    body: ItemLock,
    _office: ManagerUser,
    service: ScheduleServiceDep,
) -> ProposalRead:
    """Office. Lock (or unlock) an item so a re-solve keeps it in place."""
    return _read(await service.lock_item(proposal_id, job_id, locked=body.locked))


@router.post(
    "/proposals/{proposal_id}/items/{job_id}/move", response_model=ProposalRead
)
async def move_proposal_item(
    proposal_id: uuid.UUID,
    job_id: uuid.UUID,
    body: ItemMove,
    _office: ManagerUser,
    service: ScheduleServiceDep,
) -> ProposalRead:
    """Office. Put a job on a route at a time (locked); 409 if it overlaps a visit."""
    return _read(await service.move_item(proposal_id, job_id, body))


@router.post("/proposals/{proposal_id}/swap", response_model=ProposalRead)
async def swap_proposal_items(
    proposal_id: uuid.UUID,
    body: ItemSwap,
    _office: ManagerUser,
    service: ScheduleServiceDep,
) -> ProposalRead:
    """Office. Exchange two visits' places (both locked)."""
    return _read(await service.swap_items(proposal_id, body))


@router.post("/proposals/{proposal_id}/resolve", response_model=ProposalRead)
async def resolve_proposal(
    proposal_id: uuid.UUID, _office: ManagerUser, service: ScheduleServiceDep
) -> ProposalRead:
    """Office. Solve again from current data around the locked items."""
    return _read(await service.resolve(proposal_id))


@router.post("/proposals/{proposal_id}/apply", response_model=ApplyResult)
async def apply_proposal(
    proposal_id: uuid.UUID,
    office: ManagerUser,
    client: ClientDep,
    service: ScheduleServiceDep,
) -> ApplyResult:
    """Office. Book every visit and schedule every job in one transaction.

    409 when anything changed since the proposal was solved (re-solve first), or
    when it is no longer a draft.
    """
    return await service.apply(proposal_id, actor=office, ip=client.ip)


@router.post("/proposals/{proposal_id}/discard", response_model=ProposalRead)
async def discard_proposal(
    proposal_id: uuid.UUID, _office: ManagerUser, service: ScheduleServiceDep
) -> ProposalRead:
    """Office. Set a draft aside."""
    return _read(await service.discard(proposal_id))


@router.get("/capacity", response_model=Capacity)
async def get_capacity(
    _office: ManagerUser,
    service: CapacityServiceDep,
    weeks: Annotated[int, Query(ge=1, le=26, description="How far ahead")] = 8,
    start: Annotated[date | None, Query(description="Default: today")] = None,
) -> Capacity:
    """Office. Free staff hours per day and the date we are booked out until."""
    return await service.capacity(weeks, start)

"""``/api/v1/staff`` and ``/api/v1/crews``: office management, one's own record."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from grins_platform.audit.service import Actor
from grins_platform.auth.dependencies import ClientDep, CurrentUser, ManagerUser
from grins_platform.core.pagination import Page, PageDep
from grins_platform.db.session import SessionDep
from grins_platform.staff.models import Crew
from grins_platform.staff.schemas import (
    CalendarFeed,
    CrewCreate,
    CrewRead,
    CrewUpdate,
    StaffCreate,
    StaffRead,
    StaffUpdate,
    TimeOffCreate,
    TimeOffRead,
)
from grins_platform.staff.service import StaffService

router = APIRouter(tags=["staff"])


async def get_staff_service(session: SessionDep) -> StaffService:
    """The staff service for this request."""
    return StaffService(session)


StaffServiceDep = Annotated[StaffService, Depends(get_staff_service)]


def _crew(crew: Crew, members: list[uuid.UUID]) -> CrewRead:
    return CrewRead(
        id=crew.id, name=crew.name, is_active=crew.is_active, member_ids=members
    )


@router.post("/staff", response_model=StaffRead, status_code=status.HTTP_201_CREATED)
async def create_staff(
    body: StaffCreate, office: ManagerUser, client: ClientDep, service: StaffServiceDep
) -> StaffRead:
    """Office. Add a staff member (skills/equipment from the vocabularies)."""
    member = await service.create_staff(body, Actor.of(office, client.ip))
    return StaffRead.model_validate(member)


@router.get("/staff", response_model=Page[StaffRead])
async def list_staff(
    _office: ManagerUser,
    service: StaffServiceDep,
    page: PageDep,
    active: Annotated[bool | None, Query(description="only (in)active staff")] = None,
) -> Page[StaffRead]:
    """Office. Staff ordered by name."""
    rows, total = await service.list_staff(
        active=active, limit=page.limit, offset=page.offset
    )
    return Page[StaffRead](
        items=[StaffRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/staff/me", response_model=StaffRead)
async def get_my_staff_record(
    caller: CurrentUser, service: StaffServiceDep
) -> StaffRead:
    """The caller's own staff record (404 if they have none)."""
    return StaffRead.model_validate(await service.get_own(caller))


@router.get("/staff/{staff_id}", response_model=StaffRead)
async def get_staff(
    staff_id: uuid.UUID, caller: CurrentUser, service: StaffServiceDep
) -> StaffRead:
    """Office: anyone. A technician: only their own record (others are 404)."""
    return StaffRead.model_validate(await service.get_staff(staff_id, caller=caller))


@router.patch("/staff/{staff_id}", response_model=StaffRead)
async def update_staff(
    staff_id: uuid.UUID,
    body: StaffUpdate,
    office: ManagerUser,
    client: ClientDep,
    service: StaffServiceDep,
) -> StaffRead:
    """Office. Change hours, skills, equipment, home base, cost, active."""
    return StaffRead.model_validate(
        await service.update_staff(staff_id, body, Actor.of(office, client.ip))
    )


@router.post(
    "/staff/{staff_id}/time-off",
    response_model=TimeOffRead,
    status_code=status.HTTP_201_CREATED,
)
async def add_time_off(
    staff_id: uuid.UUID,
    body: TimeOffCreate,
    office: ManagerUser,
    client: ClientDep,
    service: StaffServiceDep,
) -> TimeOffRead:
    """Office. Record days off (inclusive)."""
    return TimeOffRead.model_validate(
        await service.add_time_off(staff_id, body, Actor.of(office, client.ip))
    )


@router.get("/staff/{staff_id}/time-off", response_model=list[TimeOffRead])
async def list_time_off(
    staff_id: uuid.UUID, caller: CurrentUser, service: StaffServiceDep
) -> list[TimeOffRead]:
    """Office, or the staff member themself."""
    rows = await service.list_time_off(staff_id, caller=caller)
    return [TimeOffRead.model_validate(r) for r in rows]


@router.delete(
    "/staff/{staff_id}/time-off/{entry_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def remove_time_off(
    staff_id: uuid.UUID,
    entry_id: uuid.UUID,
    office: ManagerUser,
    client: ClientDep,
    service: StaffServiceDep,
) -> Response:
    """Office. Delete an entry of time off."""
    await service.remove_time_off(staff_id, entry_id, Actor.of(office, client.ip))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/staff/{staff_id}/calendar-feed",
    response_model=CalendarFeed,
    status_code=status.HTTP_201_CREATED,
)
async def issue_calendar_feed(
    staff_id: uuid.UUID, request: Request, caller: CurrentUser, service: StaffServiceDep
) -> CalendarFeed:
    """Office or the technician. A new private iCalendar URL; the old one stops."""
    token = await service.issue_calendar_token(staff_id, caller=caller)
    url = str(request.url_for("calendar_feed", token=token))
    return CalendarFeed(url=url, token=token)


@router.delete(
    "/staff/{staff_id}/calendar-feed", status_code=status.HTTP_204_NO_CONTENT
)
async def revoke_calendar_feed(
    staff_id: uuid.UUID, caller: CurrentUser, service: StaffServiceDep
) -> Response:
    """Office or the technician. Turn the private calendar URL off."""
    await service.revoke_calendar_token(staff_id, caller=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/crews", response_model=CrewRead, status_code=status.HTTP_201_CREATED)
async def create_crew(
    body: CrewCreate, office: ManagerUser, client: ClientDep, service: StaffServiceDep
) -> CrewRead:
    """Office. A crew of two or more staff who travel together."""
    return _crew(*await service.create_crew(body, Actor.of(office, client.ip)))


@router.get("/crews", response_model=list[CrewRead])
async def list_crews(_office: ManagerUser, service: StaffServiceDep) -> list[CrewRead]:
    """Office. Every crew by name."""
    return [_crew(c, m) for c, m in await service.list_crews()]


@router.get("/crews/{crew_id}", response_model=CrewRead)
async def get_crew(
    crew_id: uuid.UUID, _office: ManagerUser, service: StaffServiceDep
) -> CrewRead:
    """Office. One crew."""
    return _crew(*await service.get_crew(crew_id))


@router.patch("/crews/{crew_id}", response_model=CrewRead)
async def update_crew(
    crew_id: uuid.UUID,
    body: CrewUpdate,
    office: ManagerUser,
    client: ClientDep,
    service: StaffServiceDep,
) -> CrewRead:
    """Office. Rename, change members, (de)activate."""
    actor = Actor.of(office, client.ip)
    return _crew(*await service.update_crew(crew_id, body, actor))

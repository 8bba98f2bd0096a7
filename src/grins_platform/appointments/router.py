"""``/api/v1/appointments``: booking (office), status changes, reading one's own."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from grins_platform.appointments.models import Appointment, AppointmentStatus
from grins_platform.appointments.repository import AppointmentFilters
from grins_platform.appointments.schemas import (
    AppointmentCreate,
    AppointmentMove,
    AppointmentRead,
    AppointmentTransition,
    StatusChangeRead,
)
from grins_platform.appointments.service import AppointmentService
from grins_platform.appointments.views import DayView, TechnicianViews
from grins_platform.auth.dependencies import ClientDep, CurrentUser, ManagerUser
from grins_platform.core.pagination import Page, PageDep
from grins_platform.db.session import SessionDep

router = APIRouter(prefix="/appointments", tags=["appointments"])


async def get_appointment_service(
    request: Request, session: SessionDep
) -> AppointmentService:
    """The appointment service for this request."""
    return AppointmentService(session, request.app.state.settings)


AppointmentServiceDep = Annotated[AppointmentService, Depends(get_appointment_service)]


async def _read(
    service: AppointmentService, appointment: Appointment
) -> AppointmentRead:
    staff = await service.staff_of([appointment])
    return _as_read(appointment, staff[appointment.id])


def _as_read(appointment: Appointment, staff_ids: list[uuid.UUID]) -> AppointmentRead:
    return AppointmentRead.model_validate(
        {
            **{
                c: getattr(appointment, c)
                for c in AppointmentRead.model_fields
                if c != "staff_ids"
            },
            "staff_ids": staff_ids,
        }
    )


async def get_views(request: Request, session: SessionDep) -> TechnicianViews:
    """The technician views for this request."""
    return TechnicianViews(session, request.app.state.settings)


ViewsDep = Annotated[TechnicianViews, Depends(get_views)]


@router.get("/day", response_model=DayView)
async def get_day(
    caller: CurrentUser,
    views: ViewsDep,
    day: Annotated[
        date | None, Query(description="Business day; default today")
    ] = None,
    staff_id: Annotated[
        uuid.UUID | None, Query(description="Office: whose day; default the caller")
    ] = None,
) -> DayView:
    """The day's route in order, with a job card per stop.

    Technicians: only their own day (another staff member's is 404); access codes
    are shown only for today's visits.
    """
    return await views.day(caller, day, staff_id)


@router.get(
    "/calendar/{token}.ics",
    name="calendar_feed",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def calendar_feed(token: str, views: ViewsDep) -> Response:
    """A technician's iCalendar feed (subscribe from Google Calendar).

    Public: the unguessable token in the URL is the only credential (only its hash
    is stored). Unknown or revoked tokens are 404.
    """
    return Response(
        content=await views.feed(token),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.post("", response_model=AppointmentRead, status_code=status.HTTP_201_CREATED)
async def create_appointment(
    body: AppointmentCreate,
    office: ManagerUser,
    client: ClientDep,
    service: AppointmentServiceDep,
) -> AppointmentRead:
    """Office. Book a job; 409 if anyone involved already has an appointment then."""
    return await _read(service, await service.book(body, actor=office, ip=client.ip))


@router.get("", response_model=Page[AppointmentRead])
async def list_appointments(
    caller: CurrentUser,
    service: AppointmentServiceDep,
    page: PageDep,
    staff_id: Annotated[uuid.UUID | None, Query(description="one staff member")] = None,
    date_from: Annotated[date | None, Query(description="first business day")] = None,
    date_to: Annotated[date | None, Query(description="last business day")] = None,
    status_: Annotated[AppointmentStatus | None, Query(alias="status")] = None,
    job_id: Annotated[uuid.UUID | None, Query(description="one job")] = None,
) -> Page[AppointmentRead]:
    """Office: all. A technician: only their own, whatever the filters say."""
    filters = AppointmentFilters(
        staff_id=staff_id,
        date_from=date_from,
        date_to=date_to,
        status=status_,
        job_id=job_id,
    )
    rows, total = await service.list_appointments(
        filters, caller=caller, limit=page.limit, offset=page.offset
    )
    staff = await service.staff_of(rows)
    return Page[AppointmentRead](
        items=[_as_read(a, staff[a.id]) for a in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{appointment_id}", response_model=AppointmentRead)
async def get_appointment(
    appointment_id: uuid.UUID, caller: CurrentUser, service: AppointmentServiceDep
) -> AppointmentRead:
    """Office: any. A technician: only their own (others are 404)."""
    return await _read(service, await service.get(appointment_id, caller=caller))


@router.get("/{appointment_id}/history", response_model=list[StatusChangeRead])
async def get_appointment_history(
    appointment_id: uuid.UUID, caller: CurrentUser, service: AppointmentServiceDep
) -> list[StatusChangeRead]:
    """Every status change, oldest first (same visibility as the appointment)."""
    rows = await service.history(appointment_id, caller=caller)
    return [StatusChangeRead.model_validate(r) for r in rows]


@router.post("/{appointment_id}/move", response_model=AppointmentRead)
async def move_appointment(
    appointment_id: uuid.UUID,
    body: AppointmentMove,
    office: ManagerUser,
    client: ClientDep,
    service: AppointmentServiceDep,
) -> AppointmentRead:
    """Office. Move and/or reassign; 409 on overlap or from a final status."""
    moved = await service.move(appointment_id, body, actor=office, ip=client.ip)
    return await _read(service, moved)


@router.post("/{appointment_id}/status", response_model=AppointmentRead)
async def change_appointment_status(
    appointment_id: uuid.UUID,
    body: AppointmentTransition,
    caller: CurrentUser,
    client: ClientDep,
    service: AppointmentServiceDep,
) -> AppointmentRead:
    """Office: any allowed transition. A technician: en_route, on_site, completed.

    A technician may also record a no_show on their own appointment; illegal moves
    are 409.
    """
    appointment = await service.change_status(
        appointment_id, body, actor=caller, ip=client.ip
    )
    return await _read(service, appointment)

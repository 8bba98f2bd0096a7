"""``/api/v1/appointments``: booking (office), status changes, reading one's own."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

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
from grins_platform.auth.dependencies import CurrentUser, ManagerUser
from grins_platform.core.pagination import Page, PageDep
from grins_platform.db.session import SessionDep

router = APIRouter(prefix="/appointments", tags=["appointments"])


def get_appointment_service(
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


@router.post("", response_model=AppointmentRead, status_code=status.HTTP_201_CREATED)
async def create_appointment(
    body: AppointmentCreate, office: ManagerUser, service: AppointmentServiceDep
) -> AppointmentRead:
    """Office. Book a job; 409 if anyone involved already has an appointment then."""
    return await _read(service, await service.book(body, actor=office))


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
    service: AppointmentServiceDep,
) -> AppointmentRead:
    """Office. Move and/or reassign; 409 on overlap or from a final status."""
    return await _read(service, await service.move(appointment_id, body, actor=office))


@router.post("/{appointment_id}/status", response_model=AppointmentRead)
async def change_appointment_status(
    appointment_id: uuid.UUID,
    body: AppointmentTransition,
    caller: CurrentUser,
    service: AppointmentServiceDep,
) -> AppointmentRead:
    """Office: any allowed transition. A technician: en_route, on_site, completed.

    A technician may also record a no_show on their own appointment; illegal moves
    are 409.
    """
    appointment = await service.change_status(appointment_id, body, actor=caller)
    return await _read(service, appointment)

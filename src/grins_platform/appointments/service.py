"""Appointments: book, move or reassign, change status, read (technicians: own)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.booking import Booker, Slot, arrival_window
from grins_platform.appointments.models import (
    Appointment,
    AppointmentStatus,
    AppointmentStatusChange,
)
from grins_platform.appointments.repository import (
    AppointmentFilters,
    AppointmentRepository,
)
from grins_platform.appointments.schemas import (
    AppointmentCreate,
    AppointmentMove,
    AppointmentTransition,
)
from grins_platform.appointments.workflow import (
    OPEN,
    TECHNICIAN_MAY,
    IllegalAppointmentTransition,
    sync_job,
    transition,
)
from grins_platform.audit.service import Actor, AuditService, changed_only, snapshot
from grins_platform.core.config import Settings
from grins_platform.core.errors import NotFoundError, PermissionDenied
from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.uow import UnitOfWork
from grins_platform.jobs.models import Job
from grins_platform.jobs.workflow import lock_job
from grins_platform.staff.repository import StaffRepository
from grins_platform.users.models import User

A = AppointmentStatus


class AppointmentNotFound(NotFoundError):
    """No such appointment (or not the caller's)."""

    def __init__(self) -> None:
        super().__init__("appointment not found")


class AppointmentService(LoggerMixin):
    """Use cases on appointments; each commits once."""

    DOMAIN = "appointments"

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.uow = UnitOfWork(session)
        self.appointments = AppointmentRepository(session)
        self.staff = StaffRepository(session)
        self.booker = Booker(session, settings.tz, settings.arrival_window_minutes)
        self.audit = AuditService(session)

    async def book(
        self, data: AppointmentCreate, *, actor: User, ip: str | None = None
    ) -> Appointment:
        """Book a job (409 if anyone involved is busy or away then)."""
        duration = data.duration_minutes
        if duration is None:
            duration = (await lock_job(self.session, data.job_id)).estimated_minutes
        slot = Slot(
            job_id=data.job_id,
            staff_id=data.staff_id,
            crew_id=data.crew_id,
            planned_start=data.planned_start,
            planned_end=data.planned_start + timedelta(minutes=max(duration, 5)),
            window_start=data.window_start,
            status=AppointmentStatus(data.status),
            notes=data.notes,
        )
        appointment = await self.booker.book(slot, actor_id=actor.id)
        await self.audit.record(
            Actor.of(actor, ip),
            "appointment.created",
            "appointment",
            appointment.id,
            after=snapshot(appointment),
        )
        await self.uow.commit()
        self.log_completed(
            "book", appointment_id=str(appointment.id), job_id=str(data.job_id)
        )
        return appointment

    async def move(
        self,
        appointment_id: uuid.UUID,
        data: AppointmentMove,
        *,
        actor: User,
        ip: str | None = None,
    ) -> Appointment:
        """Reschedule and/or reassign; a requested reschedule becomes scheduled."""
        appointment, _job = await self._locked(appointment_id)
        before = snapshot(appointment)
        if appointment.status not in OPEN - {A.EN_ROUTE, A.ON_SITE}:
            raise IllegalAppointmentTransition(appointment, A.SCHEDULED)
        if data.staff_id is not None or data.crew_id is not None:
            appointment.staff_id, appointment.crew_id = data.staff_id, data.crew_id
        staff_ids = await self.booker.assignees(
            appointment.staff_id, appointment.crew_id
        )
        length = appointment.planned_end - appointment.planned_start
        if data.duration_minutes is not None:
            length = timedelta(minutes=data.duration_minutes)
        end = data.planned_start + length
        await self.booker.hold(
            staff_ids, data.planned_start, end, exclude=appointment.id
        )
        await self.appointments.set_staff(appointment.id, staff_ids)
        window = arrival_window(
            data.planned_start,
            self.settings.tz,
            self.settings.arrival_window_minutes,
            data.window_start,
        )
        appointment.planned_start, appointment.planned_end = data.planned_start, end
        appointment.window_start, appointment.window_end = window
        appointment.day = data.planned_start.astimezone(self.settings.tz).date()
        appointment.route_order = None
        if appointment.status is A.RESCHEDULE_REQUESTED:
            transition(
                self.session,
                appointment,
                A.SCHEDULED,
                actor_id=actor.id,
                reason=data.reason or "moved",
            )
        old, new = changed_only(before, snapshot(appointment))
        await self.audit.record(
            Actor.of(actor, ip),
            "appointment.moved",
            "appointment",
            appointment.id,
            before=old,
            after=new,
        )
        await self.uow.commit()
        self.log_completed("move", appointment_id=str(appointment.id))
        return appointment

    async def change_status(
        self,
        appointment_id: uuid.UUID,
        data: AppointmentTransition,
        *,
        actor: User,
        ip: str | None = None,
    ) -> Appointment:
        """Apply one status transition and keep the job in step."""
        appointment, job = await self._locked(appointment_id)
        if not actor.is_manager:
            await self._ensure_own(appointment, actor)
            if data.status not in TECHNICIAN_MAY:
                raise PermissionDenied(
                    f"a technician may not set an appointment to {data.status.value}"
                )
        previous = appointment.status
        transition(
            self.session,
            appointment,
            data.status,
            actor_id=actor.id,
            reason=data.reason,
        )
        await self.audit.record(
            Actor.of(actor, ip),
            "appointment.status_changed",
            "appointment",
            appointment.id,
            before={"status": previous.value},
            after={"status": data.status.value, "reason": data.reason},
        )
        others = await self.appointments.count_other_open(
            appointment.job_id, appointment.id
        )
        sync_job(self.session, job, data.status, others_open=others, actor_id=actor.id)
        await self.uow.commit()
        self.log_completed(
            "change_status",
            appointment_id=str(appointment.id),
            status=data.status.value,
        )
        return appointment

    async def get(self, appointment_id: uuid.UUID, *, caller: User) -> Appointment:
        """One appointment; a technician only their own (others → 404)."""
        appointment = await self.appointments.get(appointment_id)
        if appointment is None:
            raise AppointmentNotFound
        if not caller.is_manager:
            await self._ensure_own(appointment, caller)
        return appointment

    async def history(
        self, appointment_id: uuid.UUID, *, caller: User
    ) -> Sequence[AppointmentStatusChange]:
        """Status history (same visibility as the appointment)."""
        await self.get(appointment_id, caller=caller)
        return await self.appointments.history(appointment_id)

    async def list_appointments(
        self, filters: AppointmentFilters, *, caller: User, limit: int, offset: int
    ) -> tuple[Sequence[Appointment], int]:
        """A page of appointments; technicians always get only their own."""
        if not caller.is_manager:
            own = await self.staff.get_by_user(caller.id)
            if own is None:
                return [], 0
            filters = AppointmentFilters(
                staff_id=own.id,
                date_from=filters.date_from,
                date_to=filters.date_to,
                status=filters.status,
                job_id=filters.job_id,
            )
        return await self.appointments.list_filtered(
            filters, limit=limit, offset=offset
        )

    async def staff_of(
        self, appointments: Sequence[Appointment]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Everyone each appointment occupies."""
        return await self.appointments.staff_of_many([a.id for a in appointments])

    async def _locked(self, appointment_id: uuid.UUID) -> tuple[Appointment, Job]:
        """Lock the job first, then the appointment (the platform's lock order)."""
        plain = await self.appointments.get(appointment_id)
        if plain is None:
            raise AppointmentNotFound
        job = await lock_job(self.session, plain.job_id)
        await self.session.refresh(plain, with_for_update=True)
        return plain, job

    async def _ensure_own(self, appointment: Appointment, caller: User) -> None:
        own = await self.staff.get_by_user(caller.id)
        if own is None or own.id not in await self.appointments.staff_ids_of(
            appointment.id
        ):
            raise AppointmentNotFound

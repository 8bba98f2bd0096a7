"""Booking time for staff without double-booking anyone.

The guarantee lives in PostgreSQL and needs no extension: in the booking transaction
the rows of every staff member involved are locked ``SELECT ... FOR UPDATE`` (in id
order, so two bookings of a crew cannot deadlock), then the overlap check runs, then
the row is inserted. A second transaction booking any of those staff waits for the
lock, and by the time it checks, the first booking is committed and visible (READ
COMMITTED takes a fresh snapshot per statement), so it sees the overlap and fails.
Locks are always taken jobs first, then staff.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.models import (
    Appointment,
    AppointmentStaff,
    AppointmentStatus,
)
from grins_platform.appointments.repository import AppointmentRepository
from grins_platform.appointments.workflow import history_row, sync_job
from grins_platform.core.errors import ConflictError, ValidationFailed
from grins_platform.jobs.models import Job, JobStatus
from grins_platform.jobs.workflow import lock_job
from grins_platform.staff.repository import (
    CrewRepository,
    StaffRepository,
    TimeOffRepository,
)


class AppointmentOverlap(ConflictError):
    """A staff member already has a live appointment at that time (409)."""

    def __init__(self, conflicting_id: uuid.UUID) -> None:
        super().__init__(
            "a staff member already has an appointment at that time",
            conflicting_appointment_id=str(conflicting_id),
        )


class StaffUnavailable(ConflictError):
    """A staff member is on time off that day (409)."""

    def __init__(self, staff_id: uuid.UUID) -> None:
        super().__init__(
            "a staff member is on time off that day", staff_id=str(staff_id)
        )


class JobNotBookable(ConflictError):
    """Only approved (or already scheduled) jobs get appointments (409)."""

    def __init__(self, job: Job) -> None:
        super().__init__(
            f"a {job.status.value} job cannot be booked; approve it first"
            if job.status is JobStatus.REQUESTED
            else f"a {job.status.value} job cannot be booked",
            job_status=job.status.value,
        )


@dataclass(frozen=True, slots=True)
class Slot:
    """What to book: a job, for one staff member or one crew, at a time."""

    job_id: uuid.UUID
    planned_start: datetime
    planned_end: datetime
    staff_id: uuid.UUID | None = None
    crew_id: uuid.UUID | None = None
    window_start: datetime | None = None
    route_order: int | None = None
    travel_minutes: int = 0
    status: AppointmentStatus = AppointmentStatus.SCHEDULED
    proposal_id: uuid.UUID | None = None
    notes: str | None = None


def arrival_window(
    planned_start: datetime, tz: ZoneInfo, minutes: int, start: datetime | None = None
) -> tuple[datetime, datetime]:
    """The promised window: from the hour of arrival (business time) for ``minutes``."""
    begin = start or planned_start.astimezone(tz).replace(
        minute=0, second=0, microsecond=0
    )
    return begin, begin + timedelta(minutes=minutes)


class Booker:
    """Books, moves and frees staff time inside the caller's transaction.

    Never commits: the use case (a single booking, or applying a whole proposal)
    commits once.
    """

    def __init__(
        self, session: AsyncSession, tz: ZoneInfo, window_minutes: int
    ) -> None:
        self.session = session
        self.tz = tz
        self.window_minutes = window_minutes
        self.appointments = AppointmentRepository(session)
        self.staff = StaffRepository(session)
        self.crews = CrewRepository(session)
        self.time_off = TimeOffRepository(session)

    async def book(self, slot: Slot, *, actor_id: uuid.UUID | None) -> Appointment:
        """Lock the job and the staff, check for overlap, insert, move the job."""
        job = await lock_job(self.session, slot.job_id)
        if job.status not in {JobStatus.APPROVED, JobStatus.SCHEDULED}:
            raise JobNotBookable(job)
        staff_ids = await self.assignees(slot.staff_id, slot.crew_id)
        await self.hold(staff_ids, slot.planned_start, slot.planned_end, exclude=None)
        window = arrival_window(
            slot.planned_start, self.tz, self.window_minutes, slot.window_start
        )
        appointment = Appointment(
            job_id=job.id,
            staff_id=slot.staff_id,
            crew_id=slot.crew_id,
            day=slot.planned_start.astimezone(self.tz).date(),
            window_start=window[0],
            window_end=window[1],
            planned_start=slot.planned_start,
            planned_end=slot.planned_end,
            route_order=slot.route_order,
            travel_minutes=slot.travel_minutes,
            status=slot.status,
            proposal_id=slot.proposal_id,
            notes=slot.notes,
            created_by_id=actor_id,
        )
        await self.appointments.add(appointment)
        self.session.add_all(
            [
                AppointmentStaff(appointment_id=appointment.id, staff_id=s)
                for s in staff_ids
            ]
        )
        self.session.add(history_row(appointment, None, actor_id=actor_id, reason=None))
        others = await self.appointments.count_other_open(job.id, appointment.id)
        sync_job(self.session, job, slot.status, others_open=others, actor_id=actor_id)
        await self.session.flush()
        return appointment

    async def assignees(
        self, staff_id: uuid.UUID | None, crew_id: uuid.UUID | None
    ) -> list[uuid.UUID]:
        """The staff a booking occupies: the one member, or every crew member."""
        if staff_id is not None:
            return [staff_id]
        assert crew_id is not None  # noqa: S101 - schemas require one of them
        crew = await self.crews.get(crew_id)
        if crew is None or not crew.is_active:
            raise ValidationFailed("crew_id", "no such active crew")
        return await self.crews.member_ids(crew_id)

    async def hold(
        self,
        staff_ids: list[uuid.UUID],
        start: datetime,
        end: datetime,
        *,
        exclude: uuid.UUID | None,
    ) -> None:
        """Lock the staff rows, then refuse overlap and time off (409)."""
        locked = await self.staff.lock_many(staff_ids)
        found = {member.id for member in locked if member.is_active}
        missing = [s for s in staff_ids if s not in found]
        if missing:
            raise ValidationFailed(
                "staff_id", f"no such active staff member {missing[0]}"
            )
        day = start.astimezone(self.tz).date()
        away = await self.time_off.overlapping(staff_ids, day, day)
        if away:
            raise StaffUnavailable(away[0].staff_id)
        conflict = await self.appointments.first_overlap(
            staff_ids, start, end, exclude=exclude
        )
        if conflict is not None:
            raise AppointmentOverlap(conflict)

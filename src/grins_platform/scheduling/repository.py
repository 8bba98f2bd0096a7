"""SQL for schedule generation: the inputs of a solve, and the stored proposals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from grins_platform.appointments.models import Appointment, AppointmentStaff
from grins_platform.appointments.workflow import BLOCKING
from grins_platform.db.repository import Repository
from grins_platform.jobs.models import Job, JobStatus
from grins_platform.properties.models import Property
from grins_platform.requests.models import ServiceRequest
from grins_platform.scheduling.models import ProposalStatus, ScheduleProposal
from grins_platform.staff.models import Crew, CrewMember, StaffMember, StaffTimeOff


@dataclass(frozen=True, slots=True)
class JobInput:
    """An approved job with where it is and what the customer asked for."""

    job: Job
    city: str
    latitude: float | None
    longitude: float | None
    preferred_time: str | None


@dataclass(frozen=True, slots=True)
class FixedVisit:
    """An existing live appointment: blocked time of each staff member on it."""

    appointment_id: uuid.UUID
    staff_id: uuid.UUID
    start: datetime
    end: datetime
    latitude: float | None
    longitude: float | None
    city: str
    stamp: str


class ScheduleRepository(Repository[ScheduleProposal]):
    """Reads the inputs of a solve; stores proposals (never commits)."""

    model = ScheduleProposal

    async def active_staff(self) -> Sequence[StaffMember]:
        """Every active staff member by id."""
        result = await self.session.execute(
            select(StaffMember)
            .where(StaffMember.is_active.is_(True))
            .order_by(StaffMember.id)
        )
        rows: Sequence[StaffMember] = result.scalars().all()
        return rows

    async def staff_by_ids(self, ids: Sequence[uuid.UUID]) -> Sequence[StaffMember]:
        """These staff members (active or not) by id."""
        result = await self.session.execute(
            select(StaffMember).where(StaffMember.id.in_(ids)).order_by(StaffMember.id)
        )
        rows: Sequence[StaffMember] = result.scalars().all()
        return rows

    async def time_off(self, start: date, end: date) -> Sequence[StaffTimeOff]:
        """Every stretch of time off touching ``start``..``end``."""
        result = await self.session.execute(
            select(StaffTimeOff).where(
                StaffTimeOff.start_date <= end, StaffTimeOff.end_date >= start
            )
        )
        rows: Sequence[StaffTimeOff] = result.scalars().all()
        return rows

    async def crews_with_members(
        self, ids: Sequence[uuid.UUID] | None = None
    ) -> list[tuple[Crew, list[uuid.UUID]]]:
        """Active crews (or these crews) by name, with sorted member ids."""
        stmt = select(Crew).order_by(Crew.name, Crew.id)
        stmt = (
            stmt.where(Crew.is_active.is_(True))
            if ids is None
            else stmt.where(Crew.id.in_(ids))
        )
        crews = list((await self.session.execute(stmt)).scalars().all())
        pairs = await self.session.execute(
            select(CrewMember.crew_id, CrewMember.staff_id)
            .where(CrewMember.crew_id.in_([c.id for c in crews]))
            .order_by(CrewMember.staff_id)
        )
        members: dict[uuid.UUID, list[uuid.UUID]] = {c.id: [] for c in crews}
        for crew_id, staff_id in pairs.all():
            members[crew_id].append(staff_id)
        return [(crew, members[crew.id]) for crew in crews]

    async def approved_jobs(
        self, end: date, ids: Sequence[uuid.UUID] | None = None
    ) -> list[JobInput]:
        """Approved, unbooked jobs due by ``end`` (target week not later), or these."""
        stmt = (
            select(Job, Property, ServiceRequest.preferred_time)
            .join(Property, Property.id == Job.property_id)
            .outerjoin(ServiceRequest, ServiceRequest.id == Job.request_id)
            .order_by(Job.priority.desc(), Job.target_week, Job.created_at, Job.id)
        )
        if ids is None:
            booked = select(Appointment.id).where(
                Appointment.job_id == Job.id, Appointment.status.in_(BLOCKING)
            )
            stmt = stmt.where(
                Job.status == JobStatus.APPROVED,
                (Job.target_week.is_(None)) | (Job.target_week <= end),
                ~booked.exists(),
            )
        else:
            stmt = stmt.where(Job.id.in_(ids))
        rows = (await self.session.execute(stmt)).all()
        return [
            JobInput(job, prop.city, prop.latitude, prop.longitude, preferred)
            for job, prop, preferred in rows
        ]

    async def fixed_visits(
        self, staff_ids: Sequence[uuid.UUID], start: date, end: date
    ) -> list[FixedVisit]:
        """Live appointments of these staff on business days ``start``..``end``."""
        stmt = (
            select(Appointment, AppointmentStaff.staff_id, Property)
            .join(AppointmentStaff, AppointmentStaff.appointment_id == Appointment.id)
            .join(Job, Job.id == Appointment.job_id)
            .join(Property, Property.id == Job.property_id)
            .where(
                AppointmentStaff.staff_id.in_(staff_ids),
                Appointment.status.in_(BLOCKING),
                Appointment.day >= start,
                Appointment.day <= end,
            )
            .order_by(
                Appointment.planned_start, Appointment.id, AppointmentStaff.staff_id
            )
        )
        rows = (await self.session.execute(stmt)).all()
        return [
            FixedVisit(
                appointment_id=appt.id,
                staff_id=staff_id,
                start=appt.planned_start,
                end=appt.planned_end,
                latitude=prop.latitude,
                longitude=prop.longitude,
                city=prop.city,
                stamp=f"{appt.status.value}|{appt.updated_at.isoformat()}",
            )
            for appt, staff_id, prop in rows
        ]

    async def list_recent(
        self, status: ProposalStatus | None, *, limit: int, offset: int
    ) -> tuple[Sequence[ScheduleProposal], int]:
        """Proposals, newest first."""
        stmt: Any = select(ScheduleProposal).order_by(
            ScheduleProposal.created_at.desc(), ScheduleProposal.id
        )
        if status is not None:
            stmt = stmt.where(ScheduleProposal.status == status)
        return await self.page(stmt, limit=limit, offset=offset), await self.count(stmt)

    async def booked_minutes_by_day(self, start: date, end: date) -> dict[date, int]:
        """Staff-minutes held by live appointments per day (per crew member)."""
        minutes = (
            func.sum(
                func.extract(
                    "epoch", Appointment.planned_end - Appointment.planned_start
                )
            )
            / 60
        )
        stmt = (
            select(Appointment.day, minutes)
            .join(AppointmentStaff, AppointmentStaff.appointment_id == Appointment.id)
            .join(StaffMember, StaffMember.id == AppointmentStaff.staff_id)
            .where(
                Appointment.status.in_(BLOCKING),
                Appointment.day >= start,
                Appointment.day <= end,
                StaffMember.is_active.is_(True),
            )
            .group_by(Appointment.day)
        )
        return {
            day: round(float(total))
            for day, total in (await self.session.execute(stmt)).all()
        }

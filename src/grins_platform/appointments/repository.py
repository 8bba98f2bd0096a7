"""SQL for appointments, the staff they occupy and their history."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select

from grins_platform.appointments.models import (
    Appointment,
    AppointmentStaff,
    AppointmentStatus,
    AppointmentStatusChange,
)
from grins_platform.appointments.workflow import BLOCKING, OPEN
from grins_platform.catalog.models import Offering
from grins_platform.customers.models import Customer
from grins_platform.db.repository import Repository
from grins_platform.jobs.models import Job, JobStatus
from grins_platform.properties.models import Property


@dataclass(frozen=True, slots=True)
class AppointmentFilters:
    """What to list: one staff member's, a date range (business days), a status."""

    staff_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: AppointmentStatus | None = None
    job_id: uuid.UUID | None = None


class AppointmentRepository(Repository[Appointment]):
    """Appointments."""

    model = Appointment

    async def first_overlap(
        self,
        staff_ids: Collection[uuid.UUID],
        start: datetime,
        end: datetime,
        *,
        exclude: uuid.UUID | None = None,
    ) -> uuid.UUID | None:
        """A live appointment of any of these staff overlapping ``[start, end)``."""
        stmt = (
            select(Appointment.id)
            .join(AppointmentStaff, AppointmentStaff.appointment_id == Appointment.id)
            .where(
                AppointmentStaff.staff_id.in_(list(staff_ids)),
                Appointment.status.in_(BLOCKING),
                Appointment.planned_start < end,
                Appointment.planned_end > start,
            )
            .order_by(Appointment.planned_start)
            .limit(1)
        )
        if exclude is not None:
            stmt = stmt.where(Appointment.id != exclude)
        found: uuid.UUID | None = await self.session.scalar(stmt)
        return found

    async def staff_ids_of(self, appointment_id: uuid.UUID) -> list[uuid.UUID]:
        """The staff an appointment occupies."""
        rows = await self.session.scalars(
            select(AppointmentStaff.staff_id)
            .where(AppointmentStaff.appointment_id == appointment_id)
            .order_by(AppointmentStaff.staff_id)
        )
        return list(rows)

    async def staff_of_many(
        self, appointment_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """The staff of each appointment."""
        result = await self.session.execute(
            select(AppointmentStaff.appointment_id, AppointmentStaff.staff_id)
            .where(AppointmentStaff.appointment_id.in_(appointment_ids))
            .order_by(AppointmentStaff.staff_id)
        )
        out: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in appointment_ids}
        for appointment_id, staff_id in result.all():
            out[appointment_id].append(staff_id)
        return out

    async def set_staff(
        self, appointment_id: uuid.UUID, staff_ids: Sequence[uuid.UUID]
    ) -> None:
        """Replace the staff an appointment occupies."""
        for row in await self.session.scalars(
            select(AppointmentStaff).where(
                AppointmentStaff.appointment_id == appointment_id
            )
        ):
            await self.session.delete(row)
        await self.session.flush()
        self.session.add_all(
            [
                AppointmentStaff(appointment_id=appointment_id, staff_id=s)
                for s in staff_ids
            ]
        )
        await self.session.flush()

    async def count_other_open(
        self, job_id: uuid.UUID, exclude: uuid.UUID | None
    ) -> int:
        """The job's open appointments other than ``exclude``."""
        stmt = select(func.count()).where(
            Appointment.job_id == job_id, Appointment.status.in_(OPEN)
        )
        if exclude is not None:
            stmt = stmt.where(Appointment.id != exclude)
        return int(await self.session.scalar(stmt) or 0)

    def _filtered(self, filters: AppointmentFilters) -> Select[Any]:
        stmt = select(Appointment)
        if filters.staff_id is not None:
            stmt = stmt.where(
                Appointment.id.in_(
                    select(AppointmentStaff.appointment_id).where(
                        AppointmentStaff.staff_id == filters.staff_id
                    )
                )
            )
        if filters.date_from is not None:
            stmt = stmt.where(Appointment.day >= filters.date_from)
        if filters.date_to is not None:
            stmt = stmt.where(Appointment.day <= filters.date_to)
        if filters.status is not None:
            stmt = stmt.where(Appointment.status == filters.status)
        if filters.job_id is not None:
            stmt = stmt.where(Appointment.job_id == filters.job_id)
        return stmt.order_by(Appointment.planned_start, Appointment.id)

    async def list_filtered(
        self, filters: AppointmentFilters, *, limit: int, offset: int
    ) -> tuple[Sequence[Appointment], int]:
        """A page of appointments by planned start, and the total."""
        stmt = self._filtered(filters)
        return await self.page(stmt, limit=limit, offset=offset), await self.count(stmt)

    async def list_all(self, filters: AppointmentFilters) -> Sequence[Appointment]:
        """Every appointment matching ``filters`` by planned start (no paging)."""
        result = await self.session.execute(self._filtered(filters))
        rows: Sequence[Appointment] = result.scalars().all()
        return rows

    async def history(
        self, appointment_id: uuid.UUID
    ) -> Sequence[AppointmentStatusChange]:
        """Status changes, oldest first."""
        result = await self.session.execute(
            select(AppointmentStatusChange)
            .where(AppointmentStatusChange.appointment_id == appointment_id)
            .order_by(AppointmentStatusChange.changed_at, AppointmentStatusChange.id)
        )
        return result.scalars().all()


@dataclass(frozen=True, slots=True)
class Visit:
    """An appointment with everything its job card shows."""

    appointment: Appointment
    job: Job
    prop: Property
    customer: Customer
    offering_name: str | None


class VisitRepository(Repository[Appointment]):
    """Reads for the technician's day and calendar feed."""

    model = Appointment

    async def visits(
        self, staff_id: uuid.UUID, first: date, last: date, *, live_only: bool
    ) -> list[Visit]:
        """A staff member's appointments on business days ``first``..``last``."""
        stmt = (
            select(Appointment, Job, Property, Customer, Offering.name)
            .join(AppointmentStaff, AppointmentStaff.appointment_id == Appointment.id)
            .join(Job, Job.id == Appointment.job_id)
            .join(Property, Property.id == Job.property_id)
            .join(Customer, Customer.id == Job.customer_id)
            .outerjoin(Offering, Offering.id == Job.offering_id)
            .where(
                AppointmentStaff.staff_id == staff_id,
                Appointment.day >= first,
                Appointment.day <= last,
            )
            .order_by(Appointment.planned_start, Appointment.id)
        )
        if live_only:
            stmt = stmt.where(Appointment.status.in_(BLOCKING))
        rows = (await self.session.execute(stmt)).all()
        return [Visit(a, j, p, c, name) for a, j, p, c, name in rows]

    async def history(
        self, property_ids: Collection[uuid.UUID], *, per_property: int = 5
    ) -> dict[uuid.UUID, list[Job]]:
        """Finished jobs at each property, newest first."""
        result = await self.session.execute(
            select(Job)
            .where(
                Job.property_id.in_(list(property_ids)),
                Job.status.in_([JobStatus.COMPLETED, JobStatus.CLOSED]),
            )
            .order_by(Job.completed_at.desc().nulls_last(), Job.id)
        )
        out: dict[uuid.UUID, list[Job]] = {pid: [] for pid in property_ids}
        for job in result.scalars().all():
            if len(out[job.property_id]) < per_property:
                out[job.property_id].append(job)
        return out

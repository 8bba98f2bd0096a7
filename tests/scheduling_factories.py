"""Builders for staff, scheduling and appointment tests (rows inserted via the ORM).

Kept apart from ``tests/factories.py`` so the customer and job builders other domains
add there can land independently; these insert only what scheduling needs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.models import (
    Appointment,
    AppointmentStaff,
    AppointmentStatus,
)
from grins_platform.catalog.models import Equipment, Skill
from grins_platform.customers.models import Customer
from grins_platform.jobs.models import Job, JobCategory, JobSource, JobStatus
from grins_platform.properties.models import Property
from grins_platform.requests.models import RequestSource, RequestStatus, ServiceRequest
from grins_platform.staff.models import Crew, CrewMember, StaffMember
from tests.factories import fake

WEEKDAY_HOURS = {
    day: {"start": "08:00:00", "end": "17:00:00"}
    for day in ("mon", "tue", "wed", "thu", "fri")
}
EDEN_PRAIRIE = (44.8547, -93.4708)
PLYMOUTH = (45.0105, -93.4555)


async def ensure_codes(
    session: AsyncSession,
    *,
    skills: tuple[str, ...] = (),
    equipment: tuple[str, ...] = (),
) -> None:
    """Make sure these skill and equipment codes exist in the vocabularies."""
    for code in skills:
        if await session.get(Skill, code) is None:
            session.add(Skill(code=code, name=code.replace("_", " ")))
    for code in equipment:
        if await session.get(Equipment, code) is None:
            session.add(Equipment(code=code, name=code.replace("_", " ")))
    await session.flush()


async def make_staff(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    name: str | None = None,
    skills: list[str] | None = None,
    equipment: list[str] | None = None,
    home: tuple[float, float] = EDEN_PRAIRIE,
    hours: dict[str, Any] | None = None,
    lunch: tuple[time, time, int] | None = (time(11, 0), time(13, 0), 30),
    active: bool = True,
) -> StaffMember:
    """A saved staff member working Mon-Fri 08-17 with a 30-minute lunch."""
    await ensure_codes(
        session, skills=tuple(skills or ()), equipment=tuple(equipment or ())
    )
    member = StaffMember(
        user_id=user_id,
        name=name or fake.name(),
        title="Technician",
        skills=skills or [],
        equipment=equipment or [],
        home_address="Home base",
        home_latitude=home[0],
        home_longitude=home[1],
        working_hours=WEEKDAY_HOURS if hours is None else hours,
        lunch_start=lunch[0] if lunch else None,
        lunch_end=lunch[1] if lunch else None,
        lunch_minutes=lunch[2] if lunch else 0,
        hourly_cost_cents=3500,
        is_active=active,
    )
    session.add(member)
    await session.flush()
    return member


async def make_crew(
    session: AsyncSession, members: list[StaffMember], name: str | None = None
) -> Crew:
    """A saved crew of these members."""
    crew = Crew(name=name or f"Crew {fake.unique.word()}")
    session.add(crew)
    await session.flush()
    session.add_all([CrewMember(crew_id=crew.id, staff_id=m.id) for m in members])
    await session.flush()
    return crew


async def make_site(
    session: AsyncSession,
    *,
    city: str = "Eden Prairie",
    at: tuple[float, float] | None = None,
    gate_code: str | None = None,
) -> Property:
    """A saved customer with one primary property (near Eden Prairie by default)."""
    if at is None:
        at = (
            EDEN_PRAIRIE[0] + fake.pyfloat(min_value=-0.03, max_value=0.03),
            EDEN_PRAIRIE[1] + fake.pyfloat(min_value=-0.03, max_value=0.03),
        )
    customer = Customer(name=fake.name(), phone=None, email=None)
    session.add(customer)
    await session.flush()
    prop = Property(
        customer_id=customer.id,
        is_primary=True,
        address=fake.street_address(),
        city=city,
        zip_code="55344",
        latitude=at[0],
        longitude=at[1],
        zone_count=6,
        gate_code=gate_code,
        lockbox_code="4321" if gate_code else None,
        has_dogs=True,
        access_instructions="Side gate",
    )
    session.add(prop)
    await session.flush()
    return prop


async def make_job(
    session: AsyncSession,
    *,
    site: Property | None = None,
    status: JobStatus = JobStatus.APPROVED,
    minutes: int = 60,
    skills: list[str] | None = None,
    equipment: list[str] | None = None,
    staff_needed: int = 1,
    target_week: date | None = None,
    priority: int = 1,
    title: str = "Spring start-up",
    preferred_time: str | None = None,
) -> Job:
    """A saved job (approved by default) at ``site`` (a new one if omitted)."""
    site = site or await make_site(session)
    await ensure_codes(
        session, skills=tuple(skills or ()), equipment=tuple(equipment or ())
    )
    request_id = None
    if preferred_time is not None:
        request = ServiceRequest(
            status=RequestStatus.CONVERTED,
            source=RequestSource.PHONE,
            name="Caller",
            preferred_time=preferred_time,
            customer_id=site.customer_id,
        )
        session.add(request)
        await session.flush()
        request_id = request.id
    job = Job(
        request_id=request_id,
        customer_id=site.customer_id,
        property_id=site.id,
        title=title,
        description="Turn the system on and check every zone",
        category=JobCategory.READY_TO_SCHEDULE,
        status=status,
        source=JobSource.STAFF,
        zone_count=6,
        quoted_price_cents=11000,
        estimated_minutes=minutes,
        target_week=target_week,
        priority=priority,
        staff_needed=staff_needed,
        required_skills=skills or [],
        required_equipment=equipment or [],
    )
    session.add(job)
    await session.flush()
    return job


async def make_appointment(
    session: AsyncSession,
    job: Job,
    staff: StaffMember,
    start: datetime,
    end: datetime,
    *,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
    day: date | None = None,
) -> Appointment:
    """A saved appointment inserted directly (no overlap check: for fixtures)."""
    appointment = Appointment(
        job_id=job.id,
        staff_id=staff.id,
        day=day or start.date(),
        window_start=start,
        window_end=end,
        planned_start=start,
        planned_end=end,
        status=status,
    )
    session.add(appointment)
    await session.flush()
    session.add(AppointmentStaff(appointment_id=appointment.id, staff_id=staff.id))
    await session.flush()
    return appointment


async def job_status(session: AsyncSession, job_id: uuid.UUID) -> JobStatus:
    """The job's status as stored now."""
    value = await session.scalar(
        select(Job.status)
        .where(Job.id == job_id)
        .execution_options(populate_existing=True)
    )
    assert value is not None
    return value


def utc(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    """A UTC datetime."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC)

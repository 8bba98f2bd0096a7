"""The technician rule behind customer/property visibility and access codes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.access import (
    has_visit_today,
    technician_customer_ids,
    technician_property_ids,
)
from grins_platform.appointments.models import AppointmentStatus
from grins_platform.customers.models import Customer
from grins_platform.jobs.models import JobStatus
from grins_platform.properties.models import Property
from grins_platform.users.models import Role
from tests.factories import make_user
from tests.scheduling_factories import make_appointment, make_job, make_site, make_staff

pytestmark = pytest.mark.integration
CHICAGO = ZoneInfo("America/Chicago")


async def test_technician_sees_only_their_appointments_sites(
    session: AsyncSession,
) -> None:
    tech = await make_user(session, role=Role.TECHNICIAN)
    mine = await make_staff(session, user_id=tech.id)
    other = await make_staff(session)
    today = datetime.now(UTC).astimezone(CHICAGO).date()
    start = datetime.combine(today, time(9), CHICAGO)
    visited, cancelled, foreign = [await make_site(session) for _ in range(3)]
    for site, who, status in (
        (visited, mine, AppointmentStatus.SCHEDULED),
        (cancelled, mine, AppointmentStatus.CANCELLED),
        (foreign, other, AppointmentStatus.SCHEDULED),
    ):
        job = await make_job(session, site=site, status=JobStatus.SCHEDULED)
        await make_appointment(
            session,
            job,
            who,
            start,
            start + timedelta(hours=1),
            status=status,
            day=today,
        )
    customers = set(
        await session.scalars(
            select(Customer.id).where(Customer.id.in_(technician_customer_ids(tech)))
        )
    )
    properties = set(
        await session.scalars(
            select(Property.id).where(Property.id.in_(technician_property_ids(tech)))
        )
    )
    assert customers == {visited.customer_id}
    assert properties == {visited.id}
    assert await has_visit_today(session, tech, visited.id, CHICAGO)
    assert not await has_visit_today(session, tech, cancelled.id, CHICAGO)
    assert not await has_visit_today(session, tech, foreign.id, CHICAGO)

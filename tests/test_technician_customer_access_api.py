"""A technician sees the customers and properties of their own appointments, and
the access codes only on the day of the visit (``customers/access.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.models import AppointmentStatus
from grins_platform.jobs.models import JobStatus
from grins_platform.properties.models import Property
from grins_platform.staff.models import StaffMember
from grins_platform.users.models import Role
from tests.factories import logged_in
from tests.scheduling_factories import make_appointment, make_job, make_site, make_staff

pytestmark = pytest.mark.api
CHICAGO = ZoneInfo("America/Chicago")


def _today() -> date:
    return datetime.now(UTC).astimezone(CHICAGO).date()


async def _visit(
    session: AsyncSession,
    member: StaffMember,
    day: date,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
) -> Property:
    site = await make_site(session, gate_code="2468")
    job = await make_job(session, site=site, status=JobStatus.SCHEDULED)
    start = datetime.combine(day, time(10), CHICAGO)
    await make_appointment(
        session, job, member, start, start + timedelta(hours=1), status=status, day=day
    )
    return site


async def test_customers_and_codes_follow_the_technicians_appointments(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    tech = await logged_in(app_client, session, Role.TECHNICIAN)
    member = await make_staff(session, user_id=tech.user.id)
    today = await _visit(session, member, _today())
    later = await _visit(session, member, _today() + timedelta(days=3))
    cancelled = await _visit(
        session, member, _today(), status=AppointmentStatus.CANCELLED
    )
    foreign = await _visit(session, await make_staff(session), _today())
    listed = await app_client.get("/api/v1/customers", headers=tech.headers)
    assert {c["id"] for c in listed.json()["items"]} == {
        str(today.customer_id),
        str(later.customer_id),
    }
    shown = await app_client.get(f"/api/v1/properties/{today.id}", headers=tech.headers)
    assert shown.status_code == 200
    assert shown.json()["gate_code"] == "2468"
    withheld = await app_client.get(
        f"/api/v1/properties/{later.id}", headers=tech.headers
    )
    assert withheld.status_code == 200
    assert withheld.json()["gate_code"] is None
    assert withheld.json()["has_gate_code"] is True
    for hidden in (cancelled, foreign):
        response = await app_client.get(
            f"/api/v1/customers/{hidden.customer_id}", headers=tech.headers
        )
        assert response.status_code == 404
        prop = await app_client.get(
            f"/api/v1/properties/{hidden.id}", headers=tech.headers
        )
        assert prop.status_code == 404

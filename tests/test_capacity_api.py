"""``/api/v1/schedule/capacity``: free hours per day and "booked out until"."""

from __future__ import annotations

from datetime import date

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.jobs.models import JobStatus
from grins_platform.staff.models import StaffTimeOff
from grins_platform.users.models import Role
from tests.factories import logged_in
from tests.scheduling_factories import make_appointment, make_job, make_staff, utc

pytestmark = pytest.mark.api
CAPACITY = "/api/v1/schedule/capacity"


async def test_free_hours_and_booked_out_until(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    manager = await logged_in(app_client, session, Role.MANAGER)
    a = await make_staff(session)
    b = await make_staff(session)
    session.add(
        StaffTimeOff(
            staff_id=b.id, start_date=date(2026, 12, 8), end_date=date(2026, 12, 8)
        )
    )
    for day in (7, 8):
        job = await make_job(session, status=JobStatus.SCHEDULED)
        await make_appointment(
            session, job, a, utc(2026, 12, day, 14), utc(2026, 12, day, 22, 30)
        )
    job = await make_job(session, status=JobStatus.SCHEDULED)
    await make_appointment(
        session, job, b, utc(2026, 12, 7, 14), utc(2026, 12, 7, 22, 30)
    )
    response = await app_client.get(
        CAPACITY, headers=manager.headers, params={"start": "2026-12-07", "weeks": 1}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    days = {d["day"]: d for d in body["days"]}
    assert len(days) == 7
    assert days["2026-12-07"]["available_hours"] == 17.0
    assert days["2026-12-07"]["free_hours"] == 0.0
    assert days["2026-12-08"]["staff_working"] == 1
    assert days["2026-12-08"]["free_hours"] == 0.0
    assert days["2026-12-09"]["free_hours"] == 17.0
    assert days["2026-12-12"]["available_hours"] == 0.0
    assert body["booked_out_until"] == "2026-12-08"
    assert body["first_open_day"] == "2026-12-09"
    default = await app_client.get(CAPACITY, headers=manager.headers)
    assert len(default.json()["days"]) == 56


async def test_capacity_is_for_the_office(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    tech = await logged_in(app_client, session, Role.TECHNICIAN)
    manager = await logged_in(app_client, session, Role.MANAGER)
    assert (await app_client.get(CAPACITY)).status_code == 401
    assert (await app_client.get(CAPACITY, headers=tech.headers)).status_code == 403
    bad = await app_client.get(CAPACITY, headers=manager.headers, params={"weeks": 0})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "weeks"
    empty = await app_client.get(
        CAPACITY, headers=manager.headers, params={"start": "2026-12-07", "weeks": 1}
    )
    assert empty.json()["booked_out_until"] is None
    assert empty.json()["first_open_day"] is None

"""A peak week as a new user would run it: 60 approved jobs, five technicians.

Proposal generated, two items locked, re-solved (locks kept), applied (60 bookings,
nobody overlapping), then one technician's day and calendar feed.
"""

from __future__ import annotations

import logging
from datetime import date
from itertools import pairwise

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.models import Appointment, AppointmentStaff
from grins_platform.staff.models import StaffMember
from grins_platform.users.models import Role
from tests.conftest import remember_secret
from tests.factories import fake, logged_in, login, make_user
from tests.scheduling_factories import make_job, make_site, make_staff

pytestmark = pytest.mark.integration
CITIES = {
    "Eden Prairie": (44.8547, -93.4708),
    "Plymouth": (45.0105, -93.4555),
    "Maple Grove": (45.0725, -93.4558),
    "Brooklyn Park": (45.0941, -93.3563),
    "Rogers": (45.1889, -93.5530),
}
MONDAY = date(2026, 12, 7)


async def _week(session: AsyncSession) -> None:
    homes = list(CITIES.values())
    for i in range(5):
        await make_staff(
            session,
            name=f"Tech {i}",
            home=homes[i],
            skills=["backflow"] if i == 0 else [],
        )
    for n in range(60):
        city = list(CITIES)[n % 5]
        lat, lon = CITIES[city]
        site = await make_site(
            session,
            city=city,
            at=(
                lat + fake.pyfloat(min_value=-0.02, max_value=0.02),
                lon + fake.pyfloat(min_value=-0.02, max_value=0.02),
            ),
        )
        await make_job(
            session,
            site=site,
            minutes=45 + 15 * (n % 4),
            skills=["backflow"] if n % 15 == 0 else [],
            target_week=MONDAY,
            priority=n % 4,
        )


async def test_peak_week_generate_lock_resolve_apply_then_day_and_feed(
    app_client: AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("httpx"), "disabled", True)
    manager = await logged_in(app_client, session, Role.MANAGER)
    await _week(session)
    made = await app_client.post(
        "/api/v1/schedule/proposals",
        headers=manager.headers,
        json={"start_date": MONDAY.isoformat(), "period": "week"},
    )
    assert made.status_code == 201, made.text
    proposal = made.json()
    assert proposal["totals"]["assigned"] == 60
    assert proposal["unassigned"] == []
    url = f"/api/v1/schedule/proposals/{proposal['id']}"
    busy = [r for r in proposal["routes"] if len(r["items"]) >= 2]
    picks = [busy[0]["items"][1], busy[-1]["items"][0]]
    for item in picks:
        locked = await app_client.post(
            f"{url}/items/{item['job_id']}/lock", headers=manager.headers, json={}
        )
        assert locked.status_code == 200
    resolved = (await app_client.post(f"{url}/resolve", headers=manager.headers)).json()
    after = {i["job_id"]: i for r in resolved["routes"] for i in r["items"]}
    for item in picks:
        assert after[item["job_id"]]["eta"] == item["eta"]
    assert resolved["totals"]["assigned"] == 60
    applied = await app_client.post(f"{url}/apply", headers=manager.headers)
    assert applied.status_code == 200, applied.text
    assert len(applied.json()["appointment_ids"]) == 60
    rows = (
        await session.execute(
            select(
                AppointmentStaff.staff_id,
                Appointment.planned_start,
                Appointment.planned_end,
            )
            .join(Appointment, Appointment.id == AppointmentStaff.appointment_id)
            .order_by(AppointmentStaff.staff_id, Appointment.planned_start)
        )
    ).all()
    for (s1, _, end1), (s2, start2, _) in pairwise(rows):
        assert s1 != s2 or end1 <= start2
    route = next(r for r in resolved["routes"] if r["items"])
    tech = await make_user(session, role=Role.TECHNICIAN)
    member = await session.get(StaffMember, route["staff_id"])
    assert member is not None
    member.user_id = tech.id
    await session.flush()
    tech_in = await login(app_client, tech)
    day = await app_client.get(
        "/api/v1/appointments/day",
        headers=tech_in.headers,
        params={"day": route["day"]},
    )
    assert [s["job"]["id"] for s in day.json()["stops"]] == [
        i["job_id"] for i in route["items"]
    ]
    feed = await app_client.post(
        f"/api/v1/staff/{member.id}/calendar-feed", headers=tech_in.headers
    )
    remember_secret(feed.json()["token"])
    ics = await app_client.get(feed.json()["url"])
    assert ics.status_code == 200

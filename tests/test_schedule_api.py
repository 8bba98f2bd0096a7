"""``/api/v1/schedule``: proposals through the product layer, edits, apply, capacity.

The solver's constraints are checked as a manager would see them: arrival windows,
skills, lunch, the end of the shift, existing appointments, and locked items that
stay where they were put when the rest is re-solved.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.models import Appointment, AppointmentStatus
from grins_platform.jobs.models import JobStatus
from grins_platform.users.models import Role
from tests.factories import LoggedIn, logged_in
from tests.scheduling_factories import (
    PLYMOUTH,
    job_status,
    make_appointment,
    make_crew,
    make_job,
    make_site,
    make_staff,
    utc,
)

pytestmark = pytest.mark.api
PROPOSALS = "/api/v1/schedule/proposals"
CHICAGO = ZoneInfo("America/Chicago")
MONDAY = date(2026, 12, 7)


@pytest.fixture
async def manager(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.MANAGER)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(CHICAGO)


async def _generate(
    client: AsyncClient, who: LoggedIn, period: str = "day", start: date = MONDAY
) -> dict[str, Any]:
    response = await client.post(
        PROPOSALS,
        headers=who.headers,
        json={"start_date": start.isoformat(), "period": period},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _items(
    proposal: dict[str, Any],
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {i["job_id"]: (r, i) for r in proposal["routes"] for i in r["items"]}


def _reasons(proposal: dict[str, Any]) -> dict[str, str]:
    return {u["job_id"]: u["reason"] for u in proposal["unassigned"]}


async def test_week_proposal_routes_windows_totals_and_reasons(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    await make_staff(session, name="Ann")
    await make_staff(session, name="Bob", skills=["lake_pump"], home=PLYMOUTH)
    plain = [await make_job(session) for _ in range(4)]
    plymouth = await make_site(session, city="Plymouth", at=PLYMOUTH)
    pump = await make_job(session, site=plymouth, skills=["lake_pump"])
    backflow = await make_job(session, skills=["backflow_certified"])
    proposal = await _generate(app_client, manager, "week")
    assert proposal["status"] == "draft"
    assert (proposal["start_date"], proposal["end_date"]) == (
        "2026-12-07",
        "2026-12-13",
    )
    items = _items(proposal)
    assert {str(j.id) for j in plain} <= items.keys()
    route, item = items[str(pump.id)]
    assert route["name"] == "Bob"
    start, end = local(item["window_start"]), local(item["window_end"])
    assert (end - start).total_seconds() == 7200
    assert start <= local(item["eta"]) < end
    assert start.minute == 0
    assert _reasons(proposal) == {
        str(backflow.id): "no one has the skill backflow_certified"
    }
    totals = proposal["totals"]
    assert totals["assigned"] == 5
    assert totals["unassigned"] == 1
    assert totals["work_minutes"] == 300
    assert totals["drive_minutes"] > 0
    assert 0 < totals["utilisation"] < 1
    assert len(proposal["routes"]) == 10  # two people, five working days


async def test_time_window_lunch_and_shift_end_are_respected(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    short = {"mon": {"start": "08:00:00", "end": "13:00:00"}}
    await make_staff(session, hours=short, lunch=(time(11), time(12, 30), 30))
    morning = await make_job(session, preferred_time="Evening please", minutes=30)
    jobs = [await make_job(session, minutes=60) for _ in range(6)]
    proposal = await _generate(app_client, manager)
    (route,) = [r for r in proposal["routes"] if r["items"]]
    assert str(morning.id) in _reasons(proposal)
    assert "preferred time" in _reasons(proposal)[str(morning.id)]
    shift_end = local(route["shift_end"])
    assert local(route["lunch_start"]).time() >= time(11)
    assert local(route["lunch_end"]).time() <= time(12, 30)
    for item in route["items"]:
        assert local(item["planned_end"]) <= shift_end
        lunch = (local(route["lunch_start"]), local(route["lunch_end"]))
        assert local(item["planned_end"]) <= lunch[0] or local(item["eta"]) >= lunch[1]
    assigned = len(route["items"])
    assert 2 <= assigned < len(jobs)
    left = [r for r in _reasons(proposal).values() if "capacity" in r]
    assert left
    assert left[0] == "no capacity left in week 50"


async def test_preferred_morning_is_kept(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    await make_staff(session)
    morning = await make_job(session, preferred_time="morning")
    await make_job(session)
    proposal = await _generate(app_client, manager)
    _, item = _items(proposal)[str(morning.id)]
    assert time(8) <= local(item["eta"]).time() <= time(12)


async def test_crews_take_two_person_jobs_and_existing_appointments_are_blocked(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    a, b = await make_staff(session), await make_staff(session)
    solo = await make_staff(session)
    crew = await make_crew(session, [a, b], name="Install")
    big = await make_job(session, staff_needed=2, minutes=120)
    busy_job = await make_job(session, status=JobStatus.SCHEDULED)
    await make_appointment(
        session, busy_job, solo, utc(2026, 12, 7, 14), utc(2026, 12, 7, 18)
    )
    small = [await make_job(session, minutes=45) for _ in range(3)]
    proposal = await _generate(app_client, manager)
    items = _items(proposal)
    assert items[str(big.id)][0]["crew_id"] == str(crew.id)
    for job in small:
        route, item = items[str(job.id)]
        if route["staff_id"] == str(solo.id):
            eta, end = local(item["eta"]), local(item["planned_end"])
            assert end <= local("2026-12-07T14:00:00Z") or eta >= local(
                "2026-12-07T18:00:00Z"
            )


async def test_two_person_job_without_a_crew_says_so(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    await make_staff(session)
    big = await make_job(session, staff_needed=2)
    proposal = await _generate(app_client, manager)
    assert _reasons(proposal)[str(big.id)] == (
        "it needs a crew of 2 and none is working then"
    )


async def test_locked_item_stays_put_on_resolve_and_apply_books_everything(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    await make_staff(session, name="Ann")
    await make_staff(session, name="Bob", home=PLYMOUTH)
    jobs = [await make_job(session) for _ in range(5)]
    proposal = await _generate(app_client, manager)
    url = f"{PROPOSALS}/{proposal['id']}"
    target = next(r for r in proposal["routes"] if r["name"] == "Bob")
    moved_job = str(jobs[0].id)
    moved = await app_client.post(
        f"{url}/items/{moved_job}/move",
        headers=manager.headers,
        json={"route_key": target["key"], "eta": "2026-12-07T14:00:00-06:00"},
    )
    assert moved.status_code == 200, moved.text
    locked_job = str(jobs[1].id)
    lock = await app_client.post(
        f"{url}/items/{locked_job}/lock", headers=manager.headers, json={"locked": True}
    )
    assert lock.status_code == 200
    kept_route, kept_item = _items(lock.json())[locked_job]
    resolved = await app_client.post(f"{url}/resolve", headers=manager.headers)
    assert resolved.status_code == 200
    after = _items(resolved.json())
    route, item = after[moved_job]
    assert route["key"] == target["key"]
    assert local(item["eta"]) == local("2026-12-07T14:00:00-06:00")
    assert item["locked"] is True
    assert after[locked_job][0]["key"] == kept_route["key"]
    assert local(after[locked_job][1]["eta"]) == local(kept_item["eta"])
    assert resolved.json()["revision"] == 4
    applied = await app_client.post(f"{url}/apply", headers=manager.headers)
    assert applied.status_code == 200, applied.text
    assert applied.json()["jobs_scheduled"] == 5
    for job in jobs:
        assert await job_status(session, job.id) is JobStatus.SCHEDULED
    rows = (await session.scalars(select(Appointment))).all()
    assert len(rows) == 5
    assert {r.proposal_id for r in rows} == {uuid.UUID(proposal["id"])}
    again = await app_client.post(f"{url}/apply", headers=manager.headers)
    assert again.status_code == 409
    assert again.json()["proposal_status"] == "applied"


async def test_stale_proposal_is_refused(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    staff = await make_staff(session)
    job = await make_job(session)
    other = await make_job(session)
    proposal = await _generate(app_client, manager)
    booked = await app_client.post(
        "/api/v1/appointments",
        headers=manager.headers,
        json={
            "job_id": str(other.id),
            "staff_id": str(staff.id),
            "planned_start": "2026-12-07T16:00:00-06:00",
        },
    )
    assert booked.status_code == 201
    stale = await app_client.post(
        f"{PROPOSALS}/{proposal['id']}/apply", headers=manager.headers
    )
    assert stale.status_code == 409
    assert "changed" in stale.json()["detail"]
    assert await job_status(session, job.id) is JobStatus.APPROVED
    resolved = await app_client.post(
        f"{PROPOSALS}/{proposal['id']}/resolve", headers=manager.headers
    )
    assert str(other.id) not in _items(resolved.json())
    applied = await app_client.post(
        f"{PROPOSALS}/{proposal['id']}/apply", headers=manager.headers
    )
    assert applied.status_code == 200


async def test_swap_overlap_discard_list_and_errors(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    tech = await logged_in(app_client, session, Role.TECHNICIAN)
    await make_staff(session, name="Ann")
    await make_staff(session, name="Bob", home=PLYMOUTH)
    jobs = [await make_job(session) for _ in range(4)]
    proposal = await _generate(app_client, manager)
    url = f"{PROPOSALS}/{proposal['id']}"
    items = _items(proposal)
    a, b = str(jobs[0].id), str(jobs[1].id)
    swapped = await app_client.post(
        f"{url}/swap",
        headers=manager.headers,
        json={"first_job_id": a, "second_job_id": b},
    )
    assert swapped.status_code == 200
    after = _items(swapped.json())
    assert after[a][0]["key"] == items[b][0]["key"]
    assert after[a][1]["eta"] == items[b][1]["eta"]
    assert after[a][1]["locked"]
    assert after[b][1]["locked"]
    route_key, eta = after[a][0]["key"], after[a][1]["eta"]
    clash = await app_client.post(
        f"{url}/items/{jobs[2].id}/move",
        headers=manager.headers,
        json={"route_key": route_key, "eta": eta},
    )
    assert clash.status_code == 409
    wrong_day = await app_client.post(
        f"{url}/items/{jobs[2].id}/move",
        headers=manager.headers,
        json={"route_key": route_key, "eta": "2026-12-09T09:00:00-06:00"},
    )
    assert wrong_day.status_code == 422
    assert wrong_day.json()["detail"][0]["field"] == "eta"
    bad_key = await app_client.post(
        f"{url}/items/{jobs[2].id}/move",
        headers=manager.headers,
        json={"route_key": "nope", "eta": eta},
    )
    assert bad_key.json()["detail"][0]["field"] == "route_key"
    unknown = await app_client.post(
        f"{url}/items/{uuid.uuid4()}/lock", headers=manager.headers, json={}
    )
    assert unknown.status_code == 404
    same = await app_client.post(
        f"{url}/swap",
        headers=manager.headers,
        json={"first_job_id": a, "second_job_id": a},
    )
    assert same.status_code == 422
    assert (await app_client.get(url, headers=manager.headers)).status_code == 200
    listed = await app_client.get(
        PROPOSALS, headers=manager.headers, params={"status": "draft"}
    )
    assert listed.json()["total"] == 1
    assert (await app_client.get(url, headers=tech.headers)).status_code == 403
    assert (
        await app_client.post(f"{url}/apply", headers=tech.headers)
    ).status_code == 403
    assert (await app_client.post(PROPOSALS, json={})).status_code == 401
    bad = await app_client.post(
        PROPOSALS,
        headers=manager.headers,
        json={"start_date": "2026-12-07", "period": "month"},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "period"
    missing = await app_client.get(
        f"{PROPOSALS}/{uuid.uuid4()}", headers=manager.headers
    )
    assert missing.status_code == 404
    discarded = await app_client.post(f"{url}/discard", headers=manager.headers)
    assert discarded.json()["status"] == "discarded"
    locked_out = await app_client.post(f"{url}/resolve", headers=manager.headers)
    assert locked_out.status_code == 409


async def test_nobody_working_leaves_everything_unassigned(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    job = await make_job(session)
    proposal = await _generate(app_client, manager, start=date(2026, 12, 12))
    assert _reasons(proposal) == {str(job.id): "no one is working in this period"}


async def test_time_off_or_a_job_changing_status_makes_it_stale(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    staff = await make_staff(session)
    job = await make_job(session)
    proposal = await _generate(app_client, manager)
    off = await app_client.post(
        f"/api/v1/staff/{staff.id}/time-off",
        headers=manager.headers,
        json={"start_date": "2026-12-20", "end_date": "2026-12-21"},
    )
    assert off.status_code == 201
    stale = await app_client.post(
        f"{PROPOSALS}/{proposal['id']}/apply", headers=manager.headers
    )
    assert stale.status_code == 409
    second = await _generate(app_client, manager)
    job.status = JobStatus.ON_HOLD
    await session.flush()
    held = await app_client.post(
        f"{PROPOSALS}/{second['id']}/apply", headers=manager.headers
    )
    assert held.status_code == 409


async def test_jobs_already_booked_or_due_later_are_left_out(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    staff = await make_staff(session)
    tentative = await make_job(session)
    await make_appointment(
        session,
        tentative,
        staff,
        utc(2026, 12, 7, 15),
        utc(2026, 12, 7, 16),
        status=AppointmentStatus.PROPOSED,
    )
    later = await make_job(session, target_week=date(2026, 12, 14))
    due = await make_job(session, target_week=date(2026, 12, 7))
    proposal = await _generate(app_client, manager)
    considered = set(_items(proposal)) | set(_reasons(proposal))
    assert considered == {str(due.id)}
    assert str(later.id) not in considered

"""``/api/v1/appointments``: booking without overlap, statuses, the job kept in step."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.jobs.models import JobStatus
from grins_platform.staff.models import StaffTimeOff
from grins_platform.users.models import Role
from tests.factories import LoggedIn, logged_in
from tests.scheduling_factories import (
    job_status,
    make_crew,
    make_job,
    make_staff,
    utc,
)

pytestmark = pytest.mark.api
APPTS = "/api/v1/appointments"
MON_9 = "2026-12-07T09:00:00-06:00"
MON_930 = "2026-12-07T09:30:00-06:00"
MON_11 = "2026-12-07T11:00:00-06:00"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
async def manager(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.MANAGER)


@pytest.fixture
async def tech(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.TECHNICIAN)


async def _book(
    client: AsyncClient, who: LoggedIn, job_id: uuid.UUID, **body: Any
) -> Response:
    payload: dict[str, Any] = {"job_id": str(job_id), "planned_start": MON_9}
    payload.update(
        {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in body.items()}
    )
    return await client.post(APPTS, headers=who.headers, json=payload)


async def test_booking_schedules_the_job_with_a_two_hour_window(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    staff = await make_staff(session)
    job = await make_job(session, minutes=90)
    response = await _book(
        app_client, manager, job.id, staff_id=staff.id, planned_start=MON_930
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["day"] == "2026-12-07"
    assert _at(body["window_start"]) == utc(2026, 12, 7, 15)
    assert _at(body["window_end"]) == utc(2026, 12, 7, 17)
    assert _at(body["planned_end"]) == utc(2026, 12, 7, 17)
    assert body["staff_ids"] == [str(staff.id)]
    assert await job_status(session, job.id) is JobStatus.SCHEDULED
    history = await app_client.get(
        f"{APPTS}/{body['id']}/history", headers=manager.headers
    )
    assert [h["to_status"] for h in history.json()] == ["scheduled"]
    audit = await session.scalar(
        select(AuditEntry).where(AuditEntry.entity_id == uuid.UUID(body["id"]))
    )
    assert audit is not None
    assert audit.action == "appointment.created"
    assert audit.actor_id == manager.user.id


async def test_overlap_is_409_and_touching_slots_are_fine(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    staff = await make_staff(session)
    jobs = [await make_job(session) for _ in range(3)]
    first = await _book(app_client, manager, jobs[0].id, staff_id=staff.id)
    assert first.status_code == 201
    clash = await _book(
        app_client, manager, jobs[1].id, staff_id=staff.id, planned_start=MON_930
    )
    assert clash.status_code == 409
    assert clash.json()["conflicting_appointment_id"] == first.json()["id"]
    assert "request_id" in clash.json()
    after = await _book(
        app_client,
        manager,
        jobs[2].id,
        staff_id=staff.id,
        planned_start="2026-12-07T10:00:00-06:00",
    )
    assert after.status_code == 201


async def test_crew_booking_occupies_every_member(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    a, b = await make_staff(session), await make_staff(session)
    crew = await make_crew(session, [a, b])
    big = await make_job(session, staff_needed=2)
    solo = await make_job(session)
    booked = await _book(app_client, manager, big.id, crew_id=crew.id)
    assert booked.status_code == 201
    assert set(booked.json()["staff_ids"]) == {str(a.id), str(b.id)}
    clash = await _book(
        app_client, manager, solo.id, staff_id=b.id, planned_start=MON_930
    )
    assert clash.status_code == 409


async def test_time_off_and_unbookable_job_are_409(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    staff = await make_staff(session)
    session.add(
        StaffTimeOff(
            staff_id=staff.id,
            start_date=date(2026, 12, 7),
            end_date=date(2026, 12, 7),
        )
    )
    await session.flush()
    away = await _book(
        app_client, manager, (await make_job(session)).id, staff_id=staff.id
    )
    assert away.status_code == 409
    other = await make_staff(session)
    requested = await make_job(session, status=JobStatus.REQUESTED)
    refused = await _book(app_client, manager, requested.id, staff_id=other.id)
    assert refused.status_code == 409
    assert refused.json()["job_status"] == "requested"


async def test_422_401_403_404(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn, tech: LoggedIn
) -> None:
    staff = await make_staff(session)
    job = await make_job(session)
    neither = await _book(app_client, manager, job.id)
    assert neither.status_code == 422
    both = await _book(app_client, manager, job.id, staff_id=staff.id, crew_id=staff.id)
    assert both.status_code == 422
    naive = await _book(
        app_client,
        manager,
        job.id,
        staff_id=staff.id,
        planned_start="2026-12-07T09:00:00",
    )
    assert naive.status_code == 422
    assert naive.json()["detail"][0]["field"] == "planned_start"
    ghost = await _book(app_client, manager, job.id, staff_id=uuid.uuid4())
    assert ghost.status_code == 422
    assert ghost.json()["detail"][0]["field"] == "staff_id"
    no_job = await _book(app_client, manager, uuid.uuid4(), staff_id=staff.id)
    assert no_job.status_code == 404
    assert (await app_client.post(APPTS, json={})).status_code == 401
    assert (await _book(app_client, tech, job.id, staff_id=staff.id)).status_code == 403
    missing = await app_client.get(f"{APPTS}/{uuid.uuid4()}", headers=manager.headers)
    assert missing.status_code == 404


async def test_technician_sees_and_moves_only_their_own(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn, tech: LoggedIn
) -> None:
    mine = await make_staff(session, user_id=tech.user.id)
    theirs = await make_staff(session)
    job = await make_job(session)
    other_job = await make_job(session)
    own = (await _book(app_client, manager, job.id, staff_id=mine.id)).json()
    foreign = (
        await _book(app_client, manager, other_job.id, staff_id=theirs.id)
    ).json()
    listed = await app_client.get(
        APPTS, headers=tech.headers, params={"staff_id": str(theirs.id)}
    )
    assert [a["id"] for a in listed.json()["items"]] == [own["id"]]
    assert (
        await app_client.get(f"{APPTS}/{foreign['id']}", headers=tech.headers)
    ).status_code == 404
    hidden = await app_client.post(
        f"{APPTS}/{foreign['id']}/status",
        headers=tech.headers,
        json={"status": "en_route"},
    )
    assert hidden.status_code == 404
    history = await app_client.get(
        f"{APPTS}/{foreign['id']}/history", headers=tech.headers
    )
    assert history.status_code == 404
    cancel = await app_client.post(
        f"{APPTS}/{own['id']}/status",
        headers=tech.headers,
        json={"status": "cancelled"},
    )
    assert cancel.status_code == 403
    for step in ("en_route", "on_site"):
        moved = await app_client.post(
            f"{APPTS}/{own['id']}/status", headers=tech.headers, json={"status": step}
        )
        assert moved.status_code == 200, moved.text
    assert await job_status(session, job.id) is JobStatus.IN_PROGRESS
    done = await app_client.post(
        f"{APPTS}/{own['id']}/status",
        headers=tech.headers,
        json={"status": "completed"},
    )
    assert done.json()["status"] == "completed"
    assert await job_status(session, job.id) is JobStatus.COMPLETED
    again = await app_client.post(
        f"{APPTS}/{own['id']}/status", headers=tech.headers, json={"status": "en_route"}
    )
    assert again.status_code == 409
    assert again.json()["allowed"] == []


async def test_cancel_unschedules_the_job_and_frees_the_slot(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    staff = await make_staff(session)
    job, next_job = await make_job(session), await make_job(session)
    booked = (await _book(app_client, manager, job.id, staff_id=staff.id)).json()
    cancelled = await app_client.post(
        f"{APPTS}/{booked['id']}/status",
        headers=manager.headers,
        json={"status": "cancelled", "reason": "customer called"},
    )
    assert cancelled.status_code == 200
    assert await job_status(session, job.id) is JobStatus.APPROVED
    reuse = await _book(app_client, manager, next_job.id, staff_id=staff.id)
    assert reuse.status_code == 201
    bad = await app_client.post(
        f"{APPTS}/{booked['id']}/status",
        headers=manager.headers,
        json={"status": "flying"},
    )
    assert bad.status_code == 422


async def test_move_and_reassign_check_overlap(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn, tech: LoggedIn
) -> None:
    a, b = await make_staff(session), await make_staff(session)
    j1, j2 = await make_job(session), await make_job(session)
    first = (await _book(app_client, manager, j1.id, staff_id=a.id)).json()
    await _book(app_client, manager, j2.id, staff_id=b.id, planned_start=MON_11)
    url = f"{APPTS}/{first['id']}/move"
    clash = await app_client.post(
        url,
        headers=manager.headers,
        json={"planned_start": MON_11, "staff_id": str(b.id)},
    )
    assert clash.status_code == 409
    request = await app_client.post(
        f"{APPTS}/{first['id']}/status",
        headers=manager.headers,
        json={"status": "reschedule_requested"},
    )
    assert request.status_code == 200
    moved = await app_client.post(
        url,
        headers=manager.headers,
        json={"planned_start": "2026-12-08T13:30:00-06:00", "staff_id": str(b.id)},
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["status"] == "scheduled"
    assert body["day"] == "2026-12-08"
    assert body["staff_ids"] == [str(b.id)]
    assert await job_status(session, j1.id) is JobStatus.SCHEDULED
    assert (
        await app_client.post(url, headers=tech.headers, json={"planned_start": MON_11})
    ).status_code == 403
    both = await app_client.post(
        url,
        headers=manager.headers,
        json={"planned_start": MON_11, "staff_id": str(a.id), "crew_id": str(b.id)},
    )
    assert both.status_code == 422
    await app_client.post(
        f"{APPTS}/{first['id']}/status",
        headers=manager.headers,
        json={"status": "cancelled"},
    )
    final = await app_client.post(
        url, headers=manager.headers, json={"planned_start": MON_11}
    )
    assert final.status_code == 409


async def test_manager_lists_with_filters(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    staff = await make_staff(session)
    job = await make_job(session)
    await _book(app_client, manager, job.id, staff_id=staff.id)
    found = await app_client.get(
        APPTS,
        headers=manager.headers,
        params={
            "staff_id": str(staff.id),
            "date_from": "2026-12-07",
            "date_to": "2026-12-07",
            "status": "scheduled",
            "job_id": str(job.id),
        },
    )
    assert found.json()["total"] == 1
    none = await app_client.get(
        APPTS, headers=manager.headers, params={"date_from": "2026-12-08"}
    )
    assert none.json()["total"] == 0


async def test_proposed_then_confirmed_and_no_show_return_the_job(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    staff = await make_staff(session)
    job = await make_job(session)
    booked = await _book(
        app_client, manager, job.id, staff_id=staff.id, status="proposed"
    )
    assert booked.json()["status"] == "proposed"
    assert await job_status(session, job.id) is JobStatus.APPROVED
    url = f"{APPTS}/{booked.json()['id']}/status"
    for step in ("scheduled", "confirmed"):
        moved = await app_client.post(
            url, headers=manager.headers, json={"status": step}
        )
        assert moved.status_code == 200
    assert await job_status(session, job.id) is JobStatus.SCHEDULED
    gone = await app_client.post(
        url, headers=manager.headers, json={"status": "no_show"}
    )
    assert gone.json()["status"] == "no_show"
    assert await job_status(session, job.id) is JobStatus.APPROVED
    history = await app_client.get(
        f"{APPTS}/{booked.json()['id']}/history", headers=manager.headers
    )
    assert [h["to_status"] for h in history.json()] == [
        "proposed",
        "scheduled",
        "confirmed",
        "no_show",
    ]

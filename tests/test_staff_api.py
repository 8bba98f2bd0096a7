"""``/api/v1/staff`` and ``/api/v1/crews``: office CRUD, a technician's own record."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.users.models import Role
from tests.factories import LoggedIn, logged_in
from tests.scheduling_factories import ensure_codes, make_staff

pytestmark = pytest.mark.api
STAFF = "/api/v1/staff"
CREWS = "/api/v1/crews"


@pytest.fixture
async def manager(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.MANAGER)


@pytest.fixture
async def tech(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.TECHNICIAN)


def _body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Tess Tech",
        "title": "Lead technician",
        "skills": ["backflow_certified"],
        "equipment": ["compressor"],
        "home_address": "1 Main St, Eden Prairie",
        "home_latitude": 44.85,
        "home_longitude": -93.47,
        "working_hours": {"mon": {"start": "08:00", "end": "17:00"}},
        "lunch_start": "11:00",
        "lunch_end": "13:00",
        "lunch_minutes": 30,
        "hourly_cost_cents": 3500,
    }
    body.update(over)
    return body


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["detail"]]


async def test_manager_creates_reads_updates_lists_staff(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn, tech: LoggedIn
) -> None:
    await ensure_codes(
        session, skills=("backflow_certified",), equipment=("compressor",)
    )
    created = await app_client.post(
        STAFF, headers=manager.headers, json=_body(user_id=str(tech.user.id))
    )
    assert created.status_code == 201, created.text
    staff = created.json()
    assert staff["working_hours"]["mon"] == {"start": "08:00:00", "end": "17:00:00"}
    assert staff["skills"] == ["backflow_certified"]
    patched = await app_client.patch(
        f"{STAFF}/{staff['id']}",
        headers=manager.headers,
        json={"hourly_cost_cents": 4000, "working_hours": {}},
    )
    assert patched.status_code == 200
    assert patched.json()["hourly_cost_cents"] == 4000
    assert patched.json()["working_hours"] == {}
    listed = await app_client.get(STAFF, headers=manager.headers)
    assert listed.json()["total"] == 1
    mine = await app_client.get(f"{STAFF}/me", headers=tech.headers)
    assert mine.status_code == 200
    assert mine.json()["id"] == staff["id"]
    own = await app_client.get(f"{STAFF}/{staff['id']}", headers=tech.headers)
    assert own.status_code == 200


async def test_auth_role_and_owner_rules(
    app_client: AsyncClient, session: AsyncSession, tech: LoggedIn
) -> None:
    other = await make_staff(session)
    assert (await app_client.post(STAFF, json=_body())).status_code == 401
    assert (await app_client.get(STAFF)).status_code == 401
    forbidden = await app_client.post(STAFF, headers=tech.headers, json=_body())
    assert forbidden.status_code == 403
    assert (await app_client.get(STAFF, headers=tech.headers)).status_code == 403
    hidden = await app_client.get(f"{STAFF}/{other.id}", headers=tech.headers)
    assert hidden.status_code == 404
    assert hidden.json()["error"] == "not_found"
    assert (
        await app_client.get(f"{STAFF}/me", headers=tech.headers)
    ).status_code == 404
    feed = await app_client.post(
        f"{STAFF}/{other.id}/calendar-feed", headers=tech.headers
    )
    assert feed.status_code == 404
    off = await app_client.get(f"{STAFF}/{other.id}/time-off", headers=tech.headers)
    assert off.status_code == 404
    patch = await app_client.patch(
        f"{STAFF}/{other.id}", headers=tech.headers, json={"name": "X"}
    )
    assert patch.status_code == 403


async def test_422_names_the_field(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    await ensure_codes(session, equipment=("compressor",))
    unknown = await app_client.post(STAFF, headers=manager.headers, json=_body())
    assert unknown.status_code == 422
    assert _fields(unknown) == ["skills"]
    assert "backflow_certified" in unknown.json()["detail"][0]["message"]
    bad_lat = await app_client.post(
        STAFF, headers=manager.headers, json=_body(skills=[], home_latitude=95)
    )
    assert _fields(bad_lat) == ["home_latitude"]
    bad_hours = await app_client.post(
        STAFF,
        headers=manager.headers,
        json=_body(
            skills=[], working_hours={"mon": {"start": "17:00", "end": "08:00"}}
        ),
    )
    assert bad_hours.status_code == 422
    assert _fields(bad_hours)[0].startswith("working_hours.mon")
    bad_day = await app_client.post(
        STAFF,
        headers=manager.headers,
        json=_body(skills=[], working_hours={"funday": {}}),
    )
    assert bad_day.status_code == 422
    long_lunch = await app_client.post(
        STAFF, headers=manager.headers, json=_body(skills=[], lunch_minutes=180)
    )
    assert long_lunch.status_code == 422
    bad_equipment = await app_client.post(
        STAFF, headers=manager.headers, json=_body(skills=[], equipment=["jetpack"])
    )
    assert _fields(bad_equipment) == ["equipment"]
    null_name = await app_client.patch(
        f"{STAFF}/{(await make_staff(session)).id}",
        headers=manager.headers,
        json={"name": None},
    )
    assert _fields(null_name) == ["name"]


async def test_user_linked_twice_is_409_and_unknown_staff_404(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn, tech: LoggedIn
) -> None:
    await make_staff(session, user_id=tech.user.id)
    again = await app_client.post(
        STAFF,
        headers=manager.headers,
        json=_body(skills=[], equipment=[], user_id=str(tech.user.id)),
    )
    assert again.status_code == 409
    missing = await app_client.patch(
        f"{STAFF}/{uuid.uuid4()}", headers=manager.headers, json={"name": "X"}
    )
    assert missing.status_code == 404


async def test_time_off_add_list_remove(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn
) -> None:
    member = await make_staff(session)
    url = f"{STAFF}/{member.id}/time-off"
    bad = await app_client.post(
        url,
        headers=manager.headers,
        json={"start_date": "2026-12-10", "end_date": "2026-12-01"},
    )
    assert bad.status_code == 422
    added = await app_client.post(
        url,
        headers=manager.headers,
        json={
            "start_date": "2026-12-07",
            "end_date": "2026-12-08",
            "reason": "vacation",
        },
    )
    assert added.status_code == 201
    listed = await app_client.get(url, headers=manager.headers)
    assert [e["start_date"] for e in listed.json()] == ["2026-12-07"]
    gone = await app_client.delete(
        f"{url}/{added.json()['id']}", headers=manager.headers
    )
    assert gone.status_code == 204
    again = await app_client.delete(
        f"{url}/{added.json()['id']}", headers=manager.headers
    )
    assert again.status_code == 404


async def test_crews_crud(
    app_client: AsyncClient, session: AsyncSession, manager: LoggedIn, tech: LoggedIn
) -> None:
    a, b, c = [(await make_staff(session)).id for _ in range(3)]
    one = await app_client.post(
        CREWS, headers=manager.headers, json={"name": "Solo", "member_ids": [str(a)]}
    )
    assert one.status_code == 422
    assert _fields(one) == ["member_ids"]
    same_twice = await app_client.post(
        CREWS,
        headers=manager.headers,
        json={"name": "Twin", "member_ids": [str(a)] * 2},
    )
    assert same_twice.status_code == 422
    made = await app_client.post(
        CREWS,
        headers=manager.headers,
        json={"name": "Install crew", "member_ids": [str(a), str(b)]},
    )
    assert made.status_code == 201
    crew_id = made.json()["id"]
    dup = await app_client.post(
        CREWS,
        headers=manager.headers,
        json={"name": "Install crew", "member_ids": [str(a), str(c)]},
    )
    assert dup.status_code == 409
    changed = await app_client.patch(
        f"{CREWS}/{crew_id}",
        headers=manager.headers,
        json={"member_ids": [str(b), str(c)], "is_active": False},
    )
    assert changed.status_code == 200
    assert set(changed.json()["member_ids"]) == {str(b), str(c)}
    assert changed.json()["is_active"] is False
    got = await app_client.get(f"{CREWS}/{crew_id}", headers=manager.headers)
    assert got.json()["name"] == "Install crew"
    listed = await app_client.get(CREWS, headers=manager.headers)
    assert len(listed.json()) == 1
    assert (await app_client.get(CREWS, headers=tech.headers)).status_code == 403
    missing = await app_client.get(f"{CREWS}/{uuid.uuid4()}", headers=manager.headers)
    assert missing.status_code == 404
    missing_patch = await app_client.patch(
        f"{CREWS}/{uuid.uuid4()}", headers=manager.headers, json={"name": "Z"}
    )
    assert missing_patch.status_code == 404

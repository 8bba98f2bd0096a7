"""The technician's day (job cards, codes only today) and the private calendar feed."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.jobs.models import JobStatus
from grins_platform.staff.models import StaffMember
from grins_platform.users.models import Role
from tests.conftest import remember_secret
from tests.factories import LoggedIn, logged_in
from tests.scheduling_factories import (
    make_appointment,
    make_job,
    make_site,
    make_staff,
)

pytestmark = pytest.mark.api
DAY = "/api/v1/appointments/day"
CHICAGO = ZoneInfo("America/Chicago")


def _today() -> date:
    return datetime.now(UTC).astimezone(CHICAGO).date()


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), CHICAGO)


@pytest.fixture
async def tech(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.TECHNICIAN)


async def _booked_day(
    session: AsyncSession, staff_id: uuid.UUID, day: date
) -> list[uuid.UUID]:
    member = await session.get(StaffMember, staff_id)
    assert member is not None
    site = await make_site(session, gate_code="1234", city="Plymouth")
    ids: list[uuid.UUID] = []
    for hour in (13, 9):
        job = await make_job(
            session, site=site, status=JobStatus.SCHEDULED, title=f"Visit {hour}"
        )
        appt = await make_appointment(
            session, job, member, _at(day, hour), _at(day, hour + 1), day=day
        )
        ids.append(appt.id)
    return ids


async def test_my_day_in_route_order_with_codes_today_only(
    app_client: AsyncClient, session: AsyncSession, tech: LoggedIn
) -> None:
    member = await make_staff(session, user_id=tech.user.id)
    today, tomorrow = _today(), _today() + timedelta(days=1)
    later, earlier = await _booked_day(session, member.id, today)
    await _booked_day(session, member.id, tomorrow)
    response = await app_client.get(DAY, headers=tech.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["day"] == today.isoformat()
    assert body["codes_visible"] is True
    stops = body["stops"]
    assert [s["appointment_id"] for s in stops] == [str(earlier), str(later)]
    assert [s["order"] for s in stops] == [1, 2]
    card = stops[0]
    assert card["property"]["gate_code"] == "1234"
    assert card["property"]["lockbox_code"] == "4321"
    assert card["property"]["has_dogs"] is True
    lat, lon = card["property"]["latitude"], card["property"]["longitude"]
    assert card["property"]["map_url"] == (
        f"https://www.google.com/maps/search/?api=1&query={lat},{lon}"
    )
    assert card["job"]["title"] == "Visit 9"
    assert card["job"]["price_cents"] == 11000
    assert card["job"]["zone_count"] == 6
    assert card["customer"]["name"]
    ahead = await app_client.get(
        DAY, headers=tech.headers, params={"day": tomorrow.isoformat()}
    )
    later_card = ahead.json()["stops"][0]["property"]
    assert ahead.json()["codes_visible"] is False
    assert later_card["gate_code"] is None
    assert later_card["lockbox_code"] is None
    assert later_card["has_gate_code"] is True


async def test_history_other_staff_and_office_view(
    app_client: AsyncClient, session: AsyncSession, tech: LoggedIn
) -> None:
    manager = await logged_in(app_client, session, Role.MANAGER)
    member = await make_staff(session, user_id=tech.user.id)
    other = await make_staff(session)
    site = await make_site(session)
    done = await make_job(
        session, site=site, status=JobStatus.COMPLETED, title="Spring"
    )
    job = await make_job(session, site=site, status=JobStatus.SCHEDULED)
    tomorrow = _today() + timedelta(days=1)
    await make_appointment(
        session, job, member, _at(tomorrow, 10), _at(tomorrow, 11), day=tomorrow
    )
    params = {"day": tomorrow.isoformat()}
    own = await app_client.get(DAY, headers=tech.headers, params=params)
    assert own.json()["stops"][0]["history"][0]["job_id"] == str(done.id)
    hidden = await app_client.get(
        DAY, headers=tech.headers, params={**params, "staff_id": str(other.id)}
    )
    assert hidden.status_code == 404
    office = await app_client.get(
        DAY, headers=manager.headers, params={**params, "staff_id": str(member.id)}
    )
    assert office.status_code == 200
    assert office.json()["codes_visible"] is True
    assert len(office.json()["stops"]) == 1
    no_record = await app_client.get(DAY, headers=manager.headers)
    assert no_record.status_code == 404
    assert (await app_client.get(DAY)).status_code == 401
    bad = await app_client.get(DAY, headers=tech.headers, params={"day": "someday"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "day"


async def test_calendar_feed_issue_read_rotate_revoke(
    app_client: AsyncClient,
    session: AsyncSession,
    tech: LoggedIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The test client's own request log prints URLs; the app logs route templates
    # only, and every app log line is still checked for the token.
    monkeypatch.setattr(logging.getLogger("httpx"), "disabled", True)
    member = await make_staff(session, user_id=tech.user.id)
    await _booked_day(session, member.id, _today() + timedelta(days=2))
    issue_url = f"/api/v1/staff/{member.id}/calendar-feed"
    issued = await app_client.post(issue_url, headers=tech.headers)
    assert issued.status_code == 201
    token = remember_secret(issued.json()["token"])
    url = issued.json()["url"]
    assert url.endswith(f"/api/v1/appointments/calendar/{token}.ics")
    feed = await app_client.get(url)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    assert str(events[0]["summary"]).startswith("Visit 9")
    assert "1234" not in feed.text
    rotated = await app_client.post(issue_url, headers=tech.headers)
    remember_secret(rotated.json()["token"])
    assert (await app_client.get(url)).status_code == 404
    assert (await app_client.get(rotated.json()["url"])).status_code == 200
    revoked = await app_client.delete(issue_url, headers=tech.headers)
    assert revoked.status_code == 204
    assert (await app_client.get(rotated.json()["url"])).status_code == 404
    guess = await app_client.get("/api/v1/appointments/calendar/guess.ics")
    assert guess.status_code == 404
    assert guess.json()["error"] == "not_found"
    assert (await app_client.post(issue_url)).status_code == 401

"""``/api/v1/requests``: public form (honeypot, rate limit, 24 h dedupe), inbox,
transitions and conversion."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.customers.models import CustomerConsent
from grins_platform.requests.models import RequestStatus, ServiceRequest
from grins_platform.requests.rate_limit import PUBLIC_LIMIT, PublicFormLimiter
from grins_platform.requests.transitions import TRANSITIONS
from grins_platform.users.models import Role
from tests.conftest import LogCapture
from tests.factories import (
    LoggedIn,
    logged_in,
    make_customer,
    make_property,
    make_service_request,
)

pytestmark = pytest.mark.api
REQUESTS = "/api/v1/requests"


@pytest.fixture
async def office(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.MANAGER)


def form(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Wendy Web",
        "phone": "612-555-0400",
        "email": "wendy@example.com",
        "address": "77 Lakeview Dr",
        "city": "Rogers",
        "zip_code": "55374",
        "service_wanted": "spring start-up",
        "message": "8 zones",
        "sms_consent": True,
        "consent_wording_version": "2026-01",
    }
    body.update(overrides)
    return body


async def _count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(ServiceRequest.id))) or 0)


async def test_public_form_twice_gives_one_request(
    app_client: AsyncClient, session: AsyncSession, logs: LogCapture
) -> None:
    first = await app_client.post(REQUESTS, json=form())
    assert first.status_code == 201, first.text
    second = await app_client.post(
        REQUESTS,
        json=form(phone="(612) 555-0400", email=None, message="also a leak"),
    )
    assert second.status_code == 201
    assert second.json()["reference"] == first.json()["reference"]
    assert await _count(session) == 1
    stored = await session.get(
        ServiceRequest, uuid.UUID(first.json()["reference"]), populate_existing=True
    )
    assert stored is not None
    assert stored.submit_count == 2
    assert stored.message == "8 zones\n---\nalso a leak"
    assert stored.source.value == "web_form"
    assert str(stored.ip) == "127.0.0.1"
    actions = (
        await session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_id == stored.id)
        )
    ).all()
    assert sorted(actions) == ["service_request.created", "service_request.resubmitted"]
    assert all("wendy" not in line.lower() for line in logs.lines[logs.mark :])


async def test_same_email_after_24_hours_is_a_new_request(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    await make_service_request(
        session,
        email="old@example.com",
        created_at=datetime.now(UTC) - timedelta(hours=25),
    )
    response = await app_client.post(
        REQUESTS, json=form(phone=None, email="OLD@example.com")
    )
    assert response.status_code == 201
    assert await _count(session) == 2


async def test_honeypot_answers_201_and_stores_nothing(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    response = await app_client.post(REQUESTS, json=form(website="http://spam"))
    assert response.status_code == 201
    assert response.json()["reference"]
    assert await _count(session) == 0


async def test_rate_limit_per_ip_is_429_with_retry_after(
    app_client: AsyncClient,
) -> None:
    for i in range(PUBLIC_LIMIT):
        ok = await app_client.post(REQUESTS, json=form(phone=f"612-555-04{i:02d}"))
        assert ok.status_code == 201
    limited = await app_client.post(REQUESTS, json=form())
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.json()["error"] == "rate_limited"


async def test_rate_limit_fails_open_without_redis(logs: LogCapture) -> None:
    broken = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    limiter = PublicFormLimiter(broken, limit=1)
    await limiter.hit("203.0.113.5")
    await limiter.hit("203.0.113.5")
    await broken.aclose()
    events = [x["event"] for x in logs.since_mark()]
    assert "requests.rate_limit.hit_unavailable" in events


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (form(name=""), "name"),
        (form(phone="12"), "phone"),
        (form(email="x@"), "email"),
        (form(zip_code="nope"), "zip_code"),
        (form(phone=None, email=None), "phone"),
        (form(preferred_week="next week"), "preferred_week"),
        (form(extra="x"), "extra"),
    ],
)
async def test_public_form_422_names_the_field(
    app_client: AsyncClient, payload: dict[str, Any], field: str
) -> None:
    response = await app_client.post(REQUESTS, json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


async def test_staff_request_and_inbox_filters(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    old = await make_service_request(
        session, created_at=datetime.now(UTC) - timedelta(hours=30)
    )
    created = await app_client.post(
        f"{REQUESTS}/staff",
        headers=office.headers,
        json=form(source="phone", phone="763 555 0411"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["created_by_id"] == str(office.user.id)
    assert created.json()["source"] == "phone"

    async def ids(**params: Any) -> list[str]:
        response = await app_client.get(REQUESTS, headers=office.headers, params=params)
        assert response.status_code == 200
        return [r["id"] for r in response.json()["items"]]

    assert await ids(source="phone") == [created.json()["id"]]
    assert await ids(older_than_hours=24) == [str(old.id)]
    assert await ids(status="new", oldest_first=True) == [
        str(old.id),
        created.json()["id"],
    ]
    web = await app_client.post(
        f"{REQUESTS}/staff", headers=office.headers, json=form(source="web_form")
    )
    assert web.status_code == 422
    assert web.json()["detail"][0]["field"] == "source"


async def test_transitions_follow_the_table_and_record_first_response(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    request = await make_service_request(session)
    path = f"{REQUESTS}/{request.id}/status"
    contacted = await app_client.post(
        path, headers=office.headers, json={"status": "contacted"}
    )
    assert contacted.status_code == 200
    assert contacted.json()["first_response_at"] is not None
    assert contacted.json()["response_minutes"] is not None
    lost = await app_client.post(
        path, headers=office.headers, json={"status": "lost", "reason": "too pricey"}
    )
    assert lost.json()["status"] == "lost"
    assert lost.json()["close_reason"] == "too pricey"
    again = await app_client.post(
        path, headers=office.headers, json={"status": "contacted"}
    )
    assert again.status_code == 409
    assert again.json()["current_status"] == "lost"
    convert = await app_client.post(
        path, headers=office.headers, json={"status": "converted"}
    )
    assert convert.status_code == 422
    assert convert.json()["detail"][0]["field"] == "status"
    bad = await app_client.post(path, headers=office.headers, json={"status": "won"})
    assert bad.status_code == 422


def test_transition_table_is_closed_after_conversion() -> None:
    assert TRANSITIONS[RequestStatus.NEW] >= {RequestStatus.CONTACTED}
    for terminal in (RequestStatus.CONVERTED, RequestStatus.LOST, RequestStatus.SPAM):
        assert TRANSITIONS[terminal] == frozenset()


async def test_convert_creates_customer_property_and_consent(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    submitted = await app_client.post(REQUESTS, json=form())
    request_id = submitted.json()["reference"]
    response = await app_client.post(
        f"{REQUESTS}/{request_id}/convert", headers=office.headers, json={}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer_created"] is True
    assert body["property_created"] is True
    assert body["customer"]["phone"] == "+16125550400"
    assert body["customer"]["lead_source"] == "web_form"
    assert body["property"]["is_primary"] is True
    assert body["property"]["geo_source"] == "zip_centroid"
    assert body["request"]["status"] == "converted"
    assert body["request"]["customer_id"] == body["customer"]["id"]
    consent = (
        await session.scalars(
            select(CustomerConsent).where(
                CustomerConsent.customer_id == uuid.UUID(body["customer"]["id"])
            )
        )
    ).one()
    assert consent.granted is True
    assert consent.wording_version == "2026-01"
    twice = await app_client.post(
        f"{REQUESTS}/{request_id}/convert", headers=office.headers, json={}
    )
    assert twice.status_code == 409


async def test_convert_matches_existing_customer_and_property(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session, phone="+16125550400")
    prop = await make_property(session, customer, address="77 LAKEVIEW DR")
    request = await make_service_request(
        session,
        name="Wendy",
        phone="+16125550400",
        address="77 Lakeview Dr",
        city="Rogers",
        zip_code="55374",
    )
    response = await app_client.post(
        f"{REQUESTS}/{request.id}/convert", headers=office.headers, json={}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer"]["id"] == str(customer.id)
    assert body["customer_created"] is False
    assert body["property"]["id"] == str(prop.id)
    assert body["property_created"] is False


async def test_convert_needs_a_zip_for_a_new_property(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    request = await make_service_request(session, address="1 Main St", city="Rogers")
    missing = await app_client.post(
        f"{REQUESTS}/{request.id}/convert", headers=office.headers, json={}
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["field"] == "zip_code"
    completed = await app_client.post(
        f"{REQUESTS}/{request.id}/convert",
        headers=office.headers,
        json={"zip_code": "55374"},
    )
    assert completed.status_code == 200, completed.text
    forced = await make_service_request(session)
    unknown = await app_client.post(
        f"{REQUESTS}/{forced.id}/convert",
        headers=office.headers,
        json={"customer_id": str(uuid.uuid4())},
    )
    assert unknown.status_code == 404


async def test_inbox_routes_authorization(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    request = await make_service_request(session)
    tech = await logged_in(app_client, session, Role.TECHNICIAN)
    office = await logged_in(app_client, session, Role.MANAGER)
    calls = [
        ("get", REQUESTS, None),
        ("get", f"{REQUESTS}/{request.id}", None),
        ("post", f"{REQUESTS}/staff", form()),
        ("post", f"{REQUESTS}/{request.id}/status", {"status": "contacted"}),
        ("post", f"{REQUESTS}/{request.id}/convert", {}),
    ]
    for method, path, body in calls:
        unauth = await app_client.request(method, path, json=body)
        assert unauth.status_code == 401, path
        denied = await app_client.request(method, path, json=body, headers=tech.headers)
        assert denied.status_code == 403, path
    missing = await app_client.get(f"{REQUESTS}/{uuid.uuid4()}", headers=office.headers)
    assert missing.status_code == 404
    missing_status = await app_client.post(
        f"{REQUESTS}/{uuid.uuid4()}/status",
        headers=office.headers,
        json={"status": "spam"},
    )
    assert missing_status.status_code == 404

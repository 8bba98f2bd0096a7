"""``/api/v1/customers``: CRUD, duplicates 409, search, authorization, audit."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.customers.models import Customer
from grins_platform.customers.repository import NEW_COLUMNS
from grins_platform.customers.schemas import CustomerCreate
from grins_platform.requests.models import RequestStatus
from grins_platform.users.models import Role
from tests.conftest import LogCapture
from tests.factories import (
    LoggedIn,
    logged_in,
    login,
    make_customer,
    make_property,
    make_service_request,
    make_user,
)

pytestmark = pytest.mark.api
CUSTOMERS = "/api/v1/customers"


@pytest.fixture
async def office(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.MANAGER)


@pytest.fixture
async def tech(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.TECHNICIAN)


def new_customer(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Pat Gardener", "phone": "(612) 555-0100"}
    body.update(overrides)
    return body


async def test_create_normalises_phone_and_audits(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession, logs: LogCapture
) -> None:
    response = await app_client.post(
        CUSTOMERS,
        headers=office.headers,
        json=new_customer(
            email="Pat@Example.COM", is_priority=True, preferred_channel="email"
        ),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["phone"] == "+16125550100"
    assert body["phone_display"] == "(612) 555-0100"
    assert body["email"] == "pat@example.com"
    assert body["is_priority"] is True
    assert body["preferred_channel"] == "email"
    entry = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == uuid.UUID(body["id"]))
        )
    ).one()
    assert entry.action == "customer.created"
    assert entry.actor_id == office.user.id
    assert entry.after is not None
    assert entry.after["phone"] == "+16125550100"
    assert entry.request_id == response.headers["x-request-id"]
    done = [
        x
        for x in logs.since_mark()
        if x["event"] == "customers.service.create_completed"
    ]
    assert done[0]["customer_id"] == body["id"]
    assert all("Pat" not in line for line in logs.lines[logs.mark :])


@pytest.mark.parametrize(
    "typed", ["612.555.0100", "+1 612 555 0100", "1-612-555-0100", "6125550100"]
)
async def test_same_phone_in_any_format_is_409_with_existing_id(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession, typed: str
) -> None:
    existing = await make_customer(session, phone="+16125550100")
    response = await app_client.post(
        CUSTOMERS, headers=office.headers, json=new_customer(phone=typed)
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == str(existing.id)
    assert response.json()["field"] == "phone"


async def test_same_email_any_case_is_409(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    existing = await make_customer(session, email="dup@example.com")
    response = await app_client.post(
        CUSTOMERS,
        headers=office.headers,
        json={"name": "Dup", "email": "DUP@Example.com"},
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == str(existing.id)
    assert response.json()["field"] == "email"


async def test_create_answers_what_a_read_returns_and_audits_the_set_fields(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    created = await app_client.post(
        CUSTOMERS,
        headers=office.headers,
        json=new_customer(alt_phone="952 555 0101", company="Acme", notes="x"),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    read = await app_client.get(f"{CUSTOMERS}/{body['id']}", headers=office.headers)
    assert read.json() == body
    assert body["is_active"] is True
    assert body["deleted_at"] is None
    entry = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == uuid.UUID(body["id"]))
        )
    ).one()
    assert entry.after is not None
    assert set(entry.after) == {*NEW_COLUMNS, "is_active", "created_at", "updated_at"}
    assert set(NEW_COLUMNS) == {"id", *CustomerCreate.model_fields}


@pytest.mark.parametrize(
    ("existing", "payload", "field"),
    [
        ({"phone": "+16125550111"}, {"alt_phone": "612-555-0111"}, "phone"),
        (
            {"phone": "+16125550112", "alt_phone": "+16515550113"},
            {"phone": "651-555-0113"},
            "phone",
        ),
        (
            {"phone": "+16125550114", "alt_phone": "+16515550115"},
            {"phone": "763-555-0116", "alt_phone": "(651) 555-0115"},
            "phone",
        ),
        ({"email": "taken@example.com"}, {"email": "Taken@Example.com"}, "email"),
    ],
)
async def test_a_phone_or_alternate_phone_or_email_in_use_is_409(
    app_client: AsyncClient,
    office: LoggedIn,
    session: AsyncSession,
    existing: dict[str, str],
    payload: dict[str, str],
    field: str,
) -> None:
    holder = await make_customer(session, **existing)
    response = await app_client.post(
        CUSTOMERS,
        headers=office.headers,
        json={"name": "New", "phone": "763 555 0199", **payload},
    )
    assert response.status_code == 409, response.text
    assert response.json()["field"] == field
    assert response.json()["existing_id"] == str(holder.id)
    count = await session.scalar(
        select(func.count()).select_from(Customer).where(Customer.name == "New")
    )
    assert count == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (new_customer(phone="555-01"), "phone"),
        (new_customer(phone="612-555-0100 ext 4"), "phone"),
        (new_customer(name=""), "name"),
        (new_customer(email="not-an-email"), "email"),
        (new_customer(preferred_channel="pigeon"), "preferred_channel"),
        (new_customer(nickname="x"), "nickname"),
        ({"name": "No Contact"}, "phone"),
        (new_customer(lead_source="x" * 51), "lead_source"),
    ],
)
async def test_create_422_names_the_field(
    app_client: AsyncClient, office: LoggedIn, payload: dict[str, Any], field: str
) -> None:
    response = await app_client.post(CUSTOMERS, headers=office.headers, json=payload)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field


async def test_unauthenticated_is_401(app_client: AsyncClient) -> None:
    cid = uuid.uuid4()
    for call in (
        app_client.get(CUSTOMERS),
        app_client.post(CUSTOMERS, json=new_customer()),
        app_client.get(f"{CUSTOMERS}/{cid}"),
        app_client.patch(f"{CUSTOMERS}/{cid}", json={}),
        app_client.delete(f"{CUSTOMERS}/{cid}"),
    ):
        response = await call
        assert response.status_code == 401
        assert response.json()["error"] == "not_authenticated"


async def test_technician_cannot_create_or_delete(
    app_client: AsyncClient, tech: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    created = await app_client.post(
        CUSTOMERS, headers=tech.headers, json=new_customer()
    )
    deleted = await app_client.delete(
        f"{CUSTOMERS}/{customer.id}", headers=tech.headers
    )
    assert created.status_code == 403
    assert deleted.status_code == 403


async def test_technician_sees_no_customer_without_appointments(
    app_client: AsyncClient, tech: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    listed = await app_client.get(CUSTOMERS, headers=tech.headers)
    assert listed.status_code == 200
    assert listed.json()["total"] == 0
    for path in ("", "/history", "/consents"):
        response = await app_client.get(
            f"{CUSTOMERS}/{customer.id}{path}", headers=tech.headers
        )
        assert response.status_code == 404, path
    patched = await app_client.patch(
        f"{CUSTOMERS}/{customer.id}", headers=tech.headers, json={"notes": "x"}
    )
    assert patched.status_code == 404


async def test_get_unknown_is_404_and_bad_id_is_422(
    app_client: AsyncClient, office: LoggedIn
) -> None:
    missing = await app_client.get(
        f"{CUSTOMERS}/{uuid.uuid4()}", headers=office.headers
    )
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    bad = await app_client.get(f"{CUSTOMERS}/not-a-uuid", headers=office.headers)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "customer_id"


async def test_update_changes_fields_and_audits_before_after(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session, is_red_flag=False)
    response = await app_client.patch(
        f"{CUSTOMERS}/{customer.id}",
        headers=office.headers,
        json={"is_red_flag": True, "phone": "763 555 0199", "notes": "gate sticks"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == "+17635550199"
    assert response.json()["is_red_flag"] is True
    entry = (
        await session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id == customer.id,
                AuditEntry.action == "customer.updated",
            )
        )
    ).one()
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["is_red_flag"] is False
    assert entry.after["is_red_flag"] is True
    assert "name" not in entry.after


async def test_update_to_taken_phone_is_409_and_null_name_is_422(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    other = await make_customer(session, phone="+16125550177")
    customer = await make_customer(session)
    taken = await app_client.patch(
        f"{CUSTOMERS}/{customer.id}",
        headers=office.headers,
        json={"phone": "612-555-0177"},
    )
    assert taken.status_code == 409
    assert taken.json()["existing_id"] == str(other.id)
    null_name = await app_client.patch(
        f"{CUSTOMERS}/{customer.id}", headers=office.headers, json={"name": None}
    )
    assert null_name.status_code == 422
    assert null_name.json()["detail"][0]["field"] == "name"
    no_contact = await app_client.patch(
        f"{CUSTOMERS}/{customer.id}", headers=office.headers, json={"phone": None}
    )
    assert no_contact.status_code == 422
    assert no_contact.json()["detail"][0]["field"] == "phone"


async def test_soft_delete_frees_the_phone(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session, phone="+16125550155")
    deleted = await app_client.delete(
        f"{CUSTOMERS}/{customer.id}", headers=office.headers
    )
    assert deleted.status_code == 204
    gone = await app_client.get(f"{CUSTOMERS}/{customer.id}", headers=office.headers)
    assert gone.status_code == 404
    again = await app_client.post(
        CUSTOMERS, headers=office.headers, json=new_customer(phone="6125550155")
    )
    assert again.status_code == 201
    twice = await app_client.delete(
        f"{CUSTOMERS}/{customer.id}", headers=office.headers
    )
    assert twice.status_code == 404


async def _names(client: AsyncClient, who: LoggedIn, **params: Any) -> list[str]:
    response = await client.get(CUSTOMERS, headers=who.headers, params=params)
    assert response.status_code == 200, response.text
    return [c["name"] for c in response.json()["items"]]


async def test_search_by_name_phone_email_street_city(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    ada = await make_customer(
        session, name="Ada Lovelace", phone="+16125550123", email="ada@calc.org"
    )
    await make_property(session, ada, address="12 Engine Way", city="Rogers")
    bob = await make_customer(session, name="Bob Babbage", phone="+17635550999")
    await make_property(session, bob, address="9 Lake St", city="Plymouth")
    assert await _names(app_client, office, q="lov") == ["Ada Lovelace"]
    assert await _names(app_client, office, q="ada l") == ["Ada Lovelace"]
    for typed in ("555-0123", "(612) 555-0123", "612.555.0123", "+1 612 555 0123"):
        assert await _names(app_client, office, q=typed) == ["Ada Lovelace"]
    assert await _names(app_client, office, q="ADA@calc") == ["Ada Lovelace"]
    assert await _names(app_client, office, q="engine way") == ["Ada Lovelace"]
    # street words
    assert await _names(app_client, office, q="9 lak") == ["Bob Babbage"]
    assert await _names(app_client, office, q="plym") == ["Bob Babbage"]
    assert await _names(app_client, office, q="100%_") == []


async def test_filters_flags_city_source_and_open_work(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    vip = await make_customer(session, name="Vip", is_priority=True, lead_source="Web")
    await make_property(session, vip, city="Maple Grove")
    slow = await make_customer(session, name="Slow", is_slow_payer=True)
    await make_service_request(session, customer_id=slow.id)
    closed = await make_customer(session, name="Closed")
    await make_service_request(
        session, customer_id=closed.id, status=RequestStatus.CONVERTED
    )
    assert await _names(app_client, office, is_priority=True) == ["Vip"]
    assert await _names(app_client, office, is_slow_payer=True) == ["Slow"]
    assert await _names(app_client, office, city="maple grove") == ["Vip"]
    assert await _names(app_client, office, lead_source="web") == ["Vip"]
    assert await _names(app_client, office, has_open_work=True) == ["Slow"]
    assert "Slow" not in await _names(app_client, office, has_open_work=False)


async def test_sorting_and_stable_pagination(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    for _ in range(7):
        await make_customer(session, name="Same Name")
    await make_customer(session, name="Aaron First")
    seen: list[str] = []
    for offset in range(0, 8, 3):
        response = await app_client.get(
            CUSTOMERS,
            headers=office.headers,
            params={"limit": 3, "offset": offset, "sort": "name"},
        )
        page = response.json()
        assert page["total"] == 8
        seen += [c["id"] for c in page["items"]]
    assert len(seen) == len(set(seen)) == 8
    desc = await _names(app_client, office, sort="-name")
    assert desc[-1] == "Aaron First"
    bad_sort = await app_client.get(
        CUSTOMERS, headers=office.headers, params={"sort": "phone"}
    )
    assert bad_sort.status_code == 422
    assert bad_sort.json()["detail"][0]["field"] == "sort"
    too_big = await app_client.get(
        CUSTOMERS, headers=office.headers, params={"limit": 500}
    )
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["field"] == "limit"


async def test_consent_ledger_appends_and_current_is_newest(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    path = f"{CUSTOMERS}/{customer.id}/consents"
    given = await app_client.post(
        path,
        headers=office.headers,
        json={"channel": "sms", "granted": True, "wording_version": "v3"},
    )
    assert given.status_code == 201, given.text
    assert given.json()["recorded_by_id"] == str(office.user.id)
    withdrawn = await app_client.post(
        path,
        headers=office.headers,
        json={"channel": "sms", "granted": False, "source": "sms_reply"},
    )
    assert withdrawn.status_code == 201
    state = (await app_client.get(path, headers=office.headers)).json()
    assert len(state["ledger"]) == 2
    current = {(c["channel"], c["purpose"]): c for c in state["current"]}
    assert current["sms", "transactional"]["granted"] is False
    assert current["sms", "transactional"]["source"] == "sms_reply"
    assert current["email", "marketing"]["granted"] is False
    assert current["email", "marketing"]["recorded_at"] is None
    bad = await app_client.post(
        path, headers=office.headers, json={"channel": "fax", "granted": True}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "channel"
    missing = await app_client.post(
        f"{CUSTOMERS}/{uuid.uuid4()}/consents",
        headers=office.headers,
        json={"channel": "sms", "granted": True},
    )
    assert missing.status_code == 404


async def test_history_lists_properties_requests_and_consent(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    await make_property(session, customer, gate_code="Gx-4711-Q#")
    await make_service_request(session, customer_id=customer.id)
    response = await app_client.get(
        f"{CUSTOMERS}/{customer.id}/history", headers=office.headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["customer"]["id"] == str(customer.id)
    assert len(body["properties"]) == 1
    assert body["properties"][0]["gate_code"] == "Gx-4711-Q#"
    assert len(body["requests"]) == 1
    assert len(body["consent"]["current"]) == 4


async def test_concurrent_creates_with_one_phone_give_one_customer(
    committed_client: AsyncClient, session: AsyncSession, engine: Any
) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession as Session  # noqa: PLC0415

    async with Session(engine, expire_on_commit=False) as own:
        user = await make_user(own, role=Role.MANAGER)
        await own.commit()
    caller = await login(committed_client, user)
    responses = await asyncio.gather(
        *[
            committed_client.post(
                CUSTOMERS,
                headers=caller.headers,
                json=new_customer(phone="612 555 0142", name=f"Racer {i}"),
            )
            for i in range(4)
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409, 409, 409]
    winner = next(r for r in responses if r.status_code == 201).json()["id"]
    assert all(
        r.json()["existing_id"] in {winner, None}
        for r in responses
        if r.status_code == 409
    )


async def test_a_whole_number_finds_either_phone_and_fragments_still_match(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    await make_customer(
        session, name="Cy Alt", phone="+16125550177", alt_phone="+19525550188"
    )
    await make_customer(session, name="Di Other", phone="+16515550199")
    for typed in ("952-555-0188", "1 (952) 555 0188", "+19525550188"):
        assert await _names(app_client, office, q=typed) == ["Cy Alt"]
    assert await _names(app_client, office, q="612-555-0177") == ["Cy Alt"]
    assert await _names(app_client, office, q="555-01") == ["Cy Alt", "Di Other"]
    assert await _names(app_client, office, q="0188") == ["Cy Alt"]


async def test_search_pages_carry_the_total_even_past_the_end(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    for n in range(5):
        await make_customer(session, name=f"Zed Searchable {n}")
    await make_customer(session, name="Other Person")
    pages = []
    for offset in (0, 2, 4, 6):
        response = await app_client.get(
            CUSTOMERS,
            headers=office.headers,
            params={"q": "zed", "limit": 2, "offset": offset},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 5
        pages.append([c["name"] for c in body["items"]])
    assert pages[-1] == []
    assert [n for page in pages for n in page] == [
        f"Zed Searchable {n}" for n in range(5)
    ]
    nothing = await app_client.get(
        CUSTOMERS, headers=office.headers, params={"q": "nobody-at-all"}
    )
    assert nothing.json()["items"] == []
    assert nothing.json()["total"] == 0

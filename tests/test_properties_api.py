"""Properties: primary switching, geocoding, encrypted access codes, authorization."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.properties.models import Property
from grins_platform.users.models import Role
from tests.conftest import LogCapture, remember_secret
from tests.factories import LoggedIn, logged_in, make_customer, make_property

pytestmark = pytest.mark.api
GATE = remember_secret("8642#")
LOCKBOX = remember_secret("LB-97531")


@pytest.fixture
async def office(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.MANAGER)


@pytest.fixture
async def tech(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.TECHNICIAN)


def new_property(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "address": "3400 Vicksburg Ln N",
        "city": "Plymouth",
        "zip_code": "55447",
        "zone_count": 8,
        "system_type": "lake_pump",
        "controller_make": "Hunter",
        "controller_model": "Pro-C",
        "backflow_type": "PVB",
        "backflow_next_test_due": "2027-05-01",
        "has_dogs": True,
        "access_instructions": "side gate",
    }
    body.update(overrides)
    return body


async def test_first_property_is_primary_and_geocoded_by_zip(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    response = await app_client.post(
        f"/api/v1/customers/{customer.id}/properties",
        headers=office.headers,
        json=new_property(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["is_primary"] is True
    assert body["geo_source"] == "zip_centroid"
    assert 44 < body["latitude"] < 46
    assert body["system_type"] == "lake_pump"
    assert body["zone_count"] == 8


async def test_hand_entered_coordinates_win(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    response = await app_client.post(
        f"/api/v1/customers/{customer.id}/properties",
        headers=office.headers,
        json=new_property(latitude=45.0123, longitude=-93.4567),
    )
    assert response.status_code == 201
    assert response.json()["geo_source"] == "manual"
    assert response.json()["latitude"] == 45.0123
    half = await app_client.post(
        f"/api/v1/customers/{customer.id}/properties",
        headers=office.headers,
        json=new_property(latitude=45.0),
    )
    assert half.status_code == 422
    assert half.json()["detail"][0]["field"] == "longitude"


async def test_primary_switch_is_atomic_and_audited(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    first = await make_property(session, customer, is_primary=True)
    second = await make_property(session, customer, is_primary=False)
    response = await app_client.post(
        f"/api/v1/properties/{second.id}/primary", headers=office.headers
    )
    assert response.status_code == 200
    assert response.json()["is_primary"] is True
    rows = (
        await session.execute(
            text(
                "SELECT id, is_primary FROM properties WHERE customer_id = :c "
                "ORDER BY is_primary DESC"
            ),
            {"c": customer.id},
        )
    ).all()
    assert [(r.id, r.is_primary) for r in rows] == [
        (second.id, True),
        (first.id, False),
    ]
    listed = await app_client.get(
        f"/api/v1/customers/{customer.id}/properties", headers=office.headers
    )
    assert [p["id"] for p in listed.json()] == [str(second.id), str(first.id)]
    actions = (
        await session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_id == second.id)
        )
    ).all()
    assert "property.primary_set" in actions


async def test_new_primary_property_replaces_the_old_one(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    old = await make_property(session, customer)
    response = await app_client.post(
        f"/api/v1/customers/{customer.id}/properties",
        headers=office.headers,
        json=new_property(is_primary=True),
    )
    assert response.status_code == 201
    await session.refresh(old)
    assert old.is_primary is False


async def test_deleting_the_primary_promotes_another(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    first = await make_property(session, customer, is_primary=True)
    second = await make_property(session, customer, is_primary=False)
    response = await app_client.delete(
        f"/api/v1/properties/{first.id}", headers=office.headers
    )
    assert response.status_code == 204
    listed = await app_client.get(
        f"/api/v1/customers/{customer.id}/properties", headers=office.headers
    )
    assert [(p["id"], p["is_primary"]) for p in listed.json()] == [
        (str(second.id), True)
    ]


async def test_access_codes_encrypted_at_rest_and_never_logged(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession, logs: LogCapture
) -> None:
    customer = await make_customer(session)
    response = await app_client.post(
        f"/api/v1/customers/{customer.id}/properties",
        headers=office.headers,
        json=new_property(gate_code=GATE, lockbox_code=LOCKBOX),
    )
    assert response.status_code == 201
    assert response.json()["gate_code"] == GATE
    assert response.json()["lockbox_code"] == LOCKBOX
    raw = (
        await session.execute(
            text("SELECT gate_code, lockbox_code FROM properties WHERE id = :id"),
            {"id": uuid.UUID(response.json()["id"])},
        )
    ).one()
    assert GATE not in raw.gate_code
    assert raw.gate_code.startswith("v1:")
    assert LOCKBOX not in raw.lockbox_code
    dump = (
        await session.execute(text("SELECT properties::text FROM properties"))
    ).all()
    assert all(GATE not in row[0] for row in dump)
    audit = (
        await session.execute(text("SELECT before::text, after::text FROM audit_log"))
    ).all()
    assert all(GATE not in (a or "") + (b or "") for a, b in audit)
    assert all(GATE not in line for line in logs.lines[logs.mark :])


async def test_access_codes_withheld_from_non_office(
    session: AsyncSession,
) -> None:
    from grins_platform.customers.access import may_see_access_codes  # noqa: PLC0415
    from tests.factories import make_user  # noqa: PLC0415

    customer = await make_customer(session)
    prop = await make_property(session, customer, gate_code=GATE)
    technician = await make_user(session, role=Role.TECHNICIAN)
    manager = await make_user(session, role=Role.MANAGER)
    assert await may_see_access_codes(session, manager, prop.id) is True
    assert await may_see_access_codes(session, technician, prop.id) is False


async def test_update_regeocodes_a_new_address_and_audits_redacted(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    prop = await make_property(session, customer, zip_code="55447")
    response = await app_client.patch(
        f"/api/v1/properties/{prop.id}",
        headers=office.headers,
        json={"zip_code": "55369", "city": "Maple Grove", "gate_code": GATE},
    )
    assert response.status_code == 200, response.text
    assert response.json()["geo_source"] == "zip_centroid"
    assert response.json()["has_gate_code"] is True
    entry = (
        await session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id == prop.id, AuditEntry.action == "property.updated"
            )
        )
    ).one()
    assert entry.after is not None
    assert entry.after["gate_code"] == "[REDACTED]"
    assert entry.after["zip_code"] == "55369"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (new_property(zip_code="554"), "zip_code"),
        (new_property(zip_code="ABCDE"), "zip_code"),
        (new_property(zone_count=120), "zone_count"),
        (new_property(system_type="river"), "system_type"),
        (new_property(state="Atlantis"), "state"),
        (new_property(address=""), "address"),
        ({"address": "1 Main St", "city": "Rogers"}, "zip_code"),
    ],
)
async def test_create_property_422_names_the_field(
    app_client: AsyncClient,
    office: LoggedIn,
    session: AsyncSession,
    payload: dict[str, Any],
    field: str,
) -> None:
    customer = await make_customer(session)
    response = await app_client.post(
        f"/api/v1/customers/{customer.id}/properties",
        headers=office.headers,
        json=payload,
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field


async def test_property_routes_authorization(
    app_client: AsyncClient, tech: LoggedIn, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    prop = await make_property(session, customer)
    base = f"/api/v1/properties/{prop.id}"
    assert (await app_client.get(base)).status_code == 401
    assert (await app_client.get(base, headers=tech.headers)).status_code == 404
    assert (
        await app_client.patch(base, headers=tech.headers, json={"zone_count": 3})
    ).status_code == 404
    assert (await app_client.delete(base, headers=tech.headers)).status_code == 403
    assert (
        await app_client.post(f"{base}/primary", headers=tech.headers)
    ).status_code == 403
    assert (
        await app_client.post(
            f"/api/v1/customers/{customer.id}/properties",
            headers=tech.headers,
            json=new_property(),
        )
    ).status_code == 403
    listed = await app_client.get("/api/v1/properties", headers=tech.headers)
    assert listed.json()["total"] == 0
    unknown = await app_client.get(
        f"/api/v1/properties/{uuid.uuid4()}", headers=office.headers
    )
    assert unknown.status_code == 404
    no_customer = await app_client.post(
        f"/api/v1/customers/{uuid.uuid4()}/properties",
        headers=office.headers,
        json=new_property(),
    )
    assert no_customer.status_code == 404
    null_city = await app_client.patch(
        base, headers=office.headers, json={"city": None}
    )
    assert null_city.status_code == 422
    assert null_city.json()["detail"][0]["field"] == "city"


async def test_search_properties_by_street_city_zip(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    customer = await make_customer(session)
    await make_property(
        session, customer, address="1 Oak Ave", city="Rogers", zip_code="55374"
    )
    await make_property(
        session, customer, address="2 Elm St", city="Plymouth", is_primary=False
    )

    async def addresses(**params: Any) -> list[str]:
        response = await app_client.get(
            "/api/v1/properties", headers=office.headers, params=params
        )
        assert response.status_code == 200
        return [p["address"] for p in response.json()["items"]]

    assert await addresses(q="oak") == ["1 Oak Ave"]
    assert await addresses(city="plymouth") == ["2 Elm St"]
    assert await addresses(zip_code="55374") == ["1 Oak Ave"]
    assert await addresses(customer_id=str(customer.id), sort="-address") == [
        "2 Elm St",
        "1 Oak Ave",
    ]
    rows = (await session.scalars(select(Property.id))).all()
    assert len(rows) == 2

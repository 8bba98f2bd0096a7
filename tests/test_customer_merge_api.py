"""Duplicate candidates and merging customers."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.customers.merge import customer_references
from grins_platform.customers.models import (
    ConsentChannel,
    ConsentPurpose,
    Customer,
    CustomerConsent,
)
from grins_platform.requests.models import ServiceRequest
from grins_platform.users.models import Role
from tests.factories import (
    LoggedIn,
    logged_in,
    make_customer,
    make_property,
    make_service_request,
)

pytestmark = pytest.mark.api
CUSTOMERS = "/api/v1/customers"


@pytest.fixture
async def office(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.MANAGER)


async def test_candidates_by_phone_email_name_zip_and_street(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    main = await make_customer(
        session, name="Maria Johnson", phone="+16125550301", email="mj@example.com"
    )
    await make_property(session, main, address="5 Birch Ln", zip_code="55447")
    alt_phone = await make_customer(session, name="M J", alt_phone="+16125550301")
    same_zip = await make_customer(session, name="Tom Johnson")
    await make_property(session, same_zip, address="9 Far Rd", zip_code="55447")
    same_street = await make_customer(session, name="Mrs Johnson")
    await make_property(session, same_street, address="5 BIRCH LN", zip_code="55311")
    stranger = await make_customer(session, name="Ann Other")
    await make_property(session, stranger, zip_code="55447")
    response = await app_client.get(
        f"{CUSTOMERS}/{main.id}/duplicates", headers=office.headers
    )
    assert response.status_code == 200
    found = {c["customer"]["id"]: c["reasons"] for c in response.json()}
    assert found[str(alt_phone.id)] == ["phone"]
    assert found[str(same_zip.id)] == ["name_and_zip"]
    assert "name_and_street" in found[str(same_street.id)]
    assert str(stranger.id) not in found


async def test_merge_moves_everything_and_leaves_a_pointer(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    survivor = await make_customer(session, name="Keep", notes="likes mornings")
    duplicate = await make_customer(
        session,
        name="Keep Dup",
        email="dup@example.com",
        notes="dog named Rex",
        is_red_flag=True,
    )
    kept_home = await make_property(session, survivor, is_primary=True)
    moved_home = await make_property(session, duplicate, is_primary=True)
    request = await make_service_request(session, customer_id=duplicate.id)
    session.add(
        CustomerConsent(
            customer_id=duplicate.id,
            channel=ConsentChannel.SMS,
            purpose=ConsentPurpose.TRANSACTIONAL,
            granted=True,
            source="web_form",
        )
    )
    await session.flush()
    kept_id, moved_id, request_id = kept_home.id, moved_home.id, request.id
    response = await app_client.post(
        f"{CUSTOMERS}/{survivor.id}/merge",
        headers=office.headers,
        json={"duplicate_id": str(duplicate.id)},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["email"] == "dup@example.com"
    assert body["is_red_flag"] is True
    assert "likes mornings" in body["notes"]
    assert "dog named Rex" in body["notes"]
    assert body["alt_phone"] == duplicate.phone
    homes = await app_client.get(
        f"{CUSTOMERS}/{survivor.id}/properties", headers=office.headers
    )
    assert [(h["id"], h["is_primary"]) for h in homes.json()] == [
        (str(kept_id), True),
        (str(moved_id), False),
    ]
    moved_request = await session.get(
        ServiceRequest, request_id, populate_existing=True
    )
    assert moved_request is not None
    assert moved_request.customer_id == survivor.id
    consents = await app_client.get(
        f"{CUSTOMERS}/{survivor.id}/consents", headers=office.headers
    )
    assert len(consents.json()["ledger"]) == 1
    gone = await app_client.get(f"{CUSTOMERS}/{duplicate.id}", headers=office.headers)
    assert gone.status_code == 404
    assert gone.json()["merged_into_id"] == str(survivor.id)
    merged = await session.get(Customer, duplicate.id, populate_existing=True)
    assert merged is not None
    assert merged.merged_into_id == survivor.id
    assert merged.deleted_at is not None
    entry = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "customer.merged")
        )
    ).one()
    assert entry.entity_id == survivor.id
    assert entry.after is not None
    assert entry.after["moved"]["properties.customer_id"] == 1
    assert entry.after["moved"]["service_requests.customer_id"] == 1


async def test_merge_errors_and_authorization(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    one = await make_customer(session)
    two = await make_customer(session)
    path = f"{CUSTOMERS}/{one.id}/merge"
    itself = await app_client.post(
        path, headers=office.headers, json={"duplicate_id": str(one.id)}
    )
    assert itself.status_code == 422
    assert itself.json()["detail"][0]["field"] == "duplicate_id"
    missing = await app_client.post(
        path, headers=office.headers, json={"duplicate_id": str(uuid.uuid4())}
    )
    assert missing.status_code == 404
    bad = await app_client.post(path, headers=office.headers, json={"duplicate_id": 1})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "duplicate_id"
    tech = await logged_in(app_client, session, Role.TECHNICIAN)
    for call in (
        app_client.post(path, headers=tech.headers, json={"duplicate_id": str(two.id)}),
        app_client.get(f"{CUSTOMERS}/{one.id}/duplicates", headers=tech.headers),
    ):
        assert (await call).status_code == 403
    assert (
        await app_client.post(path, json={"duplicate_id": str(two.id)})
    ).status_code == 401
    ok = await app_client.post(
        path, headers=office.headers, json={"duplicate_id": str(two.id)}
    )
    assert ok.status_code == 200
    again = await app_client.post(
        path, headers=office.headers, json={"duplicate_id": str(two.id)}
    )
    assert again.status_code == 404


def test_every_customer_foreign_key_is_moved() -> None:
    tables = {table.name for table, _ in customer_references()}
    assert {"properties", "customer_consents", "service_requests"} <= tables
    assert "customers" not in tables


async def test_merge_keeps_the_survivors_row_where_a_unique_key_clashes(
    app_client: AsyncClient, office: LoggedIn, session: AsyncSession
) -> None:
    from grins_platform.catalog.models import PriceOverride  # noqa: PLC0415
    from tests.job_factories import make_offering  # noqa: PLC0415

    survivor = await make_customer(session)
    duplicate = await make_customer(session)
    shared, only_dup = await make_offering(session), await make_offering(session)
    for customer, offering, cents in (
        (survivor, shared, 70_000),
        (duplicate, shared, 65_000),
        (duplicate, only_dup, 5_000),
    ):
        session.add(
            PriceOverride(
                customer_id=customer.id,
                offering_id=offering.id,
                per_zone_price_cents=cents,
            )
        )
    await session.flush()
    survivor_id, shared_id = survivor.id, shared.id
    response = await app_client.post(
        f"{CUSTOMERS}/{survivor_id}/merge",
        headers=office.headers,
        json={"duplicate_id": str(duplicate.id)},
    )
    assert response.status_code == 200, response.text
    rows = (
        await session.execute(
            select(PriceOverride.offering_id, PriceOverride.per_zone_price_cents)
            .where(PriceOverride.customer_id == survivor_id)
            .execution_options(populate_existing=True)
        )
    ).all()
    prices = dict(rows)
    assert len(prices) == 2
    assert prices[shared_id] == 70_000

"""``/api/v1/catalog``: offerings, vocabularies, overrides, quotes, caching."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.users.models import Role
from tests.factories import LoggedIn, logged_in
from tests.job_factories import make_client, make_site, seed_catalog

pytestmark = pytest.mark.api
CATALOG = "/api/v1/catalog"

NEW_OFFERING = {
    "code": "drip_conversion",
    "name": "Drip zone conversion",
    "category": "installation",
    "pricing_model": "per_zone",
    "base_price_cents": 15000,
    "per_zone_price_cents": 9000,
    "base_minutes": 60,
    "per_zone_minutes": 45,
    "staff_needed": 2,
    "required_skills": ["installation"],
    "required_equipment": ["trailer"],
}


@pytest.fixture
async def manager(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    await seed_catalog(session)
    return await logged_in(app_client, session, Role.MANAGER)


@pytest.fixture
async def tech(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.TECHNICIAN)


async def test_reference_catalog_listed_for_any_staff(
    app_client: AsyncClient, manager: LoggedIn, tech: LoggedIn
) -> None:
    response = await app_client.get(f"{CATALOG}/offerings", headers=tech.headers)
    assert response.status_code == 200
    codes = {o["code"] for o in response.json()}
    assert {"spring_startup", "fall_winterization", "diagnostic", "new_system"} <= codes
    winter = next(o for o in response.json() if o["code"] == "fall_winterization")
    assert winter["base_price_cents"] == 6000
    assert winter["per_zone_price_cents"] == 1200
    seasonal = await app_client.get(
        f"{CATALOG}/offerings", headers=tech.headers, params={"category": "seasonal"}
    )
    assert {o["category"] for o in seasonal.json()} == {"seasonal"}


async def test_catalog_reads_are_cached_and_invalidated_on_write(
    app_client: AsyncClient, manager: LoggedIn, redis: Redis, session: AsyncSession
) -> None:
    first = await app_client.get(f"{CATALOG}/offerings", headers=manager.headers)
    keys = [k async for k in redis.scan_iter(match="grins:cache:catalog:0:*")]
    assert keys, "the list was not cached"
    # the body is cached as it is sent, and a hit sends exactly those bytes
    assert [await redis.get(k) for k in keys] == [first.text]
    hit = await app_client.get(f"{CATALOG}/offerings", headers=manager.headers)
    assert hit.content == first.content
    assert hit.headers["content-type"] == "application/json"
    assert hit.headers["cache-control"] == "private, max-age=30"
    assert {o["id"] for o in hit.json()} == {o["id"] for o in first.json()}
    created = await app_client.post(
        f"{CATALOG}/offerings", headers=manager.headers, json=NEW_OFFERING
    )
    assert created.status_code == 201
    # a new generation: the cached list is no longer read (it expires by its TTL)
    assert await redis.get("grins:cache:catalog:generation") == "1"
    second = await app_client.get(f"{CATALOG}/offerings", headers=manager.headers)
    assert len(second.json()) == len(first.json()) + 1
    assert await redis.get(keys[0]) == first.text
    assert [k async for k in redis.scan_iter(match="grins:cache:catalog:1:*")]
    code = NEW_OFFERING["code"]
    offering_id = next(o["id"] for o in second.json() if o["code"] == code)
    changed = await app_client.patch(
        f"{CATALOG}/offerings/{offering_id}",
        headers=manager.headers,
        json={"base_price_cents": 12345},
    )
    assert changed.status_code == 200
    third = await app_client.get(f"{CATALOG}/offerings", headers=manager.headers)
    priced = next(o for o in third.json() if o["id"] == offering_id)
    assert priced["base_price_cents"] == 12345
    audit = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "offering.created")
        )
    ).all()
    assert len(audit) == 1
    assert audit[0].actor_id == manager.user.id


async def test_create_offering_conflict_and_validation(
    app_client: AsyncClient, manager: LoggedIn
) -> None:
    dup = await app_client.post(
        f"{CATALOG}/offerings",
        headers=manager.headers,
        json={**NEW_OFFERING, "code": "diagnostic"},
    )
    assert dup.status_code == 409
    for payload, field in [
        ({**NEW_OFFERING, "staff_needed": 5}, "staff_needed"),
        ({**NEW_OFFERING, "base_price_cents": -1}, "base_price_cents"),
        ({**NEW_OFFERING, "pricing_model": "barter"}, "pricing_model"),
        ({**NEW_OFFERING, "code": "Bad Code"}, "code"),
        ({**NEW_OFFERING, "required_skills": ["juggling"]}, "required_skills"),
        ({**NEW_OFFERING, "required_equipment": ["jetpack"]}, "required_equipment"),
    ]:
        response = await app_client.post(
            f"{CATALOG}/offerings", headers=manager.headers, json=payload
        )
        assert response.status_code == 422, payload
        assert response.json()["detail"][0]["field"] == field


async def test_update_and_retire_offering(
    app_client: AsyncClient, manager: LoggedIn, tech: LoggedIn
) -> None:
    offerings = (
        await app_client.get(f"{CATALOG}/offerings", headers=manager.headers)
    ).json()
    head = next(o for o in offerings if o["code"] == "head_replacement")
    url = f"{CATALOG}/offerings/{head['id']}"
    changed = await app_client.patch(
        url, headers=manager.headers, json={"base_price_cents": 5500}
    )
    assert changed.status_code == 200
    assert changed.json()["base_price_cents"] == 5500
    retired = await app_client.patch(
        url, headers=manager.headers, json={"is_active": False}
    )
    assert retired.json()["is_active"] is False
    active = await app_client.get(f"{CATALOG}/offerings", headers=tech.headers)
    assert head["id"] not in {o["id"] for o in active.json()}
    assert (await app_client.get(url, headers=tech.headers)).status_code == 200
    assert (
        await app_client.patch(url, headers=manager.headers, json={"name": None})
    ).status_code == 422
    missing = await app_client.patch(
        f"{CATALOG}/offerings/{uuid.uuid4()}",
        headers=manager.headers,
        json={"name": "x"},
    )
    assert missing.status_code == 404


async def test_technicians_read_but_cannot_write(
    app_client: AsyncClient, manager: LoggedIn, tech: LoggedIn
) -> None:
    offerings = (
        await app_client.get(f"{CATALOG}/offerings", headers=tech.headers)
    ).json()
    some = offerings[0]["id"]
    for method, url, body in [
        ("POST", f"{CATALOG}/offerings", NEW_OFFERING),
        ("PATCH", f"{CATALOG}/offerings/{some}", {"name": "x"}),
        ("POST", f"{CATALOG}/skills", {"code": "pruning", "name": "Pruning"}),
        ("GET", f"{CATALOG}/price-overrides/{uuid.uuid4()}", None),
        ("PUT", f"{CATALOG}/price-overrides/{uuid.uuid4()}/{some}", {}),
        ("DELETE", f"{CATALOG}/price-overrides/{uuid.uuid4()}/{some}", None),
        ("GET", f"{CATALOG}/quote?offering_id={some}&property_id={uuid.uuid4()}", None),
    ]:
        response = await app_client.request(
            method, url, headers=tech.headers, json=body
        )
        assert response.status_code == 403, (method, url)


async def test_catalog_requires_authentication(app_client: AsyncClient) -> None:
    for url in (f"{CATALOG}/offerings", f"{CATALOG}/skills", f"{CATALOG}/equipment"):
        assert (await app_client.get(url)).status_code == 401


async def test_vocabularies(app_client: AsyncClient, manager: LoggedIn) -> None:
    skills = await app_client.get(f"{CATALOG}/skills", headers=manager.headers)
    assert "backflow_certified" in {s["code"] for s in skills.json()}
    added = await app_client.post(
        f"{CATALOG}/equipment",
        headers=manager.headers,
        json={"code": "trencher", "name": "Trencher"},
    )
    assert added.status_code == 201
    again = await app_client.post(
        f"{CATALOG}/equipment",
        headers=manager.headers,
        json={"code": "trencher", "name": "T"},
    )
    assert again.status_code == 409
    bad = await app_client.get(f"{CATALOG}/tools", headers=manager.headers)
    assert bad.status_code == 422


async def test_quote_a_twelve_zone_winterization_and_builder_override(
    app_client: AsyncClient, manager: LoggedIn, session: AsyncSession
) -> None:
    offerings = {
        o["code"]: o
        for o in (
            await app_client.get(f"{CATALOG}/offerings", headers=manager.headers)
        ).json()
    }
    site = await make_site(session, zone_count=12)
    winter = offerings["fall_winterization"]["id"]
    response = await app_client.get(
        f"{CATALOG}/quote",
        headers=manager.headers,
        params={"offering_id": winter, "property_id": str(site.id)},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["price_cents"] == 6000 + 12 * 1200
    assert body["minutes"] == 25 + 2 * 12
    assert body["quote_needed"] is False

    new_system = offerings["new_system"]["id"]
    custom = await app_client.get(
        f"{CATALOG}/quote",
        headers=manager.headers,
        params={"offering_id": new_system, "property_id": str(site.id)},
    )
    assert custom.json()["quote_needed"] is True
    assert custom.json()["price_cents"] is None

    put = await app_client.put(
        f"{CATALOG}/price-overrides/{site.customer_id}/{new_system}",
        headers=manager.headers,
        json={"per_zone_price_cents": 70000, "note": "builder rate"},
    )
    assert put.status_code == 200
    builder = await app_client.get(
        f"{CATALOG}/quote",
        headers=manager.headers,
        params={"offering_id": new_system, "property_id": str(site.id)},
    )
    assert builder.json()["price_cents"] == 12 * 70000
    assert builder.json()["override_applied"] is True
    listed = await app_client.get(
        f"{CATALOG}/price-overrides/{site.customer_id}", headers=manager.headers
    )
    assert len(listed.json()) == 1
    deleted = await app_client.delete(
        f"{CATALOG}/price-overrides/{site.customer_id}/{new_system}",
        headers=manager.headers,
    )
    assert deleted.status_code == 204
    again = await app_client.delete(
        f"{CATALOG}/price-overrides/{site.customer_id}/{new_system}",
        headers=manager.headers,
    )
    assert again.status_code == 404


async def test_quote_errors(
    app_client: AsyncClient, manager: LoggedIn, session: AsyncSession
) -> None:
    offerings = {
        o["code"]: o["id"]
        for o in (
            await app_client.get(f"{CATALOG}/offerings", headers=manager.headers)
        ).json()
    }
    unknown_zones = await make_site(session, zone_count=None)
    response = await app_client.get(
        f"{CATALOG}/quote",
        headers=manager.headers,
        params={
            "offering_id": offerings["spring_startup"],
            "property_id": str(unknown_zones.id),
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "zone_count"
    with_zones = await app_client.get(
        f"{CATALOG}/quote",
        headers=manager.headers,
        params={
            "offering_id": offerings["spring_startup"],
            "property_id": str(unknown_zones.id),
            "zone_count": 6,
        },
    )
    assert with_zones.json()["price_cents"] == 5000 + 6 * 1000
    missing = await app_client.get(
        f"{CATALOG}/quote",
        headers=manager.headers,
        params={
            "offering_id": offerings["spring_startup"],
            "property_id": str(uuid.uuid4()),
        },
    )
    assert missing.status_code == 404
    no_customer = await app_client.put(
        f"{CATALOG}/price-overrides/{uuid.uuid4()}/{offerings['diagnostic']}",
        headers=manager.headers,
        json={},
    )
    assert no_customer.status_code == 404
    customer = await make_client(session)
    negative = await app_client.put(
        f"{CATALOG}/price-overrides/{customer.id}/{offerings['diagnostic']}",
        headers=manager.headers,
        json={"hourly_rate_cents": -5},
    )
    assert negative.status_code == 422
    assert negative.json()["detail"][0]["field"] == "hourly_rate_cents"


async def test_service_plans_put_list_delete(
    app_client: AsyncClient, manager: LoggedIn, tech: LoggedIn, session: AsyncSession
) -> None:
    offerings = {
        o["code"]: o["id"]
        for o in (
            await app_client.get(f"{CATALOG}/offerings", headers=manager.headers)
        ).json()
    }
    site = await make_site(session)
    other = await make_site(session)
    url = (
        f"{CATALOG}/service-plans/{site.customer_id}/{offerings['fall_winterization']}"
    )
    put = await app_client.put(
        url, headers=manager.headers, json={"property_id": str(site.id)}
    )
    assert put.status_code == 200
    assert put.json()["property_id"] == str(site.id)
    again = await app_client.put(url, headers=manager.headers, json={})
    assert again.json()["id"] == put.json()["id"]  # one plan per customer and offering
    listed = await app_client.get(
        f"{CATALOG}/service-plans/{site.customer_id}", headers=manager.headers
    )
    assert [p["offering_id"] for p in listed.json()] == [
        offerings["fall_winterization"]
    ]
    foreign = await app_client.put(
        url, headers=manager.headers, json={"property_id": str(other.id)}
    )
    assert foreign.status_code == 422
    assert foreign.json()["detail"][0]["field"] == "property_id"
    assert (await app_client.put(url, headers=tech.headers, json={})).status_code == 403
    assert (await app_client.put(url, json={})).status_code == 401
    unknown = await app_client.put(
        f"{CATALOG}/service-plans/{uuid.uuid4()}/{offerings['diagnostic']}",
        headers=manager.headers,
        json={},
    )
    assert unknown.status_code == 404
    assert (await app_client.delete(url, headers=manager.headers)).status_code == 204
    assert (await app_client.delete(url, headers=manager.headers)).status_code == 404

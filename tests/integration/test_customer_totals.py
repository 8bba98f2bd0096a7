"""``customer_totals``: the trigger-kept number of live customers stays exact."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from grins_platform.db.session import create_sessionmaker
from grins_platform.users.models import Role
from tests.factories import login, make_customer, make_user, unique_phone

pytestmark = pytest.mark.integration


async def _kept_and_counted(session: AsyncSession) -> tuple[int, int]:
    kept = await session.scalar(text("SELECT live FROM customer_totals WHERE id"))
    counted = await session.scalar(
        text("SELECT count(*) FROM customers WHERE deleted_at IS NULL")
    )
    return int(kept or 0), int(counted or 0)


async def test_every_kind_of_change_keeps_the_total_exact(
    session: AsyncSession,
) -> None:
    kept, counted = await _kept_and_counted(session)
    assert kept == counted
    first = await make_customer(session)
    second = await make_customer(session)
    assert await _kept_and_counted(session) == (counted + 2, counted + 2)
    # a bulk insert of many rows in one statement
    await session.execute(
        text(
            "INSERT INTO customers (id, name, phone, lead_source, created_at,"
            " updated_at) SELECT gen_random_uuid(), 'Bulk ' || g,"
            " '+1612777' || lpad(g::text, 4, '0'), 'import', now(), now()"
            " FROM generate_series(1, 50) g"
        )
    )
    assert await _kept_and_counted(session) == (counted + 52, counted + 52)
    # soft delete, an edit that changes nothing countable, undelete
    first.deleted_at = datetime.now(UTC)
    await session.flush()
    second.name = "Renamed"
    await session.flush()
    assert await _kept_and_counted(session) == (counted + 51, counted + 51)
    first.deleted_at = None
    await session.flush()
    assert await _kept_and_counted(session) == (counted + 52, counted + 52)
    # hard delete of a live and of a soft-deleted row
    second.deleted_at = datetime.now(UTC)
    await session.flush()
    await session.execute(
        text("DELETE FROM customers WHERE id IN (:a, :b)"),
        {"a": first.id, "b": second.id},
    )
    assert await _kept_and_counted(session) == (counted + 50, counted + 50)
    # a lost row is rebuilt from a count at the next change
    await session.execute(text("DELETE FROM customer_totals"))
    await make_customer(session)
    assert await _kept_and_counted(session) == (counted + 51, counted + 51)


async def test_truncate_resets_the_total(session: AsyncSession) -> None:
    await make_customer(session)
    await session.execute(text("TRUNCATE customers CASCADE"))
    assert await _kept_and_counted(session) == (0, 0)


async def test_concurrent_creates_all_count(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    maker = create_sessionmaker(engine)
    async with maker() as session:
        admin = await make_user(session, role=Role.ADMIN)
        await session.commit()
    me = await login(committed_client, admin)

    async def create(n: int) -> int:
        body = {"name": f"Parallel {n}", "phone": unique_phone(),
                "lead_source": "website"}  # fmt: skip
        response = await committed_client.post(
            "/api/v1/customers", headers=me.headers, json=body
        )
        return response.status_code

    assert await asyncio.gather(*(create(n) for n in range(8))) == [201] * 8
    listed = await committed_client.get("/api/v1/customers", headers=me.headers)
    assert listed.json()["total"] == 8
    async with maker() as session:
        assert await _kept_and_counted(session) == (8, 8)

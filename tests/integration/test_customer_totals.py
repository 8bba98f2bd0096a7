"""``customer_totals``: the trigger-kept number of live customers stays exact."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from grins_platform.db.counters import compact
from grins_platform.db.session import create_sessionmaker
from grins_platform.jobs.models import JobStatus
from tests.factories import committed_user, login, make_customer, unique_phone
from tests.job_factories import make_job

pytestmark = pytest.mark.integration


async def _kept_and_counted(session: AsyncSession) -> tuple[int, int]:
    kept = await session.scalar(text("SELECT sum(live) FROM customer_totals"))
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


async def test_truncate_resets_the_total(session: AsyncSession) -> None:
    await make_customer(session)
    await session.execute(text("TRUNCATE customers CASCADE"))
    assert await _kept_and_counted(session) == (0, 0)


async def test_compaction_folds_the_deltas_and_keeps_the_sums(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    maker = create_sessionmaker(engine)
    async with maker() as session:
        for _ in range(3):
            await make_customer(session)
            await session.commit()
        for status in (JobStatus.APPROVED, JobStatus.APPROVED, JobStatus.SCHEDULED):
            await make_job(session, status=status)  # one INSERT (one delta) each
        await session.commit()
    sums = text(
        "SELECT (SELECT sum(live) FROM customer_totals),"
        " (SELECT count(*) FROM customer_totals),"
        " (SELECT count(*) FROM job_status_counts),"
        " (SELECT jsonb_object_agg(status, n) FROM (SELECT status, sum(jobs) AS n"
        "  FROM job_status_counts GROUP BY status) s)"
    )
    async with engine.connect() as conn:
        live, customer_rows, job_rows, per_status = (await conn.execute(sums)).one()
    assert customer_rows > 1
    assert job_rows > len(per_status)
    await compact(engine)
    await compact(engine)  # nothing left to fold: no change
    async with engine.connect() as conn:
        after = (await conn.execute(sums)).one()
    assert after == (live, 1, len(per_status), per_status)
    assert per_status["approved"] >= 2
    assert per_status["scheduled"] >= 1


async def test_concurrent_creates_all_count(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    admin = await committed_user(engine)
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
    async with create_sessionmaker(engine)() as session:
        assert await _kept_and_counted(session) == (8, 8)


async def test_compaction_vacuums_so_the_counter_tables_do_not_grow(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    """Each fold deletes rows; without a VACUUM every sum would read them forever.

    20 folds of 500 delta rows leave 10,000 dead rows (about 60 pages) unless each
    fold's VACUUM lets the next rows reuse the space.
    """
    deltas = text(
        "INSERT INTO job_status_counts (status, jobs)"
        " SELECT 'approved', 0 FROM generate_series(1, 500)"
    )
    size = text("SELECT pg_relation_size('job_status_counts') / 8192")
    total = text("SELECT sum(jobs) FROM job_status_counts")
    async with engine.connect() as conn:
        before_total = await conn.scalar(total)
    for _ in range(20):
        async with engine.begin() as conn:
            await conn.execute(deltas)
        await compact(engine)
    async with engine.connect() as conn:
        pages = int(await conn.scalar(size) or 0)
        after_total = await conn.scalar(total)
    assert after_total == before_total
    assert pages <= 8, f"job_status_counts grew to {pages} pages"

"""Statement logging, the repository base and the unit of work on real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped]
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import String, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from grins_platform.core.config import Settings
from grins_platform.core.metrics import METRICS
from grins_platform.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin
from grins_platform.db.reads import ReadPool
from grins_platform.db.repository import Repository
from grins_platform.db.session import (
    Database,
    create_engine,
    create_read_sessionmaker,
    create_sessionmaker,
)
from grins_platform.db.uow import UnitOfWork
from grins_platform.jobs.models import JobStatus
from grins_platform.users.models import Role
from tests.conftest import LogCapture
from tests.factories import committed_user, login, make_user

pytestmark = pytest.mark.integration


class Widget(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A throwaway model that lives only inside the test transaction."""

    __tablename__ = "test_widgets"
    name: Mapped[str] = mapped_column(String(50))


# Not part of the real schema: keep alembic's view of the metadata clean.
Base.metadata.remove(Widget.__table__)  # type: ignore[arg-type]


class WidgetRepository(Repository[Widget]):
    model = Widget


@pytest.fixture
async def widgets(session: AsyncSession) -> WidgetRepository:
    table: Table = Widget.__table__  # type: ignore[assignment]
    await session.run_sync(lambda s: table.create(s.connection()))
    return WidgetRepository(session)


async def test_every_statement_logged_at_debug_with_duration(
    session: AsyncSession, logs: LogCapture
) -> None:
    await session.execute(text("SELECT 41 + 1"))
    lines = [
        x for x in logs.since_mark() if x["event"] == "database.query.execute_completed"
    ]
    assert any("SELECT 41 + 1" in x["statement"] for x in lines)
    line = next(x for x in lines if "SELECT 41 + 1" in x["statement"])
    assert line["level"] == "debug"
    assert isinstance(line["duration_ms"], float)


async def test_slow_statement_logged_at_warning(
    test_settings: Settings, logs: LogCapture
) -> None:
    engine = create_engine(test_settings.model_copy(update={"slow_query_ms": 20.0}))
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(0.05)"))
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    slow = [
        x for x in logs.since_mark() if x["event"] == "database.query.slow_detected"
    ]
    assert len(slow) == 1
    assert slow[0]["level"] == "warning"
    assert "pg_sleep" in slow[0]["statement"]
    assert slow[0]["duration_ms"] >= 20.0
    assert slow[0]["threshold_ms"] == 20.0


async def test_parameters_are_never_logged(
    session: AsyncSession, logs: LogCapture
) -> None:
    await session.execute(text("SELECT :phone AS p"), {"phone": "+16125550123"})
    assert not any("6125550123" in str(x) for x in logs.since_mark())


async def test_repository_add_get_count_page_delete(widgets: WidgetRepository) -> None:
    first = await widgets.add(Widget(name="alpha"))
    await widgets.add(Widget(name="beta"))
    assert first.created_at is not None
    assert (await widgets.get(first.id)) is first
    assert await widgets.get(uuid.uuid4()) is None
    from sqlalchemy import select  # noqa: PLC0415

    stmt = select(Widget).order_by(Widget.name)
    assert await widgets.count(stmt) == 2
    page = await widgets.page(stmt, limit=1, offset=1)
    assert [w.name for w in page] == ["beta"]
    locked = await widgets.get(first.id, for_update=True)
    assert locked is first
    await widgets.delete(first)
    assert await widgets.count(stmt) == 1


async def test_unit_of_work_runs_callbacks_only_after_commit(
    widgets: WidgetRepository, session: AsyncSession, logs: LogCapture
) -> None:
    uow = UnitOfWork(session)
    ran: list[str] = []

    async def record() -> None:
        ran.append("done")

    async def broken() -> None:
        raise RuntimeError

    uow.after_commit(record)
    await widgets.add(Widget(name="gamma"))
    assert ran == []
    await uow.commit()
    assert ran == ["done"]

    uow.after_commit(record)
    await uow.rollback()
    await uow.commit()
    assert ran == ["done"]  # rolled-back work never triggers its side effects

    uow.after_commit(broken)
    await uow.commit()  # a failing callback is logged, not raised
    assert any(
        x["event"] == "database.uow.after_commit_failed" for x in logs.since_mark()
    )


async def test_pool_uses_settings(test_settings: Settings) -> None:
    engine: AsyncEngine = create_engine(
        test_settings.model_copy(update={"db_pool_size": 3})
    )
    try:
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            timeout = await conn.scalar(text("SHOW statement_timeout"))
            assert timeout == "30s"
    finally:
        await engine.dispose()


async def test_read_sessions_autocommit_and_refuse_writes(engine: AsyncEngine) -> None:
    read = create_read_sessionmaker(engine)
    async with read() as session:
        first = await session.scalar(text("SELECT now()"))
        await session.execute(text("SELECT pg_sleep(0.01)"))
        second = await session.scalar(text("SELECT now()"))
        # Each statement is its own transaction: no BEGIN around the request.
        assert first != second
        session.add(Widget(name="nope"))
        with pytest.raises(RuntimeError, match="cannot write"):
            await session.flush()
        with pytest.raises(RuntimeError, match="cannot commit"):
            await session.commit()
    async with read() as session:
        await session.flush()  # nothing pending: a no-op, not an error


async def test_get_requests_read_and_other_methods_write(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    admin = await committed_user(engine)
    me = await login(committed_client, admin)
    created = await committed_client.post(
        "/api/v1/customers",
        headers=me.headers,
        json={"name": "Read Write", "phone": "+16125550100", "lead_source": "website"},
    )
    assert created.status_code == 201, created.text
    found = await committed_client.get(
        f"/api/v1/customers/{created.json()['id']}", headers=me.headers
    )
    assert found.status_code == 200
    assert found.json()["name"] == "Read Write"


async def test_read_pool_times_statements_and_keeps_settings(
    test_settings: Settings, logs: LogCapture
) -> None:
    assert test_settings.database_url is not None
    pool = ReadPool(
        test_settings.database_url, max_size=2, statement_timeout_ms=1500,
        slow_query_ms=20.0,
    )  # fmt: skip
    before = METRICS.snapshot("database.query")
    try:
        async with pool.connection() as conn:
            row = await conn.fetchrow(
                "SELECT current_setting('statement_timeout') AS t,"
                " current_setting('application_name') AS app"
            )
            assert row is not None
            assert (row["t"], row["app"]) == ("1500ms", "grins-platform-reads")
            await conn.fetch("SELECT pg_sleep(0.03)")
        assert [r["n"] for r in await pool.fetch("SELECT $1::int AS n", 7)] == [7]
        assert await pool.fetchrow("SELECT 1 WHERE false") is None
        await pool.close()  # closed pools reopen on the next read
        assert (await pool.fetchrow("SELECT 2 AS n") or {"n": 0})["n"] == 2
        with pytest.raises(asyncpg.QueryCanceledError):
            await pool.fetch("SELECT pg_sleep(3)")  # the statement timeout applies
    finally:
        await pool.close()
    assert METRICS.snapshot("database.query") >= before + 6
    slow = [
        x for x in logs.since_mark() if x["event"] == "database.query.slow_detected"
    ]
    assert any("pg_sleep(0.03)" in x["statement"] for x in slow)
    assert all(x["level"] == "warning" for x in slow)


async def test_job_reads_run_on_the_read_pool(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    from tests.job_factories import make_job  # noqa: PLC0415

    maker = create_sessionmaker(engine)
    async with maker() as session:
        admin = await make_user(session, role=Role.ADMIN)
        job = await make_job(session, status=JobStatus.APPROVED)
        await session.commit()
    me = await login(committed_client, admin)
    found = await committed_client.get(f"/api/v1/jobs/{job.id}", headers=me.headers)
    assert found.status_code == 200, found.text
    assert found.json()["id"] == str(job.id)
    moved = await committed_client.post(
        f"/api/v1/jobs/{job.id}/transitions",
        headers=me.headers,
        json={"to_status": "scheduled"},
    )
    assert moved.status_code == 200, moved.text
    assert [h["to_status"] for h in moved.json()["history"]][-1] == "scheduled"
    listed = await committed_client.get("/api/v1/jobs", headers=me.headers)
    assert [j["id"] for j in listed.json()["items"]] == [str(job.id)]


@asynccontextmanager
async def _own_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """A real app (its own pools, no test overrides) and a client for it."""
    from asgi_lifespan import LifespanManager  # noqa: PLC0415
    from httpx import ASGITransport  # noqa: PLC0415

    from grins_platform.main import create_app  # noqa: PLC0415

    app = create_app(settings, configure_logs=False)
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://t"
        ) as client,
    ):
        yield app, client


async def test_every_request_session_is_closed_when_the_request_ends(
    test_settings: Settings, engine: AsyncEngine
) -> None:
    admin = await committed_user(engine)
    try:
        async with _own_app(test_settings) as (app, client):
            me = await login(client, admin)
            body = {"name": "Pool Check", "phone": "+16125550177",
                    "lead_source": "website"}  # fmt: skip
            first = await client.post(
                "/api/v1/customers", headers=me.headers, json=body
            )
            again = await client.post(
                "/api/v1/customers", headers=me.headers, json=body
            )
            listed = await client.get("/api/v1/users", headers=me.headers)
            assert (first.status_code, again.status_code) == (201, 409)
            assert listed.status_code == 200
            pool = app.state.db.engine.pool
            assert pool.checkedout() == 0  # a refused write's session is closed too
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM customers WHERE phone = '+16125550177'")
            )
            await conn.execute(
                text("DELETE FROM users WHERE id = :id"), {"id": admin.id}
            )


async def test_a_remembered_caller_reading_a_read_model_makes_no_orm_session(
    test_settings: Settings, engine: AsyncEngine
) -> None:
    admin = await committed_user(engine)
    try:
        async with _own_app(test_settings) as (app, client):
            me = await login(client, admin)
            made: list[object] = []
            database: Database = app.state.db
            plain = database.read_sessionmaker

            def counting() -> AsyncSession:
                made.append(1)
                return plain()

            database.read_sessionmaker = counting  # type: ignore[assignment]
            url = f"/api/v1/jobs/{uuid.uuid4()}"
            first = await client.get(url, headers=me.headers)  # checks the database
            second = await client.get(url, headers=me.headers)  # from memory
            assert (first.status_code, second.status_code) == (404, 404)
            assert len(made) == 1
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM users WHERE id = :id"), {"id": admin.id}
            )

"""Test harness: real PostgreSQL and Redis, schema built once by the migrations.

With ``DATABASE_URL``/``REDIS_URL`` set (CI, ``scripts/test.sh`` on a machine with
the services) the tests use those servers, in a ``grins_test_<pid>`` database (dropped
at the end) and a Redis database of their own. With them unset, the same embedded
servers the app uses are started under ``.grins/test``. Each test runs inside a
transaction that is rolled back at the end
(``join_transaction_mode="create_savepoint"``), so services may commit freely.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from grins_platform.core.config import Environment, Settings, load_settings
from grins_platform.core.crypto import configure_encryption
from grins_platform.core.log_config import add_log_handler, configure_logging
from grins_platform.core.redis import create_redis
from grins_platform.db import migrations
from grins_platform.db.embedded import ensure_services
from grins_platform.db.reads import SessionReads
from grins_platform.db.session import (
    SessionOpener,
    create_engine,
    get_reads,
    get_session,
    get_session_opener,
)
from grins_platform.main import create_app
from grins_platform.models import metadata

# One database per test run, so parallel runs (two checkouts, CI and a developer) never
# drop each other's schema; Redis databases 1-15 spread the same way.
TEST_DB_NAME = f"grins_test_{os.getpid()}"
TEST_REDIS_DB = int(os.environ.get("GRINS_TEST_REDIS_DB", str(1 + os.getpid() % 15)))
ROOT = Path(__file__).resolve().parent.parent


class LogCapture(logging.Handler):
    """Keeps every rendered log line of the test run (after masking)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.mark = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def since_mark(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines[self.mark :]]


_CAPTURE = LogCapture()


def _admin_dsn(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )


async def _admin_execute(url: str, *statements: str) -> None:
    admin = await asyncpg.connect(_admin_dsn(url))
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


async def _recreate_database(url: str) -> str:
    await _admin_execute(
        url,
        f'DROP DATABASE IF EXISTS "{TEST_DB_NAME}" WITH (FORCE)',
        f'CREATE DATABASE "{TEST_DB_NAME}"',
    )
    return (
        make_url(url).set(database=TEST_DB_NAME).render_as_string(hide_password=False)
    )


def _redis_test_url(url: str) -> str:
    if url.startswith("unix://"):
        return f"{url.split('?', maxsplit=1)[0]}?db={TEST_REDIS_DB}"
    base = url.rstrip("/")
    parsed = make_url(base.replace("redis://", "postgresql://", 1))
    if parsed.database:
        base = base.rsplit("/", 1)[0]
    return f"{base}/{TEST_REDIS_DB}"


@pytest.fixture(scope="session", autouse=True)
def log_capture() -> LogCapture:
    """Every log line written during the run, rendered as JSON after masking."""
    configure_logging("DEBUG", json_logs=True, stream=io.StringIO())
    add_log_handler(_CAPTURE)
    return _CAPTURE


@pytest.fixture(scope="session")
async def test_settings() -> AsyncIterator[Settings]:
    """Settings pointing at the test database and Redis (embedded when unset)."""
    base = load_settings(
        environment=Environment.TEST,
        data_dir=ROOT / ".grins" / "test",
        log_level="DEBUG",
        password_hash_rounds=4,  # the cost-12 default is asserted in test_auth_security
    )
    resolved = ensure_services(base, export=False)
    assert resolved.database_url is not None
    assert resolved.redis_url is not None
    db_url = await _recreate_database(resolved.database_url)
    redis_url = _redis_test_url(resolved.redis_url)
    settings = resolved.model_copy(
        update={"database_url": db_url, "redis_url": redis_url}
    )
    configure_encryption(settings)
    migrations.upgrade(db_url)
    yield settings
    await _admin_execute(
        resolved.database_url, f'DROP DATABASE IF EXISTS "{TEST_DB_NAME}" WITH (FORCE)'
    )


@pytest.fixture(scope="session")
async def engine(test_settings: Settings) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(test_settings)
    yield eng
    await eng.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside an outer transaction that is always rolled back."""
    async with engine.connect() as conn:
        trans = await conn.begin()
        try:
            yield conn
        finally:
            if trans.is_active:
                await trans.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session whose commits become savepoints of the rolled-back transaction."""
    async with AsyncSession(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    ) as sess:
        yield sess


@pytest.fixture
async def redis(test_settings: Settings) -> AsyncIterator[Redis]:
    """The test Redis database, emptied before each test."""
    client = create_redis(test_settings)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def app(test_settings: Settings) -> FastAPI:
    """The application ``app_client`` talks to (for a look at ``app.state``)."""
    return create_app(test_settings, configure_logs=False)


@pytest.fixture
async def app_client(
    app: FastAPI, session: AsyncSession, redis: Redis
) -> AsyncIterator[AsyncClient]:
    """An HTTP client for the real app, its sessions joined to the test transaction."""

    async def _test_session() -> AsyncIterator[AsyncSession]:
        yield session

    async def _test_reads() -> SessionReads:
        return SessionReads(session)

    async def _test_opener() -> SessionOpener:
        async def _open() -> AsyncSession:
            return session

        return _open

    app.dependency_overrides[get_session] = _test_session
    app.dependency_overrides[get_reads] = _test_reads
    app.dependency_overrides[get_session_opener] = _test_opener
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app),
            base_url="http://testserver",
        ) as client,
    ):
        yield client


@pytest.fixture
async def committed_client(
    test_settings: Settings, engine: AsyncEngine, redis: Redis
) -> AsyncIterator[AsyncClient]:
    """A client whose requests really commit, on separate connections.

    For concurrency tests (parallel requests racing for the same rows). Every table is
    emptied afterwards, so nothing leaks into other tests.
    """
    app = create_app(test_settings, configure_logs=False)
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://testserver"
        ) as client,
    ):
        yield client
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    if tables:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
def logs(log_capture: LogCapture) -> LogCapture:
    """Log lines written by this test (``logs.since_mark()``)."""
    log_capture.mark = len(log_capture.lines)
    return log_capture


SECRETS_SEEN: set[str] = set()


def remember_secret(value: str) -> str:
    """Register a password or token: no log line may ever contain it."""
    SECRETS_SEEN.add(value)
    return value


@pytest.fixture(autouse=True)
def _no_secret_in_logs(log_capture: LogCapture) -> Iterator[None]:
    """After every test: none of the passwords or tokens it used reached a log line."""
    start = len(log_capture.lines)
    yield
    leaked = [
        line
        for line in log_capture.lines[start:]
        for secret in SECRETS_SEEN
        if secret in line
    ]
    assert not leaked, f"secret in log line: {leaked[0][:300]}"


@pytest.fixture(autouse=True)
def _no_env_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never inherit the developer's GRINS_EMBEDDED marker."""
    monkeypatch.delenv("GRINS_EMBEDDED", raising=False)


def pytest_sessionstart(session: pytest.Session) -> None:
    os.environ.setdefault("ENVIRONMENT", "test")

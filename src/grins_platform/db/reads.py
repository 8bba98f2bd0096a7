"""Read models: the hottest GET endpoints read through asyncpg, without the ORM.

An ORM read costs about 0.6 ms of CPU per statement plus 30-40 µs per row before a
response model is built (statement building, compilation cache, greenlet hops, unit
of work, identity map); the same read through asyncpg costs a sixth of that
(BENCHMARKS.md, issue 7). The endpoints an office hits all day (a job, the week's
ready jobs, the customer list, searches and history) therefore read with
hand-written SQL from a small asyncpg pool of their own, in their domain's
``queries.py``. The busiest workflow write (moving a job) is one statement on the
same pool (``jobs/writes.py``); everything else, and every other write, stays on
the ORM session.

Rules for read models (and one-statement writes):

- Autocommit only: no transactions (a write is a single statement, which is its
  own transaction), no ``SET``, no ``LISTEN``, no advisory locks. Connections go
  back to the pool without the reset query (a round trip per request); an open
  transaction is still rolled back by asyncpg.
- The same visibility rules as the ORM path, written once per domain next to the
  ORM version (``access.py``) and tested to agree with it.
- Every statement is timed into the ``database.query`` histogram and logged at
  WARNING when slow, as the engine's statements are.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.core.log_config import DomainLogger
from grins_platform.core.metrics import METRICS

log = DomainLogger("database", "query")
DEFAULT_MAX_SIZE = 10


def asyncpg_dsn(url: str) -> str:
    """A libpq-style DSN for asyncpg from a SQLAlchemy URL (``+asyncpg`` dropped)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class Reads(Protocol):
    """Where read models run their statements (a pool, or a session's connection)."""

    def connection(self) -> AbstractAsyncContextManager[ReadConnection]:
        """One connection for several statements of one read."""
        ...

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """All rows of one statement."""
        ...

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """The first row of one statement, or ``None``."""
        ...


class Params:
    """Positional parameters (``$1``, ``$2``...) collected while a query is built.

    ``arg(value)`` appends ``value`` and returns its placeholder, so a fragment reads
    ``f"c.city = {arg(city)}"``; ``values`` go to ``fetch`` in that order.
    """

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        """Add ``value``; its placeholder."""
        self.values.append(value)
        return f"${len(self.values)}"


async def _keep(_connection: asyncpg.Connection) -> None:
    """Pool reset: nothing to undo (read models change no session state)."""


class ReadPool:
    """A lazily opened asyncpg pool for read models, with statement timing."""

    def __init__(
        self,
        url: str,
        *,
        max_size: int = DEFAULT_MAX_SIZE,
        statement_timeout_ms: int = 0,
        slow_query_ms: float = 50.0,
    ) -> None:
        self.dsn = asyncpg_dsn(url)
        self.max_size = max_size
        self.slow_query_ms = slow_query_ms
        self.server_settings = {"application_name": "grins-platform-reads"}
        if statement_timeout_ms:
            self.server_settings["statement_timeout"] = str(statement_timeout_ms)
        self._pool: Any = None  # asyncpg.Pool (asyncpg ships no type information)
        self._opening = asyncio.Lock()

    async def _open(self) -> Any:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(  # pyright: ignore[reportUnknownMemberType]
                    self.dsn,
                    min_size=0,
                    max_size=self.max_size,
                    max_inactive_connection_lifetime=300,
                    reset=_keep,
                    server_settings=self.server_settings,
                    timeout=5,
                )
        return self._pool

    @asynccontextmanager
    async def connection(self) -> AsyncGenerator[ReadConnection]:
        """One pooled connection for several statements of one read."""
        pool = self._pool or await self._open()
        async with pool.acquire() as raw:
            yield ReadConnection(raw, self.slow_query_ms)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """All rows of one statement."""
        async with self.connection() as conn:
            return await conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """The first row of one statement, or ``None``."""
        async with self.connection() as conn:
            return await conn.fetchrow(sql, *args)

    async def close(self) -> None:
        """Close every pooled connection (the pool reopens on next use)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


class ReadConnection:
    """An acquired connection whose statements are timed."""

    __slots__ = ("_raw", "_slow_ms")

    def __init__(self, raw: Any, slow_ms: float) -> None:
        self._raw = raw  # an asyncpg connection
        self._slow_ms = slow_ms

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """All rows of one statement."""
        started = time.perf_counter()
        try:
            rows: list[asyncpg.Record] = await self._raw.fetch(sql, *args)
            return rows
        finally:
            self._timed(sql, started)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """The first row of one statement, or ``None``."""
        started = time.perf_counter()
        try:
            row: asyncpg.Record | None = await self._raw.fetchrow(sql, *args)
            return row
        finally:
            self._timed(sql, started)

    def _timed(self, sql: str, started: float) -> None:
        ms = (time.perf_counter() - started) * 1000
        METRICS.observe("database.query", ms)
        if ms >= self._slow_ms:
            log.detected(
                "slow",
                statement=" ".join(sql.split())[:500],
                duration_ms=round(ms, 3),
                threshold_ms=self._slow_ms,
                executemany=False,
            )


class SessionReads:
    """Read models on an ORM session's own connection, inside its transaction.

    For reads that must see the session's uncommitted work; the test suite runs the
    API's read models this way inside each test's rolled-back transaction.
    """

    def __init__(self, session: AsyncSession, slow_query_ms: float = 50.0) -> None:
        self.session = session
        self.slow_query_ms = slow_query_ms

    @asynccontextmanager
    async def connection(self) -> AsyncGenerator[ReadConnection]:
        """The session's connection (the session keeps it until it ends)."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        yield ReadConnection(raw.driver_connection, self.slow_query_ms)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """All rows of one statement."""
        async with self.connection() as conn:
            return await conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """The first row of one statement, or ``None``."""
        async with self.connection() as conn:
            return await conn.fetchrow(sql, *args)

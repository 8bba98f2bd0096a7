"""Engine and session factory, with every statement timed and logged.

The engine and sessionmaker are made in the application lifespan (never at import
time) and kept on ``app.state.db``. Each request gets one ``AsyncSession``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from grins_platform.core.config import Settings
from grins_platform.core.log_config import DomainLogger
from grins_platform.core.metrics import METRICS
from grins_platform.db.reads import ReadPool, Reads

query_log = DomainLogger("database", "query")
_MAX_STATEMENT_CHARS = 500
_COMPACT_STATEMENT_CHARS = 60


def _statement_text(statement: str) -> str:
    text = " ".join(statement.split())
    if len(text) > _MAX_STATEMENT_CHARS:
        return text[:_MAX_STATEMENT_CHARS] + "..."
    return text


def install_query_logging(
    engine: AsyncEngine, slow_query_ms: float, *, log_all: bool = False
) -> None:
    """Time every statement: histogram always, WARNING when slow, a line on request.

    Each duration goes into the ``database.query`` latency histogram (one summary line
    per second, see ``core.metrics``). Slow statements are logged at WARNING. With
    ``log_all`` (``LOG_QUERIES``) every statement is also logged at INFO in a compact
    form (its first words and the duration); with DEBUG logging, in full.
    Parameters are never logged: they carry personal data.
    """
    sync_engine = engine.sync_engine
    std_logger = logging.getLogger("grins_platform.database")
    observe = METRICS.observe

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(  # pyright: ignore[reportUnusedFunction]
        conn: Connection,
        _cursor: Any,
        _statement: str,
        _parameters: Any,
        _context: ExecutionContext | None,
        _executemany: bool,
    ) -> None:
        conn.info.setdefault("query_start", []).append(time.perf_counter())

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(  # pyright: ignore[reportUnusedFunction]
        conn: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        starts: list[float] = conn.info.get("query_start", [])
        if not starts:
            return
        duration_ms = (time.perf_counter() - starts.pop()) * 1000
        observe("database.query", duration_ms)
        if duration_ms >= slow_query_ms:
            query_log.detected(
                "slow",
                statement=_statement_text(statement),
                duration_ms=round(duration_ms, 3),
                threshold_ms=slow_query_ms,
                executemany=executemany,
            )
        elif log_all:
            query_log.event(
                "execute",
                "completed",
                logging.INFO,
                statement=_statement_text(statement)[:_COMPACT_STATEMENT_CHARS],
                duration_ms=round(duration_ms, 3),
            )
        elif std_logger.isEnabledFor(logging.DEBUG):
            query_log.event(
                "execute",
                "completed",
                logging.DEBUG,
                statement=_statement_text(statement),
                duration_ms=round(duration_ms, 3),
            )


def create_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    """An asyncpg engine with the pool sizes and timeouts from settings."""
    target = url or settings.database_url
    if target is None:
        msg = "no database URL: start the embedded database first"
        raise RuntimeError(msg)
    server_settings = {"application_name": "grins-platform"}
    if settings.db_statement_timeout_ms:
        server_settings["statement_timeout"] = str(settings.db_statement_timeout_ms)
    engine = create_async_engine(
        target,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        # No pre-ping: it costs a round trip on every checkout (measured: 2.6 ms of a
        # 5 ms request). A connection broken by a database restart fails one request
        # and is then dropped from the pool; recycling bounds their age.
        pool_pre_ping=False,
        pool_recycle=600,
        connect_args={"server_settings": server_settings, "timeout": 5},
    )
    install_query_logging(engine, settings.slow_query_ms, log_all=settings.log_queries)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class ReadOnlySession(Session):
    """The session of a GET request: it reads, it never writes.

    It runs in autocommit mode (no ``BEGIN``/``ROLLBACK`` round trips around a read),
    so a write here would not be atomic: any flush or commit is refused instead.
    """

    def flush(self, objects: Sequence[Any] | None = None) -> None:  # noqa: ARG002
        """Refuse: a GET request must not write."""
        if self.new or self.deleted or self.dirty:
            msg = "a read-only (GET) session cannot write"
            raise RuntimeError(msg)

    def commit(self) -> None:
        """Refuse: a GET request must not write."""
        msg = "a read-only (GET) session cannot commit"
        raise RuntimeError(msg)


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for GET requests: autocommit reads, writes refused."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        expire_on_commit=False,
        autoflush=False,
        sync_session_class=ReadOnlySession,
    )


@dataclass(slots=True)
class Database:
    """The engine and its sessionmakers, owned by the application lifespan."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    read_sessionmaker: async_sessionmaker[AsyncSession]
    reads: ReadPool

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """Build the engine, sessionmakers and read-model pool for ``settings``."""
        engine = create_engine(settings)
        return cls(
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            read_sessionmaker=create_read_sessionmaker(engine),
            reads=ReadPool(
                engine.url.render_as_string(hide_password=False),
                max_size=settings.db_read_pool_size,
                statement_timeout_ms=settings.db_statement_timeout_ms,
                slow_query_ms=settings.slow_query_ms,
            ),
        )

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.reads.close()
        await self.engine.dispose()


_READ_METHODS = frozenset({"GET", "HEAD"})


SESSION_STATE_KEY = "db_session"


async def get_session(request: Request) -> AsyncSession:
    """The request's session, made on first use; services commit, nobody else does.

    GET and HEAD requests get a read-only autocommit session (``ReadOnlySession``).
    A plain function rather than a ``yield`` dependency (which costs FastAPI a context
    manager, an exit stack and a cancel scope per request): ``RequestContextMiddleware``
    closes the session (rolling back anything uncommitted) when the request ends,
    through ``close_request_session``.
    """
    state: dict[str, Any] = request.scope.setdefault("state", {})
    session: AsyncSession | None = state.get(SESSION_STATE_KEY)
    if session is None:
        database: Database = request.app.state.db
        maker = (
            database.read_sessionmaker
            if request.method in _READ_METHODS
            else database.sessionmaker
        )
        session = state[SESSION_STATE_KEY] = maker()
    return session


async def close_request_session(state: dict[str, Any]) -> None:
    """Close the session ``get_session`` made for this request, if it made one."""
    session: AsyncSession | None = state.pop(SESSION_STATE_KEY, None)
    if session is None:
        return
    try:
        await session.close()
    except Exception as exc:  # noqa: BLE001 - the answer is sent; the pool drops it
        query_log.failed("session_close", error=type(exc).__name__)


SessionDep = Annotated[AsyncSession, Depends(get_session)]

SessionOpener = Callable[[], Awaitable[AsyncSession]]


async def get_session_opener(request: Request) -> SessionOpener:
    """``get_session`` for later: for code that needs a session only sometimes.

    Authentication mostly answers from the worker's memory of verified sessions;
    a request that reads through a read model then never makes an ORM session.
    """

    async def open_session() -> AsyncSession:
        return await get_session(request)

    return open_session


SessionOpenerDep = Annotated[SessionOpener, Depends(get_session_opener)]


async def get_reads(request: Request) -> Reads:
    """The read-model pool (``db.reads``)."""
    database: Database = request.app.state.db
    return database.reads


ReadsDep = Annotated[Reads, Depends(get_reads)]

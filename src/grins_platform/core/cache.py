"""JSON cache on Redis that fails open: with Redis away, reads miss and writes skip."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Annotated, Any, Final, cast

from fastapi import Depends, Request
from redis.asyncio import Redis
from redis.exceptions import RedisError

from grins_platform.core.config import Settings
from grins_platform.core.log_config import DomainLogger
from grins_platform.core.metrics import METRICS
from grins_platform.core.redis import create_redis

log = DomainLogger("cache", "redis")
KEY_PREFIX: Final = "grins:cache:"
_SCAN_BATCH: Final = 500
_MISSING: Final = object()
# One round trip: a namespace's current generation and, in it, the value of one key.
# ARGV[1] .. generation .. ARGV[2] is the value's key; a missing generation is "0".
_GET_IN_GENERATION: Final = """
local generation = redis.call('GET', KEYS[1]) or '0'
return {generation, redis.call('GET', ARGV[1] .. generation .. ARGV[2])}
"""

CacheTimer = Callable[[str, float], None]


def _text(raw: object) -> str | None:
    if isinstance(raw, bytes):
        return raw.decode()
    return raw if isinstance(raw, str) else None


class Cache:
    """``get``/``set`` JSON values with a TTL, and invalidate a key or a prefix.

    Values that must never outlive a change of their source live in a *namespace*
    (``get_or_set_text_in``, ``invalidate_namespace``): a namespace has a generation
    number, every key of it is stored under the current generation, and invalidating
    the namespace starts a new one. A request that read the old rows before the change
    and stores its result after the invalidation stores it under the old generation,
    which nobody reads again (a plain delete would be undone by that late write, and
    the stale value served until its TTL). Invalidation is one ``INCR``, whatever the
    number of keys; old generations expire by their TTL.

    Every operation is wrapped: a Redis error (refused, timeout) is logged at WARNING
    and treated as a miss, so the request is still served from the database.
    ``timeout`` bounds each whole operation (connect, write, read) with one
    ``asyncio.timeout``; give it a client made with ``command_timeout=False``
    (``create_cache``) so redis-py adds no per-command task of its own.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        timeout: float | None = None,
        timer: CacheTimer | None = None,
    ) -> None:
        self.redis = redis
        self._timeout = timeout
        self._timer = timer
        self._get_in_generation = redis.register_script(_GET_IN_GENERATION)

    def _key(self, key: str) -> str:
        return KEY_PREFIX + key

    def _observe(self, op: str, started: float) -> None:
        if self._timer is not None:
            self._timer(op, (time.perf_counter() - started) * 1000)

    async def get(self, key: str) -> Any | None:
        """The cached value, or ``None`` on a miss or when Redis is unreachable."""
        raw = await self.get_text(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    async def get_text(self, key: str) -> str | None:
        """The cached text as stored (e.g. a response body), or ``None``."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                raw = await self.redis.get(self._key(key))
        except (RedisError, OSError) as exc:
            log.detected("get_unavailable", key=key, error=type(exc).__name__)
            return None
        finally:
            self._observe("get", started)
        return raw.decode() if isinstance(raw, bytes) else raw

    async def get_many(self, keys: Sequence[str]) -> list[Any | None]:
        """The cached values of ``keys`` in one round trip (``None`` for a miss)."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                raws = await self.redis.mget([self._key(k) for k in keys])
        except (RedisError, OSError) as exc:
            log.detected("get_unavailable", key=keys[0], error=type(exc).__name__)
            return [None] * len(keys)
        finally:
            self._observe("get", started)
        values: list[Any | None] = []
        for raw in raws:
            try:
                values.append(None if raw is None else json.loads(raw))
            except ValueError:
                values.append(None)
        return values

    async def set(self, key: str, value: Any, ttl_seconds: int) -> bool:
        """Store ``value`` as JSON for ``ttl_seconds``; False when Redis is away."""
        return await self.set_text(key, json.dumps(value, default=str), ttl_seconds)

    async def set_text(self, key: str, text: str, ttl_seconds: int) -> bool:
        """Store ``text`` as it is for ``ttl_seconds``; False when Redis is away."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                await self.redis.set(self._key(key), text, ex=ttl_seconds)
        except (RedisError, OSError) as exc:
            log.detected("set_unavailable", key=key, error=type(exc).__name__)
            return False
        finally:
            self._observe("set", started)
        return True

    async def invalidate(self, key: str) -> bool:
        """Drop one key."""
        try:
            async with asyncio.timeout(self._timeout):
                await self.redis.delete(self._key(key))
        except (RedisError, OSError) as exc:
            log.detected("invalidate_unavailable", key=key, error=type(exc).__name__)
            return False
        return True

    async def invalidate_prefix(self, prefix: str) -> int:
        """Drop every key starting with ``prefix``; returns how many went."""
        removed = 0
        try:
            async with asyncio.timeout(self._timeout):
                removed = await self._unlink_matching(prefix)
        except (RedisError, OSError) as exc:
            log.detected(
                "invalidate_unavailable", prefix=prefix, error=type(exc).__name__
            )
        return removed

    async def _unlink_matching(self, prefix: str) -> int:
        removed = 0
        batch: list[str] = []
        keys: AsyncIterator[str] = self.redis.scan_iter(  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            match=self._key(prefix) + "*", count=_SCAN_BATCH
        )
        async for key in keys:
            batch.append(key)
            if len(batch) >= _SCAN_BATCH:
                removed += int(await self.redis.unlink(*batch))
                batch = []
        if batch:
            removed += int(await self.redis.unlink(*batch))
        return removed

    def _generation_key(self, namespace: str) -> str:
        return self._key(f"{namespace}:generation")

    async def get_text_in(
        self, namespace: str, key: str
    ) -> tuple[str | None, str | None]:
        """``key``'s text in the namespace's current generation, and that generation.

        The generation is ``None`` when Redis is unreachable: there is then nothing to
        store a value under.
        """
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                reply: object = await self._get_in_generation(
                    keys=[self._generation_key(namespace)],
                    args=[self._key(f"{namespace}:"), f":{key}"],
                )
        except (RedisError, OSError) as exc:
            log.detected("get_unavailable", key=key, error=type(exc).__name__)
            return None, None
        finally:
            self._observe("get", started)
        generation: object = None
        raw: object = None
        if isinstance(reply, list) and reply:
            parts = cast("list[object]", reply)
            generation, raw = parts[0], parts[1] if len(parts) > 1 else None
        return _text(raw), _text(generation)

    async def get_or_set_text_in(
        self,
        namespace: str,
        key: str,
        ttl_seconds: int,
        produce: Callable[[], Awaitable[str]],
    ) -> str:
        """The cached text of ``key`` in ``namespace``, or ``produce()``'s, stored.

        It is stored under the generation read before ``produce`` ran: if the
        namespace was invalidated meanwhile, it lands where nobody reads it.
        """
        cached, generation = await self.get_text_in(namespace, key)
        if cached is not None:
            return cached
        text = await produce()
        if generation is not None:
            await self.set_text(f"{namespace}:{generation}:{key}", text, ttl_seconds)
        return text

    async def invalidate_namespace(self, namespace: str) -> bool:
        """Start a new generation of ``namespace``: each of its keys misses from now on.

        False when Redis is unreachable (its values then expire by their TTL).
        """
        try:
            async with asyncio.timeout(self._timeout):
                await self.redis.incr(self._generation_key(namespace))
        except (RedisError, OSError) as exc:
            log.detected(
                "invalidate_unavailable", prefix=namespace, error=type(exc).__name__
            )
            return False
        return True

    async def get_or_set(
        self, key: str, ttl_seconds: int, produce: Callable[[], Awaitable[Any]]
    ) -> Any:
        """The cached value, or ``produce()``'s result stored for next time."""
        cached = await self.get(key)
        if cached is not None:
            return cached
        value = await produce()
        await self.set(key, value, ttl_seconds)
        return value

    async def get_or_set_text(
        self, key: str, ttl_seconds: int, produce: Callable[[], Awaitable[str]]
    ) -> str:
        """The cached text, or ``produce()``'s text stored for next time.

        For a response served as it was stored: no JSON parsing, no model building.
        """
        cached = await self.get_text(key)
        if cached is not None:
            return cached
        text = await produce()
        await self.set_text(key, text, ttl_seconds)
        return text


def timing_logger(*, enabled: bool) -> CacheTimer:
    """A ``Cache`` timer: every get/set goes into the ``cache.{op}`` histogram.

    With ``enabled`` (``LOG_QUERIES``) each one is also logged at INFO with its
    duration (``cache.redis.get_completed duration_ms=...``).
    """

    def _observe(op: str, duration_ms: float) -> None:
        METRICS.observe(f"cache.{op}", duration_ms)

    def _log(op: str, duration_ms: float) -> None:
        METRICS.observe(f"cache.{op}", duration_ms)
        log.event(op, "completed", logging.INFO, duration_ms=round(duration_ms, 3))

    return _log if enabled else _observe


def create_cache(
    settings: Settings, url: str | None = None, *, timer: CacheTimer | None = None
) -> Cache:
    """The cache on a Redis client of its own, each operation bounded as a whole.

    Close it with ``await cache.redis.aclose()``.
    """
    client = create_redis(settings, url, command_timeout=False)
    return Cache(client, timeout=settings.redis_socket_timeout, timer=timer)


async def get_cache(request: Request) -> Cache:
    """The application's cache."""
    cache: Cache = request.app.state.cache
    return cache


CacheDep = Annotated[Cache, Depends(get_cache)]

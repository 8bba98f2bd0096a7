"""Per-IP limit on the public request form, counted in Redis; fails open.

Losing Redis must not lose customers: when it is unreachable the submission is let
through and a warning logged (DESIGN §2).
"""

from __future__ import annotations

from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

from grins_platform.core.errors import RateLimited
from grins_platform.core.log_config import DomainLogger

log = DomainLogger("requests", "rate_limit")
PREFIX: Final = "grins:ratelimit:public_request:"
PUBLIC_LIMIT: Final = 5
"""Submissions allowed per IP within ``WINDOW_SECONDS``."""
WINDOW_SECONDS: Final = 600


class PublicFormLimiter:
    """Counts submissions per client IP in a fixed window."""

    def __init__(
        self, redis: Redis, *, limit: int = PUBLIC_LIMIT, window: int = WINDOW_SECONDS
    ) -> None:
        self.redis = redis
        self.limit = limit
        self.window = window

    async def hit(self, ip: str) -> None:
        """Count one submission; raise ``RateLimited`` (429) past the limit."""
        key = PREFIX + (ip or "unknown")
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(key, 0, ex=self.window, nx=True)
                pipe.incr(key)
                pipe.ttl(key)
                _, count, ttl = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.event("hit", "unavailable", 30, error=type(exc).__name__)
            return
        if int(count) > self.limit:
            retry = int(ttl) if int(ttl) > 0 else self.window
            log.rejected("hit", reason="rate_limited", retry_after=retry)
            raise RateLimited(retry, "too many requests from this address; try later")

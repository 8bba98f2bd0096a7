"""Login throttling in Redis, per account and per client IP. Fails closed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from grins_platform.core.errors import RateLimited, ServiceUnavailable
from grins_platform.core.log_config import DomainLogger

log = DomainLogger("auth", "throttle")
PREFIX = "grins:throttle:login:"


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    """Failures allowed within ``window_seconds`` before logins are refused."""

    per_account: int
    per_ip: int
    window_seconds: int


class LoginThrottle:
    """Counts failed logins; refuses further attempts with 429 once over the limit.

    Unlike the cache, this fails *closed*: if Redis cannot be reached the login is
    refused with 503 rather than letting unlimited guesses through.
    """

    def __init__(self, redis: Redis, limits: ThrottleLimits) -> None:
        self.redis = redis
        self.limits = limits

    @staticmethod
    def _account_key(email: str) -> str:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return f"{PREFIX}acct:{digest}"

    @staticmethod
    def _ip_key(ip: str) -> str:
        return f"{PREFIX}ip:{ip}"

    async def check(self, email: str, ip: str) -> None:
        """Raise ``RateLimited`` if the account or the IP is over its limit."""
        keys = (self._account_key(email), self._ip_key(ip))
        limits = (self.limits.per_account, self.limits.per_ip)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.get(key)
                    pipe.ttl(key)
                values = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.event("throttle_check", "unavailable", 40, error=type(exc).__name__)
            raise ServiceUnavailable(
                "login is temporarily unavailable", headers={"Retry-After": "30"}
            ) from exc
        for index, (limit, scope) in enumerate(
            zip(limits, ("account", "ip"), strict=True)
        ):
            count = int(values[index * 2] or 0)
            if count >= limit:
                ttl = int(values[index * 2 + 1])
                retry = ttl if ttl > 0 else self.limits.window_seconds
                log.event("login", "throttled", 30, scope=scope, retry_after=retry)
                raise RateLimited(retry, "too many failed logins; try again later")

    async def record_failure(self, email: str, ip: str) -> None:
        """Count one failed attempt against the account and the IP."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for key in (self._account_key(email), self._ip_key(ip)):
                    # SET NX starts the window on the first failure; INCR keeps the TTL.
                    # (EXPIRE ... NX would need Redis 7; the embedded Redis is 6.2.)
                    pipe.set(key, 0, ex=self.limits.window_seconds, nx=True)
                    pipe.incr(key)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.event("throttle_record", "unavailable", 40, error=type(exc).__name__)

    async def reset_account(self, email: str) -> None:
        """Forget an account's failures after a successful login."""
        try:
            await self.redis.delete(self._account_key(email))
        except (RedisError, OSError) as exc:
            log.event("throttle_reset", "unavailable", 30, error=type(exc).__name__)

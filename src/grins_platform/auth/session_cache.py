"""Verified sessions remembered per worker, revoked through a per-user epoch in Redis.

Checking an access token against the database (user active, token version, session
not revoked) costs a transaction and an ORM query on every request, more than most
endpoints' own work. A worker therefore remembers, for up to ``ttl_seconds``, that a
session was valid together with the user's *epoch*: a random value kept in Redis
(``grins:auth:epoch:{user_id}``). Anything that ends sessions or changes an account
(logout, password change or reset, deactivation, a role change, refresh-token reuse)
replaces the epoch after its commit, so every worker's next request for that user
misses and goes back to the database.

Ordering that makes this safe: the epoch is read *before* the database check and
replaced *after* the revoking commit, so an entry stored from a pre-revocation read
always carries the old epoch. A missing epoch (Redis flushed, key expired) never
matches. When Redis cannot be reached nothing is cached or trusted: every request is
checked against the database. The only residual window is a revocation whose epoch
write fails while other workers still read Redis: bounded by ``ttl_seconds`` and
logged at ERROR.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, Final

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import make_transient_to_detached

from grins_platform.core.log_config import DomainLogger
from grins_platform.users.models import User

EPOCH_PREFIX: Final = "grins:auth:epoch:"
EPOCH_TTL_SECONDS: Final = 7 * 24 * 3600
DEFAULT_TTL_SECONDS: Final = 30.0
MAX_ENTRIES: Final = 10_000
# Columns copied into the per-request user; the password hash never leaves the DB path.
_USER_FIELDS: Final = (
    "id",
    "email",
    "name",
    "role",
    "is_active",
    "must_change_password",
    "token_version",
    "last_login_at",
    "created_at",
    "updated_at",
)

log = DomainLogger("auth", "session_cache")


def epoch_key(user_id: uuid.UUID) -> str:
    """The Redis key holding a user's epoch."""
    return f"{EPOCH_PREFIX}{user_id}"


async def end_cached_sessions(redis: Redis, user_id: uuid.UUID) -> bool:
    """Replace the user's epoch so no worker trusts a remembered session of theirs.

    Call after the commit that revoked or changed something. False (and an ERROR
    line) when Redis could not be written.
    """
    try:
        await redis.set(epoch_key(user_id), secrets.token_hex(8), ex=EPOCH_TTL_SECONDS)
    except (RedisError, OSError) as exc:
        log.failed("epoch_bump", user_id=str(user_id), error=type(exc).__name__)
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Entry:
    user_id: uuid.UUID
    token_version: int
    epoch: str
    values: dict[str, Any]
    expires_at: float


class SessionCache:
    """One worker's memory of verified sessions (see the module docstring)."""

    def __init__(
        self,
        redis: Redis,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[uuid.UUID, _Entry] = {}

    def __len__(self) -> int:
        """How many sessions this worker remembers."""
        return len(self._entries)

    async def _get_epoch(self, user_id: uuid.UUID) -> str | None:
        try:
            value = await self.redis.get(epoch_key(user_id))
        except (RedisError, OSError) as exc:
            log.detected("redis_unavailable", error=type(exc).__name__)
            return None
        if isinstance(value, bytes):
            return value.decode()
        return value

    async def current_epoch(self, user_id: uuid.UUID) -> str | None:
        """The user's epoch, created when missing; ``None`` if Redis is away.

        Read it *before* checking the session in the database.
        """
        value = await self._get_epoch(user_id)
        if value is not None:
            return value
        try:
            await self.redis.set(
                epoch_key(user_id),
                secrets.token_hex(8),
                ex=EPOCH_TTL_SECONDS,
                nx=True,
            )
        except (RedisError, OSError) as exc:
            log.detected("redis_unavailable", error=type(exc).__name__)
            return None
        return await self._get_epoch(user_id)

    async def lookup(
        self, user_id: uuid.UUID, session_id: uuid.UUID, token_version: int
    ) -> User | None:
        """A fresh detached copy of the user if the session is known and current."""
        entry = self._entries.get(session_id)
        if entry is None:
            return None
        if (
            entry.user_id != user_id
            or entry.token_version != token_version
            or entry.expires_at <= time.monotonic()
        ):
            self._entries.pop(session_id, None)
            return None
        if await self._get_epoch(user_id) != entry.epoch:
            self._entries.pop(session_id, None)
            return None
        user = User(**entry.values)
        make_transient_to_detached(user)
        return user

    def remember(self, user: User, session_id: uuid.UUID, epoch: str) -> None:
        """Remember a session the database confirmed, under the epoch read before."""
        if len(self._entries) >= self.max_entries:
            self._evict()
        self._entries[session_id] = _Entry(
            user_id=user.id,
            token_version=user.token_version,
            epoch=epoch,
            values={name: getattr(user, name) for name in _USER_FIELDS},
            expires_at=time.monotonic() + self.ttl_seconds,
        )

    def forget_user(self, user_id: uuid.UUID) -> None:
        """Drop this worker's entries for a user (the epoch handles the others)."""
        for session_id in [k for k, e in self._entries.items() if e.user_id == user_id]:
            del self._entries[session_id]

    def _evict(self) -> None:
        now = time.monotonic()
        for session_id in [k for k, e in self._entries.items() if e.expires_at <= now]:
            del self._entries[session_id]
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]

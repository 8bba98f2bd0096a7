"""Verified sessions remembered per worker, revoked through Redis pub/sub and an epoch.

Checking an access token against the database (user active, token version, session
not revoked) costs a transaction and an ORM query on every request, more than most
endpoints' own work. A worker therefore remembers, for up to ``ttl_seconds``, that a
session was valid.

Anything that ends sessions or changes an account (logout, password change or reset,
deactivation, a role change, refresh-token reuse) calls ``end_cached_sessions`` after
its commit: it replaces the user's *epoch* (a random value kept in Redis at
``grins:auth:epoch:{user_id}``) and publishes the user id on ``grins:auth:revoked``.
Each worker runs a listener (started in the app lifespan) subscribed to that channel
on a connection of its own; a message drops the user's remembered sessions. (The auth
service also drops them in its own worker at once, through ``forget_user``.)

The cache is *live* while its subscription is confirmed and Redis answered within
the last three heartbeats (a PING every ``heartbeat_seconds``): a remembered,
unexpired entry is then trusted without any Redis call. Otherwise (listener not
started, connection lost, Redis down) every lookup compares the entry's epoch with
Redis's, as before the listener existed, and with Redis unreachable nothing is
trusted. The listener reconnects with a backoff (0.5 s doubling to 5 s).

Ordering that makes this safe:

- A cache miss takes an ``EpochRead`` *before* its database check: the epoch, the
  cache's generation and its invalidation sequence. ``remember`` refuses it when the
  user was invalidated since (a message or ``forget_user``) or the generation moved.
  Without this, a request that read the session just before a revocation could store
  it just after the revocation's message was handled, to be trusted for
  ``ttl_seconds``.
- The epoch is replaced and the message published *after* the revoking commit, so a
  read taken after the message was handled finds the revocation in the database, and
  an epoch read before it never matches afterwards. A missing epoch (Redis flushed,
  key expired) never matches either.
- Pub/sub delivers at most once, so every gap in the subscription forgets everything:
  entries are dropped and the generation bumped when the subscription is lost, and
  again when a new one is confirmed (messages published in between were never seen).

Residual windows: a message in flight (Redis's delivery time, normally well under a
millisecond); a connection that dies without an error, until three heartbeats go
unanswered; and a revocation whose epoch write or publish fails, bounded by
``ttl_seconds`` and logged at ERROR.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final, cast

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import inspect
from sqlalchemy.orm.attributes import instance_state, manager_of_class

from grins_platform.core.log_config import DomainLogger
from grins_platform.users.models import User

EPOCH_PREFIX: Final = "grins:auth:epoch:"
EPOCH_TTL_SECONDS: Final = 7 * 24 * 3600
REVOKED_CHANNEL: Final = "grins:auth:revoked"
DEFAULT_TTL_SECONDS: Final = 30.0
MAX_ENTRIES: Final = 10_000
HEARTBEAT_SECONDS: Final = 1.0
# Silence for this many heartbeats ends live mode (a connection that died quietly).
STALE_HEARTBEATS: Final = 3
RECONNECT_SECONDS: Final = (0.5, 5.0)
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
    """Replace the user's epoch and tell every listening worker to drop their sessions.

    Call after the commit that revoked or changed something. False (and an ERROR
    line) when Redis could not be written.
    """
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.set(epoch_key(user_id), secrets.token_hex(8), ex=EPOCH_TTL_SECONDS)
            pipe.publish(REVOKED_CHANNEL, str(user_id))  # pyright: ignore[reportUnknownMemberType] - **kwargs untyped upstream
            await pipe.execute()
    except (RedisError, OSError) as exc:
        log.failed("epoch_bump", user_id=str(user_id), error=type(exc).__name__)
        return False
    return True


@dataclass(frozen=True, slots=True)
class EpochRead:
    """A user's epoch and what the cache knew, taken before a database check."""

    user_id: uuid.UUID
    epoch: str
    generation: int
    sequence: int


@dataclass(frozen=True, slots=True)
class _Entry:
    user_id: uuid.UUID
    token_version: int
    epoch: str
    values: dict[str, Any]
    expires_at: float


def _detached_user(values: dict[str, Any]) -> User:
    """A detached ``User`` holding ``values``, as if loaded and then detached.

    What ``User(**values)`` + ``make_transient_to_detached`` gives, at a seventh of
    the cost (the constructor sends every attribute through the ORM's change
    tracking, which a per-request copy does not need): the values are loaded
    state, the identity key is set, and the columns not copied (the password
    hash) are expired, so reading them raises ``DetachedInstanceError``.
    """
    user: User = manager_of_class(User).new_instance()
    state = instance_state(user)
    state.dict.update(values)
    state.key = inspect(User).identity_key_from_primary_key((values["id"],))
    state._expire_attributes(state.dict, state.unloaded)  # noqa: SLF001  # pyright: ignore[reportPrivateUsage]
    return user


class SessionCache:
    """One worker's memory of verified sessions (see the module docstring).

    ``subscriber`` is the client the listener subscribes through (default ``redis``).
    """

    def __init__(
        self,
        redis: Redis,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        reconnect_seconds: tuple[float, float] = RECONNECT_SECONDS,
        subscriber: Redis | None = None,
    ) -> None:
        self.redis = redis
        self.subscriber = subscriber if subscriber is not None else redis
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.heartbeat_seconds = heartbeat_seconds
        self.reconnect_seconds = reconnect_seconds
        self._entries: dict[uuid.UUID, _Entry] = {}
        # Bumped whenever the cache forgets what it knew (subscription gained or
        # lost, invalidation marks reset): outstanding ``EpochRead``s are refused.
        self._generation = 0
        # Invalidations so far, and the sequence number of each user's latest one.
        self._sequence = 0
        self._invalidated_at: dict[uuid.UUID, int] = {}
        self._subscribed = False
        self._heard_at = float("-inf")
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def __len__(self) -> int:
        """How many sessions this worker remembers."""
        return len(self._entries)

    @property
    def live(self) -> bool:
        """Whether remembered sessions are trusted without asking Redis."""
        return (
            self._subscribed
            and time.monotonic() - self._heard_at
            < STALE_HEARTBEATS * self.heartbeat_seconds
        )

    async def _get_epoch(self, user_id: uuid.UUID) -> str | None:
        try:
            value = await self.redis.get(epoch_key(user_id))
        except (RedisError, OSError) as exc:
            log.detected("redis_unavailable", error=type(exc).__name__)
            return None
        if isinstance(value, bytes):
            return value.decode()
        return value

    async def current_epoch(self, user_id: uuid.UUID) -> EpochRead | None:
        """The user's epoch (created when missing); ``None`` if Redis is away.

        Take it *before* checking the session in the database, and hand it to
        ``remember``.
        """
        generation, sequence = self._generation, self._sequence
        value = await self._get_epoch(user_id)
        if value is None:
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
            value = await self._get_epoch(user_id)
            if value is None:
                return None
        return EpochRead(user_id, value, generation, sequence)

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
        if not self.live and await self._get_epoch(user_id) != entry.epoch:
            self._entries.pop(session_id, None)
            return None
        return _detached_user(entry.values)

    def remember(self, user: User, session_id: uuid.UUID, read: EpochRead) -> bool:
        """Remember a session the database confirmed after ``read`` was taken.

        Refused (False) when the user was invalidated or the generation moved since
        the read: the database's answer may then predate a revocation.
        """
        if (
            read.user_id != user.id
            or read.generation != self._generation
            or self._invalidated_at.get(user.id, 0) > read.sequence
        ):
            return False
        if len(self._entries) >= self.max_entries:
            self._evict()
        self._entries[session_id] = _Entry(
            user_id=user.id,
            token_version=user.token_version,
            epoch=read.epoch,
            values={name: getattr(user, name) for name in _USER_FIELDS},
            expires_at=time.monotonic() + self.ttl_seconds,
        )
        return True

    def forget_user(self, user_id: uuid.UUID) -> None:
        """Drop a user's entries and refuse their reads taken before now."""
        if len(self._invalidated_at) >= self.max_entries:
            self._invalidated_at.clear()
            self._generation += 1
        self._sequence += 1
        self._invalidated_at[user_id] = self._sequence
        for session_id in [k for k, e in self._entries.items() if e.user_id == user_id]:
            del self._entries[session_id]

    def _forget_all(self) -> None:
        self._entries.clear()
        self._invalidated_at.clear()
        self._generation += 1

    def _evict(self) -> None:
        now = time.monotonic()
        for session_id in [k for k, e in self._entries.items() if e.expires_at <= now]:
            del self._entries[session_id]
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]

    def start(self) -> None:
        """Start the listener (see ``listening``)."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(
                self._listen(), name="auth-session-cache-listener"
            )

    async def stop(self) -> None:
        """Stop the listener and close its connection; the cache leaves live mode."""
        task, self._task = self._task, None
        self._stopping = True
        # A cancellation that lands as a timed read expires can be lost inside
        # redis-py (the read returns "no message"): the loop also checks the flag.
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=self.heartbeat_seconds)

    @asynccontextmanager
    async def listening(self) -> AsyncGenerator[None]:
        """Run the listener for the duration of the block (the app's lifespan)."""
        self.start()
        try:
            yield
        finally:
            await self.stop()

    async def _listen(self) -> None:
        low, high = self.reconnect_seconds
        delay, attempt = low, 0
        try:
            while True:
                attempt += 1
                error = "closed"
                try:
                    await self._follow()
                except (RedisError, OSError) as exc:
                    error = type(exc).__name__
                except Exception as exc:  # noqa: BLE001 - the listener must outlive bugs
                    log.failed("listen", error=type(exc).__name__)
                    error = type(exc).__name__
                if self._stopping:
                    return
                if self._subscribed:
                    delay, attempt = low, 1
                self._unsubscribed(error, attempt, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, high)
        finally:
            if self._subscribed:
                log.completed("listen_stop", generation=self._generation)
            self._subscribed = False
            self._forget_all()

    def _unsubscribed(self, error: str, attempt: int, retry_in: float) -> None:
        """Leave live mode: anything published from now on may be missed."""
        was_subscribed, self._subscribed = self._subscribed, False
        if was_subscribed:
            self._forget_all()
        log.detected(
            "subscription_lost" if was_subscribed else "subscribe_retry",
            level=logging.WARNING if attempt == 1 else logging.DEBUG,
            error=error,
            attempt=attempt,
            retry_in=retry_in,
        )

    async def _follow(self) -> None:
        """Subscribe, then handle messages until the connection fails or goes quiet."""
        pubsub: PubSub = self.subscriber.pubsub()  # pyright: ignore[reportUnknownMemberType] - **kwargs untyped upstream
        try:
            await pubsub.subscribe(REVOKED_CHANNEL)
            heard = pinged = time.monotonic()
            while not self._stopping:
                # Raw replies: redis-py's get_message mangles a PING's answer.
                reply = cast(
                    "object",
                    await pubsub.parse_response(
                        block=False, timeout=self.heartbeat_seconds
                    ),
                )
                now = time.monotonic()
                if reply is not None:
                    heard = self._heard_at = now
                    self._handle(reply)
                if now - heard >= STALE_HEARTBEATS * self.heartbeat_seconds:
                    raise RedisTimeoutError("no answer to the heartbeat")
                if now - pinged >= self.heartbeat_seconds:
                    await pubsub.ping()  # pyright: ignore[reportUnknownMemberType] - message untyped upstream
                    pinged = now
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped upstream

    def _handle(self, reply: object) -> None:
        """One reply on the subscription: a message, a confirmation or a PONG."""
        parts = (
            [_text(part) for part in cast("list[object]", reply)]
            if isinstance(reply, list)
            else [_text(reply)]
        )
        match [parts[0].lower(), *parts[1:]]:
            case ["message", _, data]:
                self._revoked(data)
            case ["subscribe", *_]:
                # A second confirmation means redis-py reconnected by itself: a gap.
                was_subscribed, self._subscribed = self._subscribed, True
                self._forget_all()
                if was_subscribed:
                    log.detected("resubscribe", generation=self._generation)
                else:
                    log.completed("subscribe", generation=self._generation)
            case ["pong", *_]:
                pass
            case _:
                raise RedisConnectionError(f"unexpected {parts[0]!r} on the channel")

    def _revoked(self, data: str) -> None:
        try:
            user_id = uuid.UUID(data)
        except ValueError:
            log.detected("bad_message", channel=REVOKED_CHANNEL)
            self._forget_all()
            return
        self.forget_user(user_id)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)

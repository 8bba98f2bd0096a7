"""Verified sessions cached per worker: every revocation bites as soon as it is heard.

The cache is only worth having if it is never wrong in the dangerous direction: these
tests warm it first, then revoke through each path (logout, password change, reset,
deactivation, role change, refresh reuse), from this worker or another one, with the
listener live, lost or never started, and with Redis flushed or unreachable.

A revocation made in another worker (or by a service that has no handle on this
worker's cache) reaches a live cache as a pub/sub message, asynchronously: those tests
poll for up to two seconds (``_eventually``) and fail if it never lands.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import DetachedInstanceError

from grins_platform.auth.models import AuthSession
from grins_platform.auth.service import AuthService, ClientInfo
from grins_platform.auth.session_cache import (
    EpochRead,
    SessionCache,
    end_cached_sessions,
    epoch_key,
)
from grins_platform.core.config import Settings
from grins_platform.core.redis import create_redis
from grins_platform.main import create_app
from grins_platform.users.models import Role, User
from tests.conftest import LogCapture, remember_secret
from tests.factories import DEFAULT_PASSWORD, login, make_user

ME = "/api/v1/auth/me"


DEAD_REDIS = "redis://127.0.0.1:1/0"
FAST_RECONNECT = (0.05, 0.2)


def _cache_of(app: FastAPI) -> SessionCache:
    cache: SessionCache = app.state.session_cache
    return cache


async def _eventually(
    check: Callable[[], Awaitable[bool]], seconds: float = 2.0
) -> bool:
    """Poll ``check`` until it holds or ``seconds`` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def _live(cache: SessionCache) -> bool:
    return cache.live


async def _not_live(cache: SessionCache) -> bool:
    return not cache.live


@pytest.fixture
async def dead_redis(test_settings: Settings) -> AsyncIterator[Redis]:
    """A client for a port nothing listens on: every command fails at once."""
    dead = create_redis(test_settings, url=DEAD_REDIS)
    yield dead
    await dead.aclose()


@pytest.fixture
async def live_cache(redis: Redis) -> AsyncIterator[SessionCache]:
    """A cache whose listener's subscription is confirmed."""
    cache = SessionCache(redis, reconnect_seconds=FAST_RECONNECT)
    async with cache.listening():
        assert await _eventually(partial(_live, cache))
        yield cache


async def test_a_verified_session_is_remembered_and_served_from_memory(
    app: FastAPI,
    app_client: AsyncClient,
    session: AsyncSession,
    logs: LogCapture,
    test_settings: Settings,
) -> None:
    user = await make_user(session, role=Role.MANAGER)
    me = await login(app_client, user)
    cache = _cache_of(app)
    assert len(cache) == 0
    assert (await app_client.get(ME, headers=me.headers)).status_code == 200
    assert len(cache) == 1
    assert await _eventually(partial(_live, cache))
    statements = len(logs.lines)
    live = cache.redis
    dead = create_redis(test_settings, url=DEAD_REDIS)
    try:
        cache.redis = dead  # any Redis call from the cache would now fail
        response = await app_client.get(ME, headers=me.headers)
    finally:
        cache.redis = live
        await dead.aclose()
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    # The second check asked neither the database nor Redis.
    assert not [
        line
        for line in logs.lines[statements:]
        if ("auth_sessions" in line and "database.query" in line)
        or "redis_unavailable" in line
    ]


async def test_logout_ends_a_remembered_session_at_once(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session)
    me = await login(app_client, user)
    assert (await app_client.get(ME, headers=me.headers)).status_code == 200
    assert (
        await app_client.post("/api/v1/auth/logout", headers=me.headers)
    ).status_code == 204
    assert (await app_client.get(ME, headers=me.headers)).status_code == 401


async def test_password_change_ends_remembered_sessions(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session)
    first = await login(app_client, user)
    second = await login(app_client, user)
    for who in (first, second):
        assert (await app_client.get(ME, headers=who.headers)).status_code == 200
    new_password = remember_secret("a-new-long-passphrase-42")
    response = await app_client.post(
        "/api/v1/auth/password",
        headers=first.headers,
        json={"current_password": DEFAULT_PASSWORD, "new_password": new_password},
    )
    assert response.status_code == 200, response.text
    for who in (first, second):
        assert (await app_client.get(ME, headers=who.headers)).status_code == 401
    fresh = response.json()["access_token"]
    remember_secret(fresh)
    ok = await app_client.get(ME, headers={"Authorization": f"Bearer {fresh}"})
    assert ok.status_code == 200


@pytest.mark.parametrize("change", ["deactivate", "demote", "reset_password"])
async def test_admin_changes_end_remembered_sessions(
    app: FastAPI, app_client: AsyncClient, session: AsyncSession, change: str
) -> None:
    admin = await login(app_client, await make_user(session, role=Role.ADMIN))
    target_user = await make_user(session, role=Role.MANAGER)
    target = await login(app_client, target_user)
    office_route = "/api/v1/users/" + str(target_user.id)
    assert (await app_client.get(office_route, headers=target.headers)).status_code == (
        200
    )
    assert len(_cache_of(app)) >= 1
    url = f"/api/v1/users/{target_user.id}"
    if change == "deactivate":
        response = await app_client.post(f"{url}/deactivate", headers=admin.headers)
        expected = {401}
    elif change == "demote":
        response = await app_client.patch(
            url, headers=admin.headers, json={"role": "technician"}
        )
        expected = {200}
    else:
        response = await app_client.post(
            f"{url}/reset-password",
            headers=admin.headers,
            json={"password": remember_secret("temporary-passphrase-77")},
        )
        expected = {401}
    assert response.status_code in {200, 204}, response.text
    # This worker forgets the user's sessions after the commit, before answering
    # (others hear the message): the very next request is already refused.
    after = await app_client.get(ME, headers=target.headers)
    if change == "demote":
        assert after.status_code == 200
        assert after.json()["role"] == "technician"
    else:
        assert after.status_code in expected
    if change == "demote":
        # The demoted user lost the office's rights along with the old role.
        listing = await app_client.get("/api/v1/users", headers=target.headers)
        assert listing.status_code == 403


async def test_refresh_reuse_ends_the_remembered_session(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session)
    me = await login(app_client, user)
    assert (await app_client.get(ME, headers=me.headers)).status_code == 200
    body = {"refresh_token": me.refresh_token}
    first = await app_client.post("/api/v1/auth/refresh", json=body)
    assert first.status_code == 200
    remember_secret(first.json()["access_token"])
    remember_secret(first.json()["refresh_token"])
    reused = await app_client.post("/api/v1/auth/refresh", json=body)
    assert reused.status_code == 401
    assert (await app_client.get(ME, headers=me.headers)).status_code == 401


async def _remembered(
    cache: SessionCache, session: AsyncSession
) -> tuple[uuid.UUID, uuid.UUID, int]:
    user = await make_user(session, role=Role.MANAGER)
    session_id = uuid.uuid4()
    read = await cache.current_epoch(user.id)
    assert read is not None
    assert cache.remember(user, session_id, read)
    return user.id, session_id, user.token_version


async def test_without_a_listener_revocations_are_seen_through_the_epoch(
    redis: Redis, session: AsyncSession
) -> None:
    mine, other_worker = SessionCache(redis), SessionCache(redis)
    assert not mine.live
    user_id, session_id, version = await _remembered(mine, session)
    copy = await mine.lookup(user_id, session_id, version)
    assert copy is not None
    assert copy.id == user_id
    assert copy.role is Role.MANAGER
    with pytest.raises(DetachedInstanceError):
        _ = copy.password_hash  # the hash is never kept in memory
    assert await end_cached_sessions(redis, user_id)
    assert await mine.lookup(user_id, session_id, version) is None
    assert len(mine) == 0
    assert len(other_worker) == 0


async def test_a_flushed_or_expired_epoch_never_matches(
    redis: Redis, session: AsyncSession
) -> None:
    cache = SessionCache(redis)
    user_id, session_id, version = await _remembered(cache, session)
    await redis.delete(epoch_key(user_id))
    assert await cache.lookup(user_id, session_id, version) is None


async def test_entries_are_bound_to_user_version_and_lifetime(
    redis: Redis, session: AsyncSession
) -> None:
    cache = SessionCache(redis, ttl_seconds=0.05)
    user_id, session_id, version = await _remembered(cache, session)
    assert await cache.lookup(uuid.uuid4(), session_id, version) is None
    user_id, session_id, version = await _remembered(cache, session)
    assert await cache.lookup(user_id, session_id, version + 1) is None
    user_id, session_id, version = await _remembered(cache, session)
    assert await cache.lookup(user_id, session_id, version) is not None
    await asyncio.sleep(0.06)
    assert await cache.lookup(user_id, session_id, version) is None
    assert await cache.lookup(user_id, uuid.uuid4(), version) is None


async def test_the_cache_is_bounded(redis: Redis, session: AsyncSession) -> None:
    cache = SessionCache(redis, max_entries=3)
    remembered = [await _remembered(cache, session) for _ in range(5)]
    assert len(cache) == 3
    newest = remembered[-1]
    assert await cache.lookup(*newest) is not None
    assert await cache.lookup(*remembered[0]) is None


async def test_without_redis_nothing_is_trusted_from_memory(
    test_settings: Settings, redis: Redis, session: AsyncSession
) -> None:
    cache = SessionCache(redis)
    user_id, session_id, version = await _remembered(cache, session)
    dead = create_redis(test_settings, url="redis://127.0.0.1:1/0")
    try:
        cache.redis = dead
        assert await cache.lookup(user_id, session_id, version) is None
        assert await cache.current_epoch(user_id) is None
        assert not await end_cached_sessions(dead, user_id)
    finally:
        await dead.aclose()


async def test_requests_are_checked_in_the_database_while_redis_is_away(
    app: FastAPI,
    app_client: AsyncClient,
    session: AsyncSession,
    test_settings: Settings,
) -> None:
    user = await make_user(session)
    me = await login(app_client, user)
    cache = _cache_of(app)
    dead = create_redis(test_settings, url="redis://127.0.0.1:1/0")
    live = cache.redis
    try:
        cache.redis = dead
        assert (await app_client.get(ME, headers=me.headers)).status_code == 200
        assert len(cache) == 0  # nothing remembered without an epoch
        user.is_active = False
        await session.flush()
        assert (await app_client.get(ME, headers=me.headers)).status_code == 401
    finally:
        cache.redis = live
        await dead.aclose()


async def test_a_live_cache_trusts_remembered_sessions_without_asking_redis(
    live_cache: SessionCache, redis: Redis, dead_redis: Redis, session: AsyncSession
) -> None:
    remembered = await _remembered(live_cache, session)
    live_cache.redis = dead_redis  # a lookup that asked Redis would now miss
    for _ in range(3):
        assert await live_cache.lookup(*remembered) is not None
    # A listener that has gone quiet (no answer to its heartbeats) is not trusted.
    live_cache._heard_at -= 10 * live_cache.heartbeat_seconds
    assert not live_cache.live
    assert await live_cache.lookup(*remembered) is None
    # Nor is anything once the listener has stopped.
    live_cache.redis = redis
    assert await _eventually(partial(_live, live_cache))
    remembered = await _remembered(live_cache, session)
    await live_cache.stop()
    assert not live_cache.live
    assert len(live_cache) == 0
    remembered = await _remembered(live_cache, session)
    live_cache.redis = dead_redis
    assert await live_cache.lookup(*remembered) is None


async def test_a_revocation_reaches_every_listening_worker(
    redis: Redis, session: AsyncSession
) -> None:
    workers = [SessionCache(redis, reconnect_seconds=FAST_RECONNECT) for _ in range(2)]
    async with workers[0].listening(), workers[1].listening():
        for worker in workers:
            assert await _eventually(partial(_live, worker))
        user = await make_user(session)
        session_id = uuid.uuid4()
        for worker in workers:
            read = await worker.current_epoch(user.id)
            assert read is not None
            assert worker.remember(user, session_id, read)
            assert await worker.lookup(user.id, session_id, user.token_version)
        assert await end_cached_sessions(redis, user.id)
        for worker in workers:

            async def gone(worker: SessionCache = worker) -> bool:
                return await worker.lookup(user.id, session_id, 0) is None

            assert await _eventually(gone)
            assert len(worker) == 0


async def test_a_message_drops_only_that_users_sessions(
    live_cache: SessionCache, redis: Redis, dead_redis: Redis, session: AsyncSession
) -> None:
    user = await make_user(session)
    first, second = uuid.uuid4(), uuid.uuid4()
    for session_id in (first, second):
        read = await live_cache.current_epoch(user.id)
        assert read is not None
        assert live_cache.remember(user, session_id, read)
    other = await _remembered(live_cache, session)
    assert len(live_cache) == 3
    assert await end_cached_sessions(redis, user.id)

    async def user_gone() -> bool:
        return await live_cache.lookup(user.id, first, user.token_version) is None

    assert await _eventually(user_gone)
    assert await live_cache.lookup(user.id, second, user.token_version) is None
    assert len(live_cache) == 1
    live_cache.redis = dead_redis
    assert await live_cache.lookup(*other) is not None  # still trusted, from memory


async def test_a_read_taken_before_an_invalidation_is_not_remembered(
    live_cache: SessionCache, redis: Redis, session: AsyncSession
) -> None:
    user, bystander = await make_user(session), await make_user(session)
    stale = await live_cache.current_epoch(user.id)
    bystanders_read = await live_cache.current_epoch(bystander.id)
    assert stale is not None
    assert bystanders_read is not None
    # Another worker revokes between this request's read and its remember.
    assert await end_cached_sessions(redis, user.id)
    session_id = uuid.uuid4()

    async def refused() -> bool:
        return not live_cache.remember(user, session_id, stale)

    assert await _eventually(refused)
    assert await live_cache.lookup(user.id, session_id, user.token_version) is None
    # Only that user's reads are refused, and a read taken afterwards is fine.
    assert live_cache.remember(bystander, uuid.uuid4(), bystanders_read)
    fresh = await live_cache.current_epoch(user.id)
    assert fresh is not None
    assert live_cache.remember(user, session_id, fresh)
    # The same holds for a revocation in this worker (``forget_user``), at once.
    before = await live_cache.current_epoch(user.id)
    assert before is not None
    live_cache.forget_user(user.id)
    assert not live_cache.remember(user, uuid.uuid4(), before)
    assert not live_cache.remember(
        user,
        uuid.uuid4(),
        EpochRead(bystander.id, fresh.epoch, fresh.generation, fresh.sequence),
    )


async def test_a_revocation_during_the_database_check_is_not_remembered(
    live_cache: SessionCache,
    redis: Redis,
    session: AsyncSession,
    test_settings: Settings,
) -> None:
    user = await make_user(session)
    service = AuthService(session, redis, test_settings, live_cache)
    pair = await service.login(user.email, DEFAULT_PASSWORD, ClientInfo("127.0.0.1"))
    remember_secret(pair.access_token)
    remember_secret(pair.refresh_token)
    check = service.sessions.get_user_and_session

    async def check_then_revoke(
        user_id: uuid.UUID, session_id: uuid.UUID
    ) -> tuple[User, AuthSession] | None:
        found = await check(user_id, session_id)  # the pre-revocation answer
        sequence = live_cache._sequence
        assert await end_cached_sessions(redis, user_id)

        async def heard() -> bool:
            return live_cache._invalidated_at.get(user_id, 0) > sequence

        assert await _eventually(heard)
        return found

    service.sessions.get_user_and_session = check_then_revoke  # type: ignore[method-assign]
    authenticated, session_id = await service.authenticate(pair.access_token)
    assert authenticated.id == user.id  # valid when it was read
    assert len(live_cache) == 0
    assert await live_cache.lookup(user.id, session_id, user.token_version) is None


async def test_losing_the_subscription_forgets_everything_until_it_is_back(
    redis: Redis,
    dead_redis: Redis,
    session: AsyncSession,
    test_settings: Settings,
    logs: LogCapture,
) -> None:
    name = f"grins-test-listener-{uuid.uuid4().hex[:12]}"
    assert test_settings.redis_url is not None
    subscriber: Redis = Redis.from_url(
        test_settings.redis_url, decode_responses=True, client_name=name
    )
    cache = SessionCache(redis, subscriber=subscriber, reconnect_seconds=FAST_RECONNECT)
    try:
        async with cache.listening():
            assert await _eventually(partial(_live, cache))
            await _remembered(cache, session)
            # The connection drops and cannot come back for now.
            cache.subscriber = dead_redis
            ids = [c["id"] for c in await redis.client_list() if c["name"] == name]
            assert ids
            for client_id in ids:
                await redis.client_kill_filter(_id=client_id)
            assert await _eventually(partial(_not_live, cache))
            assert len(cache) == 0
            # Meanwhile every lookup checks the epoch in Redis.
            user_id, session_id, version = await _remembered(cache, session)
            assert await cache.lookup(user_id, session_id, version) is not None
            await redis.set(epoch_key(user_id), "replaced-unheard")
            assert await cache.lookup(user_id, session_id, version) is None
            held_over = await _remembered(cache, session)
            assert await cache.lookup(*held_over) is not None
            gap_user = await make_user(session)
            before = await cache.current_epoch(gap_user.id)
            assert before is not None
            # Back: what was remembered in the gap is forgotten once more.
            cache.subscriber = subscriber
            assert await _eventually(partial(_live, cache))
            assert len(cache) == 0
            assert await cache.lookup(*held_over) is None
            # A read taken in the gap is refused: its database check may predate
            # a revocation nobody heard.
            assert not cache.remember(gap_user, uuid.uuid4(), before)
            remembered = await _remembered(cache, session)
            cache.redis = dead_redis
            assert await cache.lookup(*remembered) is not None
            cache.redis = redis
        events = [line["event"] for line in logs.since_mark()]
        lost = events.index("auth.session_cache.subscription_lost_detected")
        assert "auth.session_cache.subscribe_completed" in events[lost:]
        # Stopped: the listener's connection is closed.
        assert not [c for c in await redis.client_list() if c["name"] == name]
    finally:
        await subscriber.aclose()


async def test_the_app_listens_while_it_runs(test_settings: Settings) -> None:
    app = create_app(test_settings, configure_logs=False)
    async with LifespanManager(app):
        cache = _cache_of(app)
        assert await _eventually(partial(_live, cache))
    assert not cache.live
    assert cache._task is None


async def test_heartbeats_keep_a_quiet_subscription_live_and_stopping_is_prompt(
    redis: Redis, logs: LogCapture
) -> None:
    for pause in (0.0, 0.05, 0.12, 0.3):
        cache = SessionCache(
            redis, heartbeat_seconds=0.05, reconnect_seconds=FAST_RECONNECT
        )
        cache.start()
        assert await _eventually(partial(_live, cache))
        await asyncio.sleep(pause)  # several heartbeats answered, or none
        assert cache.live
        started = time.monotonic()
        await cache.stop()
        assert time.monotonic() - started < 0.5
        assert not cache.live
    events = [line["event"] for line in logs.since_mark()]
    assert "auth.session_cache.subscription_lost_detected" not in events
    assert "auth.session_cache.subscribe_retry_detected" not in events


async def test_a_remembered_user_is_a_detached_copy_like_a_loaded_one(
    session: AsyncSession,
) -> None:
    from sqlalchemy import inspect  # noqa: PLC0415

    from grins_platform.auth.session_cache import (  # noqa: PLC0415
        _USER_FIELDS,
        _detached_user,
    )

    stored = await make_user(session, role=Role.MANAGER)
    copy = _detached_user({name: getattr(stored, name) for name in _USER_FIELDS})
    state = inspect(copy)
    assert state.detached
    assert state.key == inspect(stored).key
    assert (copy.id, copy.email, copy.role) == (stored.id, stored.email, Role.MANAGER)
    assert not state.modified
    with pytest.raises(DetachedInstanceError):
        _ = copy.password_hash  # never copied: not readable from the cache
    # The session that loaded the user still holds its own object, untouched.
    assert await session.get(User, stored.id) is stored


async def test_the_users_service_forgets_this_workers_copies_after_its_commit(
    redis: Redis, session: AsyncSession, test_settings: Settings
) -> None:
    from grins_platform.users.service import UserService  # noqa: PLC0415

    cache = SessionCache(redis)  # no listener: only a local drop can empty it
    user_id, session_id, version = await _remembered(cache, session)
    await make_user(session, role=Role.ADMIN)  # the last admin is not the target
    assert len(cache) == 1
    service = UserService(session, test_settings, redis, cache)
    await service.set_active(user_id, active=False)
    assert len(cache) == 0
    assert await cache.lookup(user_id, session_id, version) is None

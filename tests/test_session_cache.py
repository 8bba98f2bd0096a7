"""Verified sessions cached per worker: every revocation bites on the next request.

The cache is only worth having if it is never wrong in the dangerous direction: these
tests warm it first, then revoke through each path (logout, password change, reset,
deactivation, role change, refresh reuse), from this worker or another one, and with
Redis flushed or unreachable.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import DetachedInstanceError

from grins_platform.auth.session_cache import (
    SessionCache,
    end_cached_sessions,
    epoch_key,
)
from grins_platform.core.config import Settings
from grins_platform.core.redis import create_redis
from grins_platform.users.models import Role
from tests.conftest import LogCapture, remember_secret
from tests.factories import DEFAULT_PASSWORD, login, make_user

ME = "/api/v1/auth/me"


def _cache_of(app: FastAPI) -> SessionCache:
    cache: SessionCache = app.state.session_cache
    return cache


async def test_a_verified_session_is_remembered_and_served_from_memory(
    app: FastAPI, app_client: AsyncClient, session: AsyncSession, logs: LogCapture
) -> None:
    user = await make_user(session, role=Role.MANAGER)
    me = await login(app_client, user)
    cache = _cache_of(app)
    assert len(cache) == 0
    assert (await app_client.get(ME, headers=me.headers)).status_code == 200
    assert len(cache) == 1
    statements = len(logs.lines)
    response = await app_client.get(ME, headers=me.headers)
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    # The second check read the epoch from Redis, not the database.
    assert not [
        line
        for line in logs.lines[statements:]
        if "auth_sessions" in line and "database.query" in line
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
    after = await app_client.get(ME, headers=target.headers)
    assert after.status_code in expected
    if change == "demote":
        assert after.json()["role"] == "technician"
        # The demoted user lost the office's rights on the very next request.
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
    epoch = await cache.current_epoch(user.id)
    assert epoch is not None
    cache.remember(user, session_id, epoch)
    return user.id, session_id, user.token_version


async def test_a_revocation_in_another_worker_is_seen_through_the_epoch(
    redis: Redis, session: AsyncSession
) -> None:
    mine, other_worker = SessionCache(redis), SessionCache(redis)
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

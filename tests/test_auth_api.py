"""``/api/v1/auth`` end to end on real PostgreSQL and Redis."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.auth.models import AuthSession
from grins_platform.auth.security import create_access_token
from grins_platform.core.config import Settings
from grins_platform.users.models import Role, User
from tests.conftest import LogCapture, remember_secret
from tests.factories import DEFAULT_PASSWORD, LoggedIn, login, make_user

pytestmark = pytest.mark.api
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"
PASSWORD = "/api/v1/auth/password"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_login_returns_tokens_and_me_works(
    app_client: AsyncClient, session: AsyncSession, logs: LogCapture
) -> None:
    user = await make_user(session, role=Role.MANAGER, email="Office@Example.com")
    response = await app_client.post(
        LOGIN, json={"email": "office@EXAMPLE.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    remember_secret(body["access_token"])
    remember_secret(body["refresh_token"])
    assert body["token_type"] == "bearer"
    assert 890 <= body["expires_in"] <= 900
    assert body["user"]["role"] == "manager"
    refresh_end = datetime.fromisoformat(body["refresh_expires_at"])
    assert abs(refresh_end - (datetime.now(UTC) + timedelta(days=30))) < timedelta(
        minutes=1
    )
    me = await app_client.get(ME, headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == str(user.id)
    assert me.json()["last_login_at"] is not None
    events = [
        x for x in logs.since_mark() if x["event"] == "auth.session.login_succeeded"
    ]
    assert events[0]["user_id"] == str(user.id)
    assert events[0]["request_id"]
    access = [x for x in logs.since_mark() if x.get("route") == "/api/v1/auth/me"]
    assert access[0]["user_id"] == str(user.id)


async def test_unknown_email_and_wrong_password_look_the_same(
    app_client: AsyncClient, session: AsyncSession, logs: LogCapture
) -> None:
    user = await make_user(session)
    timings: list[float] = []
    bodies: list[dict[str, object]] = []
    for email, password in [
        (user.email, remember_secret("wrong-password-123")),
        ("nobody@example.com", DEFAULT_PASSWORD),
    ]:
        started = time.perf_counter()
        response = await app_client.post(
            LOGIN, json={"email": email, "password": password}
        )
        timings.append(time.perf_counter() - started)
        assert response.status_code == 401
        body = response.json()
        body.pop("request_id")
        bodies.append(body)
    assert (
        bodies[0]
        == bodies[1]
        == {
            "error": "not_authenticated",
            "detail": "invalid email or password",
        }
    )
    reasons = {
        x.get("reason")
        for x in logs.since_mark()
        if x["event"] == "auth.session.login_failed"
    }
    assert reasons == {"bad_password", "unknown_email"}


async def test_inactive_user_cannot_log_in(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session, active=False)
    response = await app_client.post(
        LOGIN, json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": "x"}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": "x", "extra": 1}, "extra"),
    ],
)
async def test_login_validation_422(
    app_client: AsyncClient, payload: dict[str, object], field: str
) -> None:
    response = await app_client.post(LOGIN, json=payload)
    assert response.status_code == 422
    assert field in {d["field"] for d in response.json()["detail"]}


async def test_refresh_rotates_and_reuse_revokes_the_family(
    app_client: AsyncClient, session: AsyncSession, logs: LogCapture
) -> None:
    me = await login(app_client, await make_user(session))
    first = await app_client.post(REFRESH, json={"refresh_token": me.refresh_token})
    assert first.status_code == 200
    second_token = remember_secret(first.json()["refresh_token"])
    remember_secret(first.json()["access_token"])
    assert second_token != me.refresh_token
    second = await app_client.post(REFRESH, json={"refresh_token": second_token})
    assert second.status_code == 200
    third_token = remember_secret(second.json()["refresh_token"])
    newest_access = remember_secret(second.json()["access_token"])

    replay = await app_client.post(REFRESH, json={"refresh_token": me.refresh_token})
    assert replay.status_code == 401
    assert "revoked" in replay.json()["detail"]
    # The whole family is gone: the newest refresh and access tokens too.
    assert (
        await app_client.post(REFRESH, json={"refresh_token": third_token})
    ).status_code == 401
    assert (await app_client.get(ME, headers=bearer(newest_access))).status_code == 401
    assert any(
        x["event"] == "auth.session.refresh_reuse_detected" for x in logs.since_mark()
    )


async def test_refresh_with_unknown_or_malformed_token(app_client: AsyncClient) -> None:
    unknown = await app_client.post(REFRESH, json={"refresh_token": "x" * 43})
    assert unknown.status_code == 401
    short = await app_client.post(REFRESH, json={"refresh_token": "abc"})
    assert short.status_code == 422
    assert short.json()["detail"][0]["field"] == "refresh_token"


async def test_refresh_after_absolute_lifetime_is_refused(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    me = await login(app_client, await make_user(session))
    family = (await session.execute(select(AuthSession))).scalars().all()
    for row in family:
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await session.flush()
    response = await app_client.post(REFRESH, json={"refresh_token": me.refresh_token})
    assert response.status_code == 401


async def test_logout_ends_refresh_and_access(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session)
    phone = await login(app_client, user)
    laptop = await login(app_client, user)
    response = await app_client.post(LOGOUT, headers=phone.headers)
    assert response.status_code == 204
    assert (await app_client.get(ME, headers=phone.headers)).status_code == 401
    assert (
        await app_client.post(REFRESH, json={"refresh_token": phone.refresh_token})
    ).status_code == 401
    # Only that session ended.
    assert (await app_client.get(ME, headers=laptop.headers)).status_code == 200


async def test_logout_requires_auth(app_client: AsyncClient) -> None:
    response = await app_client.post(LOGOUT)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_password_change_revokes_everything_else(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session)
    phone = await login(app_client, user)
    laptop = await login(app_client, user)
    new_password = remember_secret("a-brand-new-passphrase")
    response = await app_client.post(
        PASSWORD,
        headers=phone.headers,
        json={"current_password": DEFAULT_PASSWORD, "new_password": new_password},
    )
    assert response.status_code == 200
    fresh = response.json()
    remember_secret(fresh["access_token"])
    remember_secret(fresh["refresh_token"])
    for old in (phone, laptop):
        assert (await app_client.get(ME, headers=old.headers)).status_code == 401
        assert (
            await app_client.post(REFRESH, json={"refresh_token": old.refresh_token})
        ).status_code == 401
    assert (
        await app_client.get(ME, headers=bearer(fresh["access_token"]))
    ).status_code == 200
    old_login = await app_client.post(
        LOGIN, json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert old_login.status_code == 401
    await login(app_client, user, new_password)


@pytest.mark.parametrize(
    ("current", "new", "field", "reason"),
    [
        (
            "wrong-current-password",
            "another-good-password",
            "current_password",
            "not your",
        ),
        (DEFAULT_PASSWORD, "short", "new_password", "at least 12"),
        (DEFAULT_PASSWORD, "y" * 73, "new_password", "at most 72 bytes"),
        (DEFAULT_PASSWORD, DEFAULT_PASSWORD, "new_password", "must differ"),
    ],
)
async def test_password_change_422(
    app_client: AsyncClient,
    session: AsyncSession,
    current: str,
    new: str,
    field: str,
    reason: str,
) -> None:
    remember_secret(current)
    remember_secret(new)
    me = await login(app_client, await make_user(session))
    response = await app_client.post(
        PASSWORD,
        headers=me.headers,
        json={"current_password": current, "new_password": new},
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["field"] == field
    assert reason in detail["message"]


async def test_forced_password_change_blocks_other_routes(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session, role=Role.ADMIN, must_change_password=True)
    me = await login(app_client, user)
    assert (await app_client.get(ME, headers=me.headers)).status_code == 200
    blocked = await app_client.get("/api/v1/users", headers=me.headers)
    assert blocked.status_code == 403
    assert "change your password" in blocked.json()["detail"]
    new_password = remember_secret("my-own-new-password")
    changed = await app_client.post(
        PASSWORD,
        headers=me.headers,
        json={"current_password": DEFAULT_PASSWORD, "new_password": new_password},
    )
    assert changed.status_code == 200
    token = remember_secret(changed.json()["access_token"])
    remember_secret(changed.json()["refresh_token"])
    assert (
        await app_client.get("/api/v1/users", headers=bearer(token))
    ).status_code == 200


async def test_me_rejects_tampered_and_foreign_tokens(
    app_client: AsyncClient, session: AsyncSession, test_settings: Settings
) -> None:
    me = await login(app_client, await make_user(session))
    claims = jwt.decode(me.access_token, options={"verify_signature": False})
    forged = {
        "alg none": jwt.encode({**claims, "role": "admin"}, "", algorithm="none"),
        "wrong key": jwt.encode(claims, "z" * 64, algorithm="HS256"),
        "wrong aud": jwt.encode(
            {**claims, "aud": "x"}, test_settings.jwt_key(), algorithm="HS256"
        ),
        "wrong iss": jwt.encode(
            {**claims, "iss": "x"}, test_settings.jwt_key(), algorithm="HS256"
        ),
        "expired": jwt.encode(
            {**claims, "exp": int(time.time()) - 1},
            test_settings.jwt_key(),
            algorithm="HS256",
        ),
        "stale version": jwt.encode(
            {**claims, "ver": claims["ver"] + 1},
            test_settings.jwt_key(),
            algorithm="HS256",
        ),
        "refresh as access": me.refresh_token,
    }
    for why, token in forged.items():
        response = await app_client.get(ME, headers=bearer(token))
        assert response.status_code == 401, why
        assert response.json()["error"] == "not_authenticated"
    assert (await app_client.get(ME)).status_code == 401
    assert (
        await app_client.get(ME, headers={"Authorization": "Basic abc"})
    ).status_code == 401


async def test_token_of_deactivated_user_stops_working(
    app_client: AsyncClient, session: AsyncSession, test_settings: Settings
) -> None:
    user = await make_user(session)
    me = await login(app_client, user)
    user.is_active = False
    await session.flush()
    assert (await app_client.get(ME, headers=me.headers)).status_code == 401
    # A correctly signed token naming a session that does not exist.
    ghost, _ = create_access_token(
        test_settings,
        user_id=user.id,
        session_id=user.id,
        token_version=0,
        role="admin",
    )
    assert (await app_client.get(ME, headers=bearer(ghost))).status_code == 401


async def test_throttling_per_account_then_reset_after_success(
    app_client: AsyncClient, session: AsyncSession, test_settings: Settings
) -> None:
    user = await make_user(session)
    wrong = remember_secret("definitely-wrong-pass")
    for _ in range(test_settings.login_max_failures - 1):
        response = await app_client.post(
            LOGIN, json={"email": user.email, "password": wrong}
        )
        assert response.status_code == 401
    # One short of the limit: the right password still works and resets the counter.
    await login(app_client, user)
    for _ in range(test_settings.login_max_failures):
        response = await app_client.post(
            LOGIN, json={"email": user.email, "password": wrong}
        )
        assert response.status_code == 401
    blocked = await app_client.post(
        LOGIN, json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert blocked.status_code == 429
    assert (
        0
        < int(blocked.headers["retry-after"])
        <= test_settings.login_throttle_window_seconds
    )
    assert blocked.json()["error"] == "rate_limited"


async def test_throttling_per_ip_covers_many_accounts(
    app_client: AsyncClient, redis: Redis, test_settings: Settings
) -> None:
    wrong = remember_secret("spray-attack-password")
    for i in range(test_settings.login_max_failures_per_ip):
        response = await app_client.post(
            LOGIN, json={"email": f"victim{i}@example.com", "password": wrong}
        )
        assert response.status_code == 401
    response = await app_client.post(
        LOGIN, json={"email": "fresh@example.com", "password": wrong}
    )
    assert response.status_code == 429


async def test_login_fails_closed_without_redis(
    test_settings: Settings, session: AsyncSession
) -> None:
    from asgi_lifespan import LifespanManager  # noqa: PLC0415
    from httpx import ASGITransport  # noqa: PLC0415

    from grins_platform.db.session import get_session  # noqa: PLC0415
    from grins_platform.main import create_app  # noqa: PLC0415

    user = await make_user(session)
    app = create_app(
        test_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}),
        configure_logs=False,
    )

    async def _session() -> object:
        yield session

    app.dependency_overrides[get_session] = _session
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://t"
        ) as client,
    ):
        response = await client.post(
            LOGIN, json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"


async def test_sessions_are_stored_with_hashes_only(
    app_client: AsyncClient, session: AsyncSession
) -> None:
    from sqlalchemy import text  # noqa: PLC0415

    me: LoggedIn = await login(app_client, await make_user(session))
    dump = await session.execute(text("SELECT token_hash FROM refresh_tokens"))
    hashes = [row[0] for row in dump]
    assert hashes
    assert me.refresh_token not in hashes
    users = await session.execute(select(User.password_hash))
    assert all(h.startswith("$2b$") for h in users.scalars())

"""``/api/v1/users``: admin-only management and the object-level rule."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.users.models import Role
from tests.conftest import remember_secret
from tests.factories import DEFAULT_PASSWORD, LoggedIn, logged_in, login, make_user

pytestmark = pytest.mark.api
USERS = "/api/v1/users"
TEMP = remember_secret("temporary-pass-123")


@pytest.fixture
async def admin(app_client: AsyncClient, session: AsyncSession) -> LoggedIn:
    return await logged_in(app_client, session, Role.ADMIN)


async def test_admin_creates_user_who_must_change_password(
    app_client: AsyncClient, admin: LoggedIn
) -> None:
    response = await app_client.post(
        USERS,
        headers=admin.headers,
        json={
            "email": "Tech@Example.com",
            "name": "Tess Tech",
            "role": "technician",
            "password": TEMP,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "technician"
    assert body["must_change_password"] is True
    assert "password" not in body
    assert "password_hash" not in body
    login_response = await app_client.post(
        "/api/v1/auth/login", json={"email": "tech@example.com", "password": TEMP}
    )
    assert login_response.status_code == 200
    remember_secret(login_response.json()["access_token"])
    remember_secret(login_response.json()["refresh_token"])
    assert login_response.json()["user"]["must_change_password"] is True


async def test_duplicate_email_any_case_is_409_with_existing_id(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession
) -> None:
    existing = await make_user(session, email="dup@example.com")
    response = await app_client.post(
        USERS,
        headers=admin.headers,
        json={
            "email": "DUP@example.com",
            "name": "X",
            "role": "manager",
            "password": TEMP,
        },
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == str(existing.id)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"email": "x@example.com", "name": "X", "role": "owner", "password": TEMP},
            "role",
        ),
        ({"email": "bad", "name": "X", "role": "manager", "password": TEMP}, "email"),
        (
            {"email": "x@example.com", "name": "", "role": "manager", "password": TEMP},
            "name",
        ),
        (
            {
                "email": "x@example.com",
                "name": "X",
                "role": "manager",
                "password": "short",
            },
            "password",
        ),
        (
            {
                "email": "x@example.com",
                "name": "X",
                "role": "manager",
                "password": "p" * 73,
            },
            "password",
        ),
    ],
)
async def test_create_user_422_names_field(
    app_client: AsyncClient, admin: LoggedIn, payload: dict[str, str], field: str
) -> None:
    remember_secret(payload["password"])
    response = await app_client.post(USERS, headers=admin.headers, json=payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


@pytest.mark.parametrize("role", [Role.MANAGER, Role.TECHNICIAN])
async def test_non_admins_cannot_manage_users(
    app_client: AsyncClient, session: AsyncSession, role: Role
) -> None:
    caller = await logged_in(app_client, session, role)
    target = await make_user(session)
    payload = {"email": "n@example.com", "name": "N", "role": "admin", "password": TEMP}
    calls = [
        app_client.post(USERS, headers=caller.headers, json=payload),
        app_client.get(USERS, headers=caller.headers),
        app_client.patch(
            f"{USERS}/{target.id}", headers=caller.headers, json={"role": "admin"}
        ),
        app_client.post(f"{USERS}/{target.id}/deactivate", headers=caller.headers),
        app_client.post(f"{USERS}/{target.id}/activate", headers=caller.headers),
        app_client.post(
            f"{USERS}/{target.id}/reset-password",
            headers=caller.headers,
            json={"password": TEMP},
        ),
    ]
    for call in calls:
        response = await call
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"


async def test_every_route_requires_authentication(app_client: AsyncClient) -> None:
    some = uuid.uuid4()
    for method, url in [
        ("POST", USERS),
        ("GET", USERS),
        ("GET", f"{USERS}/{some}"),
        ("PATCH", f"{USERS}/{some}"),
        ("POST", f"{USERS}/{some}/deactivate"),
        ("POST", f"{USERS}/{some}/activate"),
        ("POST", f"{USERS}/{some}/reset-password"),
    ]:
        response = await app_client.request(method, url, json={})
        assert response.status_code == 401, (method, url)


async def test_list_filters_and_pages(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession
) -> None:
    for i in range(3):
        await make_user(session, role=Role.TECHNICIAN, name=f"Tech {i}")
    await make_user(session, role=Role.MANAGER, name="Manny", active=False)
    techs = await app_client.get(
        USERS, headers=admin.headers, params={"role": "technician", "limit": 2}
    )
    assert techs.status_code == 200
    body = techs.json()
    assert body["total"] == 3
    assert [u["name"] for u in body["items"]] == ["Tech 0", "Tech 1"]
    page_two = await app_client.get(
        USERS,
        headers=admin.headers,
        params={"role": "technician", "limit": 2, "offset": 2},
    )
    assert [u["name"] for u in page_two.json()["items"]] == ["Tech 2"]
    inactive = await app_client.get(
        USERS, headers=admin.headers, params={"active": "false"}
    )
    assert [u["name"] for u in inactive.json()["items"]] == ["Manny"]
    too_big = await app_client.get(USERS, headers=admin.headers, params={"limit": 1000})
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["field"] == "limit"


async def test_get_user_object_level(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession
) -> None:
    tech = await logged_in(app_client, session, Role.TECHNICIAN)
    other = await make_user(session)
    own = await app_client.get(f"{USERS}/{tech.user.id}", headers=tech.headers)
    assert own.status_code == 200
    # Someone else's record: 404 for a non-admin, exactly like a missing one.
    theirs = await app_client.get(f"{USERS}/{other.id}", headers=tech.headers)
    missing = await app_client.get(f"{USERS}/{uuid.uuid4()}", headers=tech.headers)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"] == missing.json()["detail"]
    assert (
        await app_client.get(f"{USERS}/{other.id}", headers=admin.headers)
    ).status_code == 200
    assert (
        await app_client.get(f"{USERS}/{uuid.uuid4()}", headers=admin.headers)
    ).status_code == 404
    bad_id = await app_client.get(f"{USERS}/not-a-uuid", headers=admin.headers)
    assert bad_id.status_code == 422
    assert bad_id.json()["detail"][0]["field"] == "user_id"


async def test_change_role_and_last_admin_guard(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession
) -> None:
    tech = await make_user(session)
    promoted = await app_client.patch(
        f"{USERS}/{tech.id}",
        headers=admin.headers,
        json={"role": "manager", "name": "Boss"},
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "manager"
    assert promoted.json()["name"] == "Boss"
    demote_self = await app_client.patch(
        f"{USERS}/{admin.user.id}", headers=admin.headers, json={"role": "technician"}
    )
    assert demote_self.status_code == 409
    assert "at least one active admin" in demote_self.json()["detail"]
    deactivate_self = await app_client.post(
        f"{USERS}/{admin.user.id}/deactivate", headers=admin.headers
    )
    assert deactivate_self.status_code == 409
    bad = await app_client.patch(
        f"{USERS}/{tech.id}", headers=admin.headers, json={"role": "x"}
    )
    assert bad.status_code == 422
    missing = await app_client.patch(
        f"{USERS}/{uuid.uuid4()}", headers=admin.headers, json={"name": "Y"}
    )
    assert missing.status_code == 404


async def test_deactivate_revokes_sessions_and_tokens(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession
) -> None:
    target = await make_user(session)
    them = await login(app_client, target)
    response = await app_client.post(
        f"{USERS}/{target.id}/deactivate", headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert (
        await app_client.get("/api/v1/auth/me", headers=them.headers)
    ).status_code == 401
    refreshed = await app_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": them.refresh_token}
    )
    assert refreshed.status_code == 401
    again = await app_client.post(
        "/api/v1/auth/login", json={"email": target.email, "password": DEFAULT_PASSWORD}
    )
    assert again.status_code == 401
    back = await app_client.post(f"{USERS}/{target.id}/activate", headers=admin.headers)
    assert back.json()["is_active"] is True
    await login(app_client, target)


async def test_reset_password_forces_change(
    app_client: AsyncClient, admin: LoggedIn, session: AsyncSession
) -> None:
    target = await make_user(session)
    them = await login(app_client, target)
    response = await app_client.post(
        f"{USERS}/{target.id}/reset-password",
        headers=admin.headers,
        json={"password": TEMP},
    )
    assert response.status_code == 200
    assert response.json()["must_change_password"] is True
    assert (
        await app_client.get("/api/v1/auth/me", headers=them.headers)
    ).status_code == 401
    fresh = await login(app_client, target, TEMP)
    blocked = await app_client.get(f"{USERS}/{target.id}", headers=fresh.headers)
    assert blocked.status_code == 403
    short = await app_client.post(
        f"{USERS}/{target.id}/reset-password",
        headers=admin.headers,
        json={"password": "abc"},
    )
    assert short.status_code == 422
    assert short.json()["detail"][0]["field"] == "password"

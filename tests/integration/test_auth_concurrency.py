"""Races the database must settle: parallel refreshes and parallel user creation."""

from __future__ import annotations

import asyncio

import bcrypt
import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from grins_platform.auth.models import AuthSession
from grins_platform.users.models import Role, User
from tests.conftest import remember_secret
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.integration


async def _committed_user(engine: AsyncEngine, role: Role, email: str) -> User:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        user = User(
            email=email,
            name="Racer",
            role=role,
            password_hash=bcrypt.hashpw(
                DEFAULT_PASSWORD.encode(), bcrypt.gensalt(rounds=4)
            ).decode(),
        )
        session.add(user)
        await session.commit()
        return user


async def _login(client: AsyncClient, email: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    body: dict[str, str] = response.json()
    remember_secret(body["access_token"])
    remember_secret(body["refresh_token"])
    return body


async def test_parallel_refresh_of_one_token_cannot_fork_the_session(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    await _committed_user(engine, Role.TECHNICIAN, "racer@example.com")
    tokens = await _login(committed_client, "racer@example.com")
    responses = await asyncio.gather(
        *[
            committed_client.post(
                "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            for _ in range(4)
        ]
    )
    for r in responses:
        if r.status_code == 200:
            remember_secret(r.json()["access_token"])
            remember_secret(r.json()["refresh_token"])
    codes = sorted(r.status_code for r in responses)
    # The row lock serialises them: one rotation wins, the rest are reuse.
    assert codes == [200, 401, 401, 401]
    winner = next(r for r in responses if r.status_code == 200).json()
    me = await committed_client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {winner['access_token']}"}
    )
    assert me.status_code == 401  # reuse revoked the whole family, winner included
    async with engine.connect() as conn:
        open_sessions = await conn.scalar(
            select(func.count())
            .select_from(AuthSession)
            .where(AuthSession.revoked_at.is_(None))
        )
    assert open_sessions == 0


async def test_parallel_user_creation_with_one_email(
    committed_client: AsyncClient, engine: AsyncEngine
) -> None:
    await _committed_user(engine, Role.ADMIN, "boss@example.com")
    admin = await _login(committed_client, "boss@example.com")
    password = remember_secret("first-password-123")
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    payload = {
        "email": "same@example.com",
        "name": "S",
        "role": "technician",
        "password": password,
    }
    responses = await asyncio.gather(
        *[
            committed_client.post("/api/v1/users", headers=headers, json=payload)
            for _ in range(3)
        ]
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(User)
            .where(User.email == "same@example.com")
        )
    assert count == 1

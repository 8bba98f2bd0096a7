"""Typed async builders for test data: ``await make_user(session, role=...)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import bcrypt
from faker import Faker
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.users.models import Role, User
from tests.conftest import remember_secret

fake = Faker("en_US")
Faker.seed(20261126)
DEFAULT_PASSWORD = remember_secret("correct-horse-battery-9")


async def make_user(
    session: AsyncSession,
    *,
    role: Role = Role.TECHNICIAN,
    email: str | None = None,
    name: str | None = None,
    password: str = DEFAULT_PASSWORD,
    active: bool = True,
    must_change_password: bool = False,
) -> User:
    """A saved user whose password is ``password`` (bcrypt cost 4 for speed)."""
    remember_secret(password)
    user = User(
        email=email or fake.unique.email(),
        name=name or fake.name(),
        role=role,
        password_hash=bcrypt.hashpw(
            password.encode(), bcrypt.gensalt(rounds=4)
        ).decode(),
        is_active=active,
        must_change_password=must_change_password,
    )
    session.add(user)
    await session.flush()
    return user


@dataclass
class LoggedIn:
    """A user with live tokens."""

    user: User
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization`` header for API calls."""
        return {"Authorization": f"Bearer {self.access_token}"}


async def login(
    client: AsyncClient, user: User, password: str = DEFAULT_PASSWORD
) -> LoggedIn:
    """Log ``user`` in through the API."""
    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": password}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return LoggedIn(
        user=user,
        access_token=remember_secret(body["access_token"]),
        refresh_token=remember_secret(body["refresh_token"]),
    )


async def logged_in(
    client: AsyncClient, session: AsyncSession, role: Role = Role.TECHNICIAN
) -> LoggedIn:
    """Make a user with ``role`` and log them in."""
    return await login(client, await make_user(session, role=role))

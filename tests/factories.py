"""Typed async builders for test data: ``await make_user(session, role=...)``."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import bcrypt
from faker import Faker
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.customers.models import Customer
from grins_platform.db.session import create_sessionmaker
from grins_platform.properties.models import Property
from grins_platform.requests.models import RequestSource, RequestStatus, ServiceRequest
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


async def committed_user(engine: AsyncEngine, role: Role = Role.ADMIN) -> User:
    """A user saved in a transaction of its own (for requests that really commit)."""
    async with create_sessionmaker(engine)() as session:
        user = await make_user(session, role=role)
        await session.commit()
    return user


async def logged_in(
    client: AsyncClient, session: AsyncSession, role: Role = Role.TECHNICIAN
) -> LoggedIn:
    """Make a user with ``role`` and log them in."""
    return await login(client, await make_user(session, role=role))


_PHONE_LINES = itertools.count(1000)


def unique_phone() -> str:
    """A fresh valid E.164 number (+1 612 555 xxxx style, never repeated)."""
    line = next(_PHONE_LINES)
    return f"+1612{200 + line // 10000:03d}{line % 10000:04d}"


async def make_customer(
    session: AsyncSession,
    *,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    **fields: Any,
) -> Customer:
    """A saved live customer with a unique phone (E.164) unless given."""
    customer = Customer(
        name=name or fake.name(),
        phone=phone if phone is not None else unique_phone(),
        email=email,
        **fields,
    )
    session.add(customer)
    await session.flush()
    return customer


async def make_property(
    session: AsyncSession,
    customer: Customer,
    *,
    address: str | None = None,
    city: str = "Plymouth",
    zip_code: str = "55447",
    is_primary: bool = True,
    gate_code: str | None = None,
    **fields: Any,
) -> Property:
    """A saved property of ``customer`` (primary by default)."""
    if gate_code is not None:
        remember_secret(gate_code)
    prop = Property(
        customer_id=customer.id,
        address=address or fake.street_address(),
        city=city,
        zip_code=zip_code,
        is_primary=is_primary,
        gate_code=gate_code,
        **fields,
    )
    session.add(prop)
    await session.flush()
    return prop


async def make_service_request(
    session: AsyncSession,
    *,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    status: RequestStatus = RequestStatus.NEW,
    source: RequestSource = RequestSource.WEB_FORM,
    **fields: Any,
) -> ServiceRequest:
    """A saved service request (a fresh phone unless a phone or email is given)."""
    request = ServiceRequest(
        name=name or fake.name(),
        phone=phone if phone is not None or email is not None else unique_phone(),
        email=email,
        status=status,
        source=source,
        **fields,
    )
    session.add(request)
    await session.flush()
    return request


async def audit_entries_of(
    session: AsyncSession, first: Any, second: Any
) -> tuple[AuditEntry, AuditEntry]:
    """The audit entries of two entities (the one-statement and the ORM write)."""
    entries = {
        entry.entity_id: entry
        for entry in await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id.in_([first, second]))
        )
    }
    return entries[first], entries[second]

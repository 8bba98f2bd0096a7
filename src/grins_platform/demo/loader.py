"""Writing demo data: staff and their logins, the catalog, and COPY for bulk rows.

Everything runs on one connection inside the caller's transaction; nothing here
commits, so a failed load leaves nothing behind (and a test can roll it back).
"""

from __future__ import annotations

import json
import random
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from faker import Faker
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.auth.security import hash_password
from grins_platform.catalog.models import Offering
from grins_platform.catalog.pricing import OfferingTerms
from grins_platform.catalog.seed import seed_reference_catalog
from grins_platform.customers.models import Customer
from grins_platform.demo.plan import new_id
from grins_platform.demo.work import OfferingInfo
from grins_platform.users.bootstrap import DEV_ADMIN_EMAIL
from grins_platform.users.models import Role, User

DEMO_STAFF_DOMAIN: Final = "crew.grins.example.com"
STAFF_COLUMNS: Final = (
    "id", "user_id", "name", "title", "skills", "equipment", "home_address",
    "home_latitude", "home_longitude", "working_hours", "lunch_minutes",
    "hourly_cost_cents", "is_active", "created_at", "updated_at",
)  # fmt: skip
WIPED_TABLES: Final = (
    "appointment_status_changes", "appointment_staff", "appointments",
    "schedule_proposals", "job_status_changes", "job_line_items", "jobs",
    "service_plans", "price_overrides", "service_requests", "customer_consents",
    "properties", "customers", "staff_time_off", "crew_members", "crews",
    "staff_members", "audit_log",
)  # fmt: skip
_HOMES: Final = (
    ("Eden Prairie", 44.8547, -93.4708),
    ("Plymouth", 45.0105, -93.4555),
    ("Maple Grove", 45.0725, -93.4558),
    ("Woodbury", 44.9239, -92.9594),
    ("Lakeville", 44.6497, -93.2427),
)
LEADS: Final = 3
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri")
_WEEKDAY: Final = {"start": "07:30", "end": "18:30"}


class DemoDataExists(Exception):
    """The database already holds customers; the message is one clear line."""


@dataclass(frozen=True, slots=True)
class Logins:
    """Credentials made by this load (printed once by the command)."""

    admin_email: str | None
    admin_password: str | None
    technician_password: str
    technician_emails: list[str]


async def raw_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session (same transaction)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def copy_rows(
    session: AsyncSession, table: str, columns: Sequence[str], rows: Sequence[Any]
) -> int:
    """COPY ``rows`` into ``table`` on the session's connection."""
    if rows:
        conn = await raw_connection(session)
        await conn.copy_records_to_table(table, records=rows, columns=list(columns))
    return len(rows)


async def refuse_or_wipe(session: AsyncSession, *, force: bool) -> None:
    """Refuse when customers exist, or (``force``) wipe all business data first."""
    count = await session.scalar(select(func.count()).select_from(Customer))
    if count and not force:
        msg = (
            f"the database already has {count} customers: seed-demo loads only into "
            "an empty database (--force wipes customers, jobs, staff and schedules)"
        )
        raise DemoDataExists(msg)
    if count or force:
        await session.execute(text(f"TRUNCATE {', '.join(WIPED_TABLES)} CASCADE"))
        await session.execute(
            text("DELETE FROM users WHERE email LIKE :pattern"),
            {"pattern": f"%@{DEMO_STAFF_DOMAIN}"},
        )


async def load_offerings(session: AsyncSession) -> dict[str, OfferingInfo]:
    """The reference catalog (added if missing), by offering code."""
    await seed_reference_catalog(session)
    offerings = (await session.scalars(select(Offering))).all()
    return {
        o.code: OfferingInfo(
            id=o.id,
            code=o.code,
            name=o.name,
            terms=OfferingTerms(
                pricing_model=o.pricing_model,
                base_price_cents=o.base_price_cents,
                per_zone_price_cents=o.per_zone_price_cents,
                hourly_rate_cents=o.hourly_rate_cents,
                minimum_minutes=o.minimum_minutes,
                base_minutes=o.base_minutes,
                per_zone_minutes=o.per_zone_minutes,
            ),
            staff_needed=o.staff_needed,
            skills=list(o.required_skills),
            equipment=list(o.required_equipment),
            weather_sensitive=o.weather_sensitive,
        )
        for o in offerings
    }


async def ensure_admin(session: AsyncSession, rounds: int) -> tuple[str, str] | None:
    """A development admin with a random password, when no admin exists."""
    exists = await session.scalar(select(User.id).where(User.role == Role.ADMIN))
    taken = await session.scalar(
        select(User.id).where(func.lower(User.email) == DEV_ADMIN_EMAIL)
    )
    if exists is not None or taken is not None:
        return None
    password = secrets.token_urlsafe(12)
    session.add(
        User(
            email=DEV_ADMIN_EMAIL,
            name="Development Admin",
            role=Role.ADMIN,
            password_hash=await hash_password(password, rounds),
        )
    )
    await session.flush()
    return DEV_ADMIN_EMAIL, password


async def add_staff(
    session: AsyncSession,
    count: int,
    rng: random.Random,
    fake: Faker,
    *,
    rounds: int,
    created: datetime,
) -> tuple[list[uuid.UUID], set[uuid.UUID], list[str], str]:
    """``count`` technicians with linked logins (one shared, printed password)."""
    password = secrets.token_urlsafe(12)
    hashed = await hash_password(password, rounds)
    staff_ids: list[uuid.UUID] = []
    saturday: set[uuid.UUID] = set()
    emails: list[str] = []
    rows: list[tuple[Any, ...]] = []
    for index in range(count):
        first, last = fake.first_name(), fake.last_name()
        email = f"{first}.{last}{index}@{DEMO_STAFF_DOMAIN}".lower()
        user = User(email=email, name=f"{first} {last}", role=Role.TECHNICIAN,
                    password_hash=hashed, id=new_id(rng))  # fmt: skip
        session.add(user)
        emails.append(email)
        rows.append(_staff_row(rng, index, user, created, saturday))
        staff_ids.append(cast("uuid.UUID", rows[-1][0]))
    await session.flush()
    await copy_rows(session, "staff_members", STAFF_COLUMNS, rows)
    return staff_ids, saturday, emails, password


def _staff_row(
    rng: random.Random,
    index: int,
    user: User,
    created: datetime,
    saturday: set[uuid.UUID],
) -> tuple[Any, ...]:
    city, lat, lon = _HOMES[index % len(_HOMES)]
    hours: dict[str, dict[str, str]] = dict.fromkeys(WEEKDAYS, _WEEKDAY)
    staff_id = new_id(rng)
    if index % 3 == 0:
        hours["sat"] = _WEEKDAY
        saturday.add(staff_id)
    skills = ["backflow_certified"] if index % 4 == 0 else []
    if index % 5 == 1:
        skills += ["installation", "electrical"]
    title = "Lead technician" if index < LEADS else "Technician"
    trailer = index % 5 == 4  # noqa: PLR2004 - every fifth hauls the trailer
    return (
        staff_id, user.id, user.name, title,
        skills, ["compressor", "trailer"] if trailer else ["compressor"],
        f"{city}, MN", lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02),
        json.dumps(hours), 30, 3200 + 100 * rng.randint(0, 12), True, created, created,
    )  # fmt: skip

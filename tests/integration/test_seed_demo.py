"""``grins seed-demo``: counts, uniqueness, non-overlapping visits, the season shape."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date

import pytest
from faker import Faker
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from grins_platform.core.config import Settings
from grins_platform.core.phones import is_valid_phone
from grins_platform.demo.loader import DemoDataExists
from grins_platform.demo.people import make_people
from grins_platform.demo.plan import DemoOptions, DemoSize, season_years
from grins_platform.demo.service import DemoResult, seed_demo
from grins_platform.properties.models import Property
from tests.cli_support import scratch_database

pytestmark = pytest.mark.integration
AS_OF = date(2026, 11, 26)
OPTIONS = DemoOptions(scale=0.005, seed=7, as_of=AS_OF)


@pytest.fixture
async def demo_session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session on the rolled-back test connection (COPY runs in that transaction)."""
    async with AsyncSession(bind=connection, expire_on_commit=False) as sess:
        yield sess


@pytest.fixture
async def loaded(demo_session: AsyncSession) -> DemoResult:
    return await seed_demo(demo_session, OPTIONS, rounds=4)


async def _scalar(session: AsyncSession, sql: str) -> int:
    return int((await session.execute(text(sql))).scalar_one())


async def test_counts_follow_the_scale(
    demo_session: AsyncSession, loaded: DemoResult
) -> None:
    size = DemoSize.for_scale(0.005)
    assert (size.customers, size.jobs, size.appointments) == (100, 500, 300)
    for table, expected in (
        ("customers", 100),
        ("jobs", 500),
        ("appointments", 300),
        ("appointment_staff", 300),
        ("staff_members", 10),
    ):
        sql = f"SELECT count(*) FROM {table}"  # noqa: S608 - table names above
        assert await _scalar(demo_session, sql) == expected
        assert loaded.counts[table] == expected
    properties = await _scalar(demo_session, "SELECT count(*) FROM properties")
    assert 105 <= properties <= 150
    assert await _scalar(demo_session, "SELECT count(*) FROM customer_consents") >= 100
    changes = await _scalar(demo_session, "SELECT count(*) FROM job_status_changes")
    assert changes > 500 * 3


async def test_phones_and_emails_are_unique_and_valid(
    demo_session: AsyncSession, loaded: DemoResult
) -> None:
    del loaded
    rows = (
        await demo_session.execute(text("SELECT phone, email FROM customers"))
    ).all()
    phones = [r.phone for r in rows]
    emails = [r.email.lower() for r in rows if r.email]
    assert len(set(phones)) == len(phones)
    assert len(set(emails)) == len(emails)
    assert all(is_valid_phone(p) and p.startswith("+1") for p in phones)


async def test_no_staff_member_holds_overlapping_appointments(
    demo_session: AsyncSession, loaded: DemoResult
) -> None:
    del loaded
    overlaps = await _scalar(
        demo_session,
        """SELECT count(*) FROM appointment_staff a
           JOIN appointments x ON x.id = a.appointment_id
           JOIN appointment_staff b ON b.staff_id = a.staff_id
                AND b.appointment_id > a.appointment_id
           JOIN appointments y ON y.id = b.appointment_id
           WHERE tstzrange(x.planned_start, x.planned_end)
                 && tstzrange(y.planned_start, y.planned_end)""",
    )
    assert overlaps == 0
    bad_days = await _scalar(
        demo_session,
        "SELECT count(*) FROM appointments WHERE extract(isodow FROM day) = 7 "
        "OR (planned_start AT TIME ZONE 'America/Chicago')::date <> day",
    )
    assert bad_days == 0


async def test_statuses_and_seasons_have_the_real_shape(
    demo_session: AsyncSession, loaded: DemoResult
) -> None:
    del loaded
    first, *_, current = season_years(AS_OF)
    past = await demo_session.execute(
        text(
            "SELECT DISTINCT status::text FROM jobs "
            "WHERE extract(year FROM target_week) < :current"
        ),
        {"current": current},
    )
    assert {r[0] for r in past} <= {"closed", "cancelled"}
    open_now = await _scalar(
        demo_session,
        "SELECT count(*) FROM jobs WHERE status IN ('requested', 'approved')",
    )
    assert open_now > 0
    months = await demo_session.execute(
        text(
            "SELECT o.code, min(extract(month FROM j.target_week)),"
            " max(extract(month FROM j.target_week))"
            " FROM jobs j JOIN offerings o ON o.id = j.offering_id"
            " WHERE o.code IN ('spring_startup', 'fall_winterization')"
            " GROUP BY o.code"
        )
    )
    window = {code: (int(lo), int(hi)) for code, lo, hi in months}
    assert window["spring_startup"][0] >= 3
    assert window["spring_startup"][1] <= 6
    assert window["fall_winterization"][0] >= 8
    years = await demo_session.execute(
        text("SELECT DISTINCT extract(year FROM target_week)::int FROM jobs")
    )
    assert min(r[0] for r in years) == first


async def test_gate_codes_decrypt_through_the_orm(
    demo_session: AsyncSession, loaded: DemoResult
) -> None:
    del loaded
    codes = (
        await demo_session.scalars(
            select(Property.gate_code).where(Property.gate_code.is_not(None))
        )
    ).all()
    assert codes
    assert all(code is not None and code.isdigit() for code in codes)


async def test_a_second_load_is_refused_unless_forced(
    demo_session: AsyncSession, loaded: DemoResult
) -> None:
    with pytest.raises(DemoDataExists, match="--force"):
        await seed_demo(demo_session, OPTIONS, rounds=4)
    again = await seed_demo(demo_session, OPTIONS, rounds=4, force=True)
    assert again.counts == loaded.counts
    assert await _scalar(demo_session, "SELECT count(*) FROM customers") == 100


def test_same_seed_same_people(test_settings: Settings) -> None:
    del test_settings  # configures the gate-code key
    years = season_years(AS_OF)

    def people() -> list[tuple[object, ...]]:
        import random  # noqa: PLC0415

        fake = Faker("en_US")
        fake.seed_instance(3)
        generated = make_people(OPTIONS, years, random.Random(3), fake)
        return generated.customers

    assert people() == people()


@pytest.fixture(scope="module")
async def cli_database(test_settings: Settings) -> AsyncIterator[str]:
    """A scratch database migrated to head, for the command's own transactions."""
    async with scratch_database(test_settings, f"grins_demo_{os.getpid()}") as target:
        yield target


def _seed_demo(
    database_url: str, redis_url: str, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRINS_")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        ENVIRONMENT="test",
        LOG_FORMAT="json",
        PASSWORD_HASH_ROUNDS="4",
    )
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "grins_platform.cli", "seed-demo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def _vacuumed(database_url: str) -> set[str]:
    import asyncpg  # type: ignore[import-untyped]  # noqa: PLC0415

    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
        )
    finally:
        await conn.close()
    return {str(r["relname"]) for r in rows}


async def test_the_command_loads_once_refuses_then_forces(
    cli_database: str, test_settings: Settings
) -> None:
    redis_url = str(test_settings.redis_url)
    args = ("--scale", "0.002", "--as-of", "2026-11-26")
    first = _seed_demo(cli_database, redis_url, *args)
    assert first.returncode == 0, first.stderr
    # Vacuumed after the load: GIN pending lists flushed, visibility map set.
    assert {"customers", "properties", "jobs"} <= await _vacuumed(cli_database)
    assert "40 customers" in first.stdout
    assert "development admin created: email=admin@grins.example.com" in first.stdout
    assert "invoices and payments are not generated" in first.stdout
    second = _seed_demo(cli_database, redis_url, *args)
    assert second.returncode == 1
    errors = [line for line in second.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "already has 40 customers" in errors[0]
    assert "Traceback" not in second.stderr
    forced = _seed_demo(cli_database, redis_url, *args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "development admin created" not in forced.stdout  # the admin survives

"""``seed_demo``: generate the demo dataset and load it, step by step with progress.

Invoices and payments are not generated yet: those domains do not exist yet.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from faker import Faker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.demo.history import (
    JOB_COLUMNS,
    JOB_HISTORY_COLUMNS,
    fill_history,
    history_rows,
    job_row,
)
from grins_platform.demo.loader import (
    Logins,
    add_staff,
    copy_rows,
    ensure_admin,
    load_offerings,
    refuse_or_wipe,
)
from grins_platform.demo.people import (
    CONSENT_COLUMNS,
    CUSTOMER_COLUMNS,
    PROPERTY_COLUMNS,
    make_people,
)
from grins_platform.demo.plan import DemoOptions, at, season_years
from grins_platform.demo.schedule import (
    APPOINTMENT_COLUMNS,
    APPOINTMENT_HISTORY_COLUMNS,
    APPOINTMENT_STAFF_COLUMNS,
    Calendar,
    make_appointments,
)
from grins_platform.demo.work import make_jobs

Progress = Callable[[str], None]
"""Called once at the start of each step with its description."""
STEPS: Final = 15


@dataclass(slots=True)
class DemoResult:
    """Rows written per table and the logins made."""

    counts: dict[str, int] = field(default_factory=dict[str, int])
    logins: Logins | None = None


def _quiet(_step: str) -> None:
    return None


async def seed_demo(
    session: AsyncSession,
    options: DemoOptions,
    *,
    rounds: int,
    force: bool = False,
    progress: Progress = _quiet,
) -> DemoResult:
    """Load the demo dataset into the session's transaction (the caller commits).

    Raises:
        DemoDataExists: customers exist and ``force`` is not set.
    """
    rng = random.Random(options.seed)  # noqa: S311 - reproducible demo data
    fake = Faker("en_US")
    fake.seed_instance(options.seed)
    result = DemoResult()
    progress("checking the database")
    await refuse_or_wipe(session, force=force)
    admin = await ensure_admin(session, rounds)
    offerings = await load_offerings(session)
    years = season_years(options.today)
    first_day = at(options.today.replace(year=years[0] - 2), 9 * 60, options.tz)
    progress("staff and their logins")
    staff, saturday, emails, password = await add_staff(
        session, options.size.staff, rng, fake, rounds=rounds, created=first_day
    )
    result.logins = Logins(
        admin[0] if admin else None, admin[1] if admin else None, password, emails
    )
    result.counts["staff_members"] = len(staff)
    progress("generating customers and properties")
    people = make_people(options, years, rng, fake)
    progress("generating jobs over five seasons")
    drafts = make_jobs(options, years, people.refs, offerings, rng)
    progress("booking appointments day by day")
    calendar = Calendar(staff=staff, saturday=saturday)
    visits = make_appointments(
        drafts, calendar, options.size.appointments, rng, options.tz
    )
    progress("job status history")
    noon = at(options.today, 12 * 60, options.tz) - timedelta(minutes=1)
    for draft in drafts:
        fill_history(draft, rng, noon, options.tz)
    tables = (
        ("customers", CUSTOMER_COLUMNS, people.customers),
        ("customer_consents", CONSENT_COLUMNS, people.consents),
        ("properties", PROPERTY_COLUMNS, people.properties),
        ("jobs", JOB_COLUMNS, [job_row(d) for d in drafts]),
        ("job_status_changes", JOB_HISTORY_COLUMNS,
         [row for d in drafts for row in history_rows(d, rng)]),
        ("appointments", APPOINTMENT_COLUMNS, visits.rows),
        ("appointment_staff", APPOINTMENT_STAFF_COLUMNS, visits.staff),
        ("appointment_status_changes", APPOINTMENT_HISTORY_COLUMNS, visits.history),
    )  # fmt: skip
    for table, columns, rows in tables:
        progress(f"COPY {table}")
        result.counts[table] = await copy_rows(session, table, columns, rows)
    progress("ANALYZE")
    await session.execute(text(f"ANALYZE {', '.join(t for t, _, _ in tables)}"))
    return result

"""Job working lists on 100,000 jobs: query plans and p95 statement times.

Builds a scratch database (``grins_plans``) from the real migrations, fills it with
20,000 customers, 25,000 properties and 100,000 jobs spread over five seasons (SQL
``generate_series``, seeded), then runs the exact statements the job read model
(``jobs/queries.py``) issues for each working list: EXPLAIN (ANALYZE, BUFFERS) once,
then the statement repeatedly to get p50/p95. Writes ``docs/job-query-plans.md`` and the
"## Job working lists" section of ``BENCHMARKS.md``.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        uv run python bench/job_query_plans.py [--repeat 200] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from grins_platform.db import migrations
from grins_platform.jobs.models import JobCategory, JobStatus
from grins_platform.jobs.queries import Statement, page_statements
from grins_platform.jobs.repository import JobFilters
from grins_platform.users.models import Role, User

ROOT = Path(__file__).resolve().parent.parent
DB = "grins_plans"
SEED_SQL = """
SELECT setseed(0.42);
INSERT INTO customers (id, name, phone, email, lead_source)
SELECT gen_random_uuid(), 'Customer ' || g, '+1612' || lpad(g::text, 7, '0'),
       'c' || g || '@example.com', (ARRAY['website','referral','google','yard_sign'])[1 + g % 4]
FROM generate_series(1, 20000) g;
INSERT INTO properties (id, customer_id, is_primary, address, city, zip_code, zone_count,
                        latitude, longitude)
SELECT gen_random_uuid(), c.id, n = 1, (100 + n) || ' Main St',
       (ARRAY['Eden Prairie','Plymouth','Maple Grove','Brooklyn Park','Rogers'])[1 + abs(hashtext(c.id::text)) % 5],
       '55447', 4 + abs(hashtext(c.id::text)) % 12, 45.0, -93.45
FROM customers c
CROSS JOIN LATERAL generate_series(1, CASE WHEN abs(hashtext(c.id::text)) % 4 = 0 THEN 2 ELSE 1 END) n;
INSERT INTO jobs (id, customer_id, property_id, title, category, status, source,
                  zone_count, quoted_price_cents, estimated_minutes, target_week, priority,
                  created_at, updated_at)
SELECT gen_random_uuid(), p.customer_id, p.id, 'Seasonal service',
       CASE WHEN r < 0.05 THEN 'requires_estimate'::job_category
            ELSE 'ready_to_schedule'::job_category END,
       CASE WHEN season < 4 THEN 'closed'::job_status
            WHEN r < 0.30 THEN 'approved'::job_status
            WHEN r < 0.45 THEN 'scheduled'::job_status
            WHEN r < 0.55 THEN 'requested'::job_status
            WHEN r < 0.60 THEN 'on_hold'::job_status
            WHEN r < 0.65 THEN 'cancelled'::job_status
            ELSE 'completed'::job_status END,
       'seasonal_batch', p.zone_count, 5000 + 1000 * p.zone_count, 60,
       date '2022-03-07' + (season * 52 + (g % 2) * 28 + (g % 8)) * 7,
       (g % 4), now() - ((5 - season) * interval '365 days') + (g % 300) * interval '1 hour',
       now()
FROM (SELECT g, (g - 1) / 20000 AS season, random() AS r,
             1 + (g * 7919) % 25000 AS pick FROM generate_series(1, 100000) g) s
JOIN (SELECT p.*, row_number() OVER (ORDER BY p.id) AS rn FROM properties p) p
  ON p.rn = s.pick;
ANALYZE;
"""


def statements(week: date, offering_less_city: str) -> dict[str, Statement]:
    """The statements the API runs for each working list.

    The job lists are read models (``jobs/queries.py``): the statements come from
    ``page_statements``, as the office (who sees every job) asks for them. The page
    carries its total (the count runs inside it); the count alone is what a page
    past the end runs, and shows the count's share of the page.
    """
    office = User(id=uuid.uuid4(), role=Role.MANAGER)
    cases = {
        "ready to schedule, one week": JobFilters(
            statuses=[JobStatus.APPROVED],
            category=JobCategory.READY_TO_SCHEDULE,
            target_week=week,
            sort="priority",
        ),
        "needs estimate": JobFilters(
            statuses=[JobStatus.REQUESTED], category=JobCategory.REQUIRES_ESTIMATE
        ),
        "by status (scheduled)": JobFilters(statuses=[JobStatus.SCHEDULED]),
        "by city": JobFilters(city=offering_less_city),
        "all, newest first": JobFilters(),
    }
    out: dict[str, Statement] = {}
    for name, f in cases.items():
        page, count = page_statements(f, office, limit=25, offset=0)
        out[f"{name}: page with its total"] = page
        out[f"{name}: the count alone"] = count
    # The dashboard's counts: trigger-kept sums (JobQueries.status_counts).
    out["counts per status"] = (
        "SELECT status, sum(jobs) AS n FROM job_status_counts GROUP BY status",
    )
    return out


async def build(admin_dsn: str, target: str, seed: bool) -> None:
    """(Re)create and fill the scratch database."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        if seed:
            await conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{DB}"')
    finally:
        await conn.close()
    if seed:
        migrations.upgrade(target)
        db = await asyncpg.connect(target.replace("+asyncpg", ""))
        try:
            started = time.perf_counter()
            await db.execute(SEED_SQL)
            await db.execute("VACUUM ANALYZE")
            print(f"seeded in {time.perf_counter() - started:.1f} s")
        finally:
            await db.close()


async def measure(target: str, repeat: int) -> list[dict[str, Any]]:
    """EXPLAIN ANALYZE each statement, then time it ``repeat`` times."""
    db = await asyncpg.connect(target.replace("+asyncpg", ""))
    try:
        week = await db.fetchval(
            "SELECT target_week FROM jobs WHERE status = 'approved' "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        results: list[dict[str, Any]] = []
        for name, stmt in statements(week, "Rogers").items():
            sql, *args = stmt
            plan = await db.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
            times: list[float] = []
            for _ in range(repeat):
                started = time.perf_counter()
                await db.fetch(sql, *args)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            results.append(
                {
                    "name": name,
                    "sql": f"{sql}\n-- parameters: {args}" if args else sql,
                    "plan": "\n".join(r[0] for r in plan),
                    "p50": statistics.median(times),
                    "p95": times[int(len(times) * 0.95) - 1],
                }
            )
            print(
                f"{name:<40} p50 {results[-1]['p50']:6.2f} ms  p95 {results[-1]['p95']:6.2f} ms"
            )
        return results
    finally:
        await db.close()


def write_docs(results: list[dict[str, Any]], repeat: int) -> None:
    """docs/job-query-plans.md and the BENCHMARKS.md section."""
    lines = [
        "# Job working lists: query plans on 100,000 jobs",
        "",
        "Produced by `bench/job_query_plans.py` (20,000 customers, ~25,000 properties,",
        "100,000 jobs over five seasons). Each statement is exactly what the",
        "read model (`jobs/queries.py`) sends for that list, as a prepared statement",
        "with its parameters; times are client-side round trips.",
        "",
    ]
    for r in results:
        lines += [
            f"## {r['name']}",
            "",
            f"p50 {r['p50']:.2f} ms, p95 {r['p95']:.2f} ms over {repeat} runs.",
            "",
            "```sql",
            r["sql"],
            "```",
            "",
            "```",
            r["plan"],
            "```",
            "",
        ]
    (ROOT / "docs" / "job-query-plans.md").write_text("\n".join(lines))
    table = [
        "## Job working lists",
        "",
        (
            "`DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres "
            "uv run python bench/job_query_plans.py --write` — 100,000 jobs, "
            f"{repeat} runs per statement, PostgreSQL 15 on this machine. Plans: "
            "[docs/job-query-plans.md](docs/job-query-plans.md). Seed floor: 50 ms p95."
        ),
        "",
        "| statement | p50 ms | p95 ms |",
        "| --- | ---: | ---: |",
        *[f"| {r['name']} | {r['p50']:.2f} | {r['p95']:.2f} |" for r in results],
        "",
    ]
    bench = ROOT / "BENCHMARKS.md"
    text = bench.read_text() if bench.exists() else "# Benchmarks\n"
    section = "\n".join(table)
    pattern = re.compile(r"## Job working lists\n.*?(?=\n## |\Z)", re.DOTALL)
    text = (
        pattern.sub(section.rstrip("\n"), text)
        if pattern.search(text)
        else (text.rstrip("\n") + "\n\n" + section)
    )
    bench.write_text(text.rstrip("\n") + "\n")


async def main() -> None:
    """Build, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--write", action="store_true", help="update the docs")
    parser.add_argument("--reuse", action="store_true", help="keep the existing data")
    args = parser.parse_args()
    base = os.environ.get(
        "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    url = make_url(base)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    target = url.set(drivername="postgresql+asyncpg", database=DB).render_as_string(
        hide_password=False
    )
    await build(admin, target, seed=not args.reuse)
    results = await measure(target, args.repeat)
    if args.write:
        write_docs(results, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())

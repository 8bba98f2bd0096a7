"""Job read models: one job, and the job lists, in one asyncpg statement each.

The office's busiest reads (a job; the week's ready-to-schedule list) skip the ORM
(``db/reads.py`` says why). Each answer comes from a single statement: the job
columns, its line items and (for one job) its history as arrays of rows, which
asyncpg decodes in C. Visibility is the same rule as the ORM path
(``jobs/access.py``).
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from asyncpg import Record  # type: ignore[import-untyped]

from grins_platform.core.pagination import Page
from grins_platform.db.reads import Params, Reads
from grins_platform.jobs.access import visible_jobs_clause
from grins_platform.jobs.models import JobStatus
from grins_platform.jobs.repository import JobFilters
from grins_platform.jobs.schemas import JobDetail, JobRead
from grins_platform.jobs.workflow import JobNotFound, allowed_from
from grins_platform.users.models import User

JOB_COLUMNS: Final = (
    "j.id, j.customer_id, j.property_id, j.offering_id, j.request_id, j.title,"
    " j.description, j.category, j.status, j.status_before_hold, j.source,"
    " j.zone_count, j.quoted_price_cents, j.final_price_cents, j.estimated_minutes,"
    " j.target_week, j.priority, j.staff_needed, j.required_skills,"
    " j.required_equipment, j.weather_sensitive, j.span_days, j.notes,"
    " j.created_at, j.updated_at, j.completed_at"
)
LINE_ITEMS: Final = (
    "(SELECT array_agg(li ORDER BY li.created_at, li.id) FROM job_line_items li"
    " WHERE li.job_id = j.id) AS line_items"
)
HISTORY: Final = (
    "(SELECT array_agg(h ORDER BY h.changed_at, h.id) FROM job_status_changes h"
    " WHERE h.job_id = j.id) AS history"
)
DETAIL_COLUMNS: Final = f"{JOB_COLUMNS}, {LINE_ITEMS}, {HISTORY}"
DETAIL_SQL: Final = f"SELECT {DETAIL_COLUMNS} FROM jobs j"
SORT_COLUMNS: Final = {
    "created_at": "j.created_at",
    "target_week": "j.target_week",
    "priority": "j.priority",
    "status": "j.status",
    "updated_at": "j.updated_at",
}


def _job(row: Record) -> dict[str, Any]:
    """A job row as the response models' input (line items and next statuses)."""
    data = dict(row)
    data.pop("total_rows", None)
    data["line_items"] = [dict(item) for item in data["line_items"] or ()]
    held_from = data.pop("status_before_hold")
    data["allowed_next"] = allowed_from(
        JobStatus(data["status"]), None if held_from is None else JobStatus(held_from)
    )
    return data


def detail_from_row(row: Record) -> JobDetail:
    """``JobDetail`` from a row of ``DETAIL_SQL``'s columns."""
    data = _job(row)
    data["history"] = [dict(change) for change in data["history"] or ()]
    return JobDetail.model_validate(data)


def _where(f: JobFilters, caller: User, arg: Params) -> list[str]:
    clauses: list[str] = []
    # Statuses and category are enum members, written as literals (never user
    # text): a generic plan can then use the partial ready-list index.
    if f.statuses:
        statuses = ", ".join(sorted({f"'{s.value}'" for s in f.statuses}))
        clauses.append(f"j.status IN ({statuses})")
    if f.category is not None:
        clauses.append(f"j.category = '{f.category.value}'")
    if f.target_week is not None:
        clauses.append(f"j.target_week = {arg(f.target_week)}")
    if f.offering_id is not None:
        clauses.append(f"j.offering_id = {arg(f.offering_id)}")
    if f.customer_id is not None:
        clauses.append(f"j.customer_id = {arg(f.customer_id)}")
    if f.property_id is not None:
        clauses.append(f"j.property_id = {arg(f.property_id)}")
    if f.city:
        clauses.append(
            "j.property_id IN (SELECT p.id FROM properties p"
            f" WHERE lower(p.city) = {arg(f.city.strip().lower())})"
        )
    visible = visible_jobs_clause(caller, "j.id", f"${len(arg.values) + 1}")
    if visible is not None:
        arg(caller.id)
        clauses.append(visible)
    return clauses


def _order_by(sort: str, *, descending: bool) -> str:
    """As ``repository.order_by``: the sort key, then the id (stable pages)."""
    direction = "DESC" if descending else "ASC"
    nulls = " NULLS LAST" if sort == "target_week" else ""
    return f"{SORT_COLUMNS[sort]} {direction}{nulls}, j.id {direction}"


Statement = tuple[Any, ...]
"""SQL text followed by its parameters, as ``fetch(*statement)`` takes them."""


def page_statements(
    f: JobFilters, caller: User, *, limit: int, offset: int
) -> tuple[Statement, Statement]:
    """The page and count statements of a job list.

    A page's line items are read for its rows only: the page is cut in a subquery
    first (a line-items subquery next to the filter would run for every match
    before the sort: 929 times for 25 rows of a busy week, 5 ms instead of 0.6).

    The page carries the total as ``total_rows`` (the count as a subquery
    PostgreSQL runs once), so a list is one round trip; the count statement alone
    is for a page past the end, which has no row to carry it.
    ``bench/job_query_plans.py`` explains and times exactly these.
    """
    arg = Params()
    clauses = _where(f, caller, arg)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    filters = list(arg.values)
    order = _order_by(f.sort, descending=f.descending)
    count = f"SELECT count(*) AS n FROM jobs j{where}"
    sql = (
        f"SELECT j.*, {LINE_ITEMS}, ({count}) AS total_rows"
        f" FROM (SELECT {JOB_COLUMNS} FROM jobs j{where} ORDER BY {order}"
        f" LIMIT {arg(limit)} OFFSET {arg(offset)}) j ORDER BY {order}"
    )
    return (sql, *arg.values), (count, *filters)


class JobQueries:
    """Reads of jobs for the API, straight from PostgreSQL."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads

    async def detail(self, job_id: uuid.UUID, caller: User | None) -> JobDetail:
        """One job with line items and history; not there or not visible → 404.

        ``caller`` ``None``: after a write whose service already checked that the
        caller may see the job (under its row lock).
        """
        arg = Params()
        sql = f"{DETAIL_SQL} WHERE j.id = {arg(job_id)}"
        visible = None if caller is None else visible_jobs_clause(caller, "j.id", "$2")
        if caller is not None and visible is not None:
            arg(caller.id)
            sql += f" AND {visible}"
        row = await self.reads.fetchrow(sql, *arg.values)
        if row is None:
            raise JobNotFound
        return detail_from_row(row)

    async def status_counts(self, caller: User) -> dict[JobStatus, int]:
        """Visible jobs per status (every status listed, zero included).

        The office sees every job: ``job_status_counts``, kept exact by triggers on
        ``jobs``. A technician's few jobs are counted.
        """
        visible = visible_jobs_clause(caller, "j.id", "$1")
        if visible is None:
            rows = await self.reads.fetch(
                "SELECT status, sum(jobs) AS n FROM job_status_counts GROUP BY status"
            )
        else:
            rows = await self.reads.fetch(
                "SELECT j.status, count(*) AS n FROM jobs j"
                f" WHERE {visible} GROUP BY j.status",
                caller.id,
            )
        counts = {JobStatus(row["status"]): int(row["n"]) for row in rows}
        return {status: counts.get(status, 0) for status in JobStatus}

    async def page(
        self, f: JobFilters, caller: User, *, limit: int, offset: int
    ) -> Page[JobRead]:
        """A page of the visible jobs matching ``f``, with the total.

        Page and count are two statements: a filter such as a status can match most
        of the table, where ``count(*) OVER ()`` would make PostgreSQL sort every
        match instead of walking an index for one page.
        """
        page, count = page_statements(f, caller, limit=limit, offset=offset)
        async with self.reads.connection() as conn:
            rows = await conn.fetch(*page)
            if rows:
                total = int(rows[0]["total_rows"])
            else:
                counted = await conn.fetchrow(*count)
                total = int(counted["n"]) if counted is not None else 0
        return Page[JobRead](
            items=[JobRead.model_validate(_job(r)) for r in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

"""Job read models (``jobs/queries.py``) against the ORM rules they stand in for."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.appointments.models import AppointmentStaff, AppointmentStatus
from grins_platform.db.reads import SessionReads
from grins_platform.jobs.access import (
    VISIBLE_JOB_IDS_SQL,
    visible_job_ids,
    visible_jobs_clause,
)
from grins_platform.jobs.models import JobCategory, JobStatus
from grins_platform.jobs.queries import JobQueries
from grins_platform.jobs.repository import JobFilters
from grins_platform.jobs.workflow import JobNotFound
from grins_platform.users.models import Role
from tests.factories import make_user
from tests.job_factories import make_job, make_site
from tests.scheduling_factories import make_appointment, make_staff, utc


async def test_sql_visibility_rule_selects_what_the_orm_rule_selects(
    session: AsyncSession,
) -> None:
    me = await make_user(session, role=Role.TECHNICIAN)
    other = await make_user(session, role=Role.TECHNICIAN)
    my_staff = await make_staff(session, user_id=me.id)
    other_staff = await make_staff(session, user_id=other.id)
    start, end = utc(2026, 5, 4, 14), utc(2026, 5, 4, 15)
    solo, cancelled, crew, theirs = [await make_job(session) for _ in range(4)]
    await make_appointment(session, solo, my_staff, start, end)
    await make_appointment(
        session, cancelled, my_staff, start, end, status=AppointmentStatus.CANCELLED
    )
    crew_visit = await make_appointment(session, crew, other_staff, start, end)
    session.add(AppointmentStaff(appointment_id=crew_visit.id, staff_id=my_staff.id))
    await session.flush()
    await make_appointment(session, theirs, other_staff, start, end)

    query = visible_job_ids(me)
    assert query is not None
    orm = set((await session.scalars(query)).all())
    sql_rows = await SessionReads(session).fetch(
        VISIBLE_JOB_IDS_SQL.format(user="$1"), me.id
    )
    assert orm == {row["job_id"] for row in sql_rows} == {solo.id, crew.id}

    office = await make_user(session, role=Role.MANAGER)
    assert visible_job_ids(office) is None
    assert visible_jobs_clause(office, "j.id", "$1") is None

    reads = JobQueries(SessionReads(session))
    assert (await reads.detail(crew.id, me)).id == crew.id
    for hidden in (cancelled, theirs):
        with pytest.raises(JobNotFound):
            await reads.detail(hidden.id, me)
    listed = await reads.page(JobFilters(), me, limit=10, offset=0)
    assert {job.id for job in listed.items} == {solo.id, crew.id}
    assert listed.total == 2


async def test_page_filters_sort_and_totals(session: AsyncSession) -> None:
    office = await make_user(session, role=Role.MANAGER)
    week = date(2031, 3, 3)  # a week no other test uses
    plymouth = await make_site(session, city="Plymouth")
    edina = await make_site(session, city="Edina")
    jobs = [
        await make_job(session, site=plymouth, target_week=week, priority=p)
        for p in (0, 3, 1)
    ]
    await make_job(session, site=edina, target_week=week, priority=2)
    await make_job(session, site=plymouth, target_week=week, status=JobStatus.CLOSED)
    reads = JobQueries(SessionReads(session))
    ready = JobFilters(
        statuses=[JobStatus.APPROVED],
        category=JobCategory.READY_TO_SCHEDULE,
        target_week=week,
        city=" PLYMOUTH ",
        sort="priority",
        descending=True,
    )
    page = await reads.page(ready, office, limit=2, offset=0)
    assert [j.priority for j in page.items] == [3, 1]
    assert page.total == 3
    assert page.items[0].target_week_label == "2031-W10"
    last = await reads.page(ready, office, limit=2, offset=2)
    assert [j.id for j in last.items] == [jobs[0].id]
    assert last.total == 3
    past_the_end = await reads.page(ready, office, limit=2, offset=10)
    assert past_the_end.items == []
    assert past_the_end.total == 3
    none = await reads.page(
        JobFilters(customer_id=uuid.uuid4()), office, limit=5, offset=0
    )
    assert (none.items, none.total) == ([], 0)


async def test_detail_carries_line_items_history_and_next_statuses(
    session: AsyncSession,
) -> None:
    office = await make_user(session, role=Role.MANAGER)
    job = await make_job(session, status=JobStatus.ON_HOLD)
    job.status_before_hold = JobStatus.APPROVED
    await session.flush()
    detail = await JobQueries(SessionReads(session)).detail(job.id, office)
    assert detail.allowed_next == [JobStatus.APPROVED, JobStatus.CANCELLED]
    assert detail.line_items == []
    assert detail.history == []
    with pytest.raises(JobNotFound):
        await JobQueries(SessionReads(session)).detail(uuid.uuid4(), None)

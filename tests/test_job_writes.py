"""The one-statement job move (``jobs/writes.py``) against the workflow's rules.

The statement's ``WHERE`` is the workflow table written as SQL: these tests try every
(status, status before a hold, category) x target on real rows and check that the
statement moves exactly when ``workflow.allowed_from`` (and the estimate rule) says
the ORM use case would, and writes what the ORM path writes.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.audit.service import Actor
from grins_platform.catalog.models import PriceOverride
from grins_platform.core.log_config import bind_request_context, clear_request_context
from grins_platform.db.reads import SessionReads
from grins_platform.jobs.models import Job, JobCategory, JobStatus, JobStatusChange
from grins_platform.jobs.schemas import JobCreate
from grins_platform.jobs.service import JobService
from grins_platform.jobs.workflow import allowed_from
from grins_platform.jobs.writes import JobWrites, forget_offerings
from grins_platform.users.models import Role
from tests.factories import audit_entries_of, make_user
from tests.job_factories import make_client, make_job, make_site, seed_catalog

S = JobStatus


class CountingReads(SessionReads):
    """``SessionReads`` that counts the statements it runs."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.statements = 0

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        """Count, then run."""
        self.statements += 1
        return await super().fetchrow(sql, *args)


def _states() -> list[tuple[JobStatus, JobStatus | None]]:
    """Every status; a held job once per status it may have been held from."""
    held_from = [S.REQUESTED, S.APPROVED, S.SCHEDULED, S.IN_PROGRESS]
    states: list[tuple[JobStatus, JobStatus | None]] = [
        (s, None) for s in S if s is not S.ON_HOLD
    ]
    return states + [(S.ON_HOLD, before) for before in held_from]


def _expected(
    status: JobStatus,
    before: JobStatus | None,
    category: JobCategory,
    target: JobStatus,
) -> bool:
    if target not in allowed_from(status, before):
        return False
    return not (target is S.APPROVED and category is JobCategory.REQUIRES_ESTIMATE)


async def test_the_statement_moves_exactly_when_the_workflow_allows(
    session: AsyncSession,
) -> None:
    office = await make_user(session, role=Role.MANAGER)
    writes = JobWrites(SessionReads(session))
    actor = Actor.of(office, "203.0.113.9")
    site = await make_site(session)
    cases = list(itertools.product(_states(), list(JobCategory), list(S)))
    moved = refused = 0
    for (status, before), category, target in cases:
        job = await make_job(
            session,
            site=site,
            status=status,
            status_before_hold=before,
            category=category,
        )
        detail = await writes.transition(job.id, target, "why", office, actor)
        expected = _expected(status, before, category, target)
        assert (detail is not None) == expected, (status, before, category, target)
        row = (
            await session.execute(
                select(Job.status, Job.status_before_hold).where(Job.id == job.id)
            )
        ).one()
        if detail is None:
            refused += 1
            assert tuple(row) == (status, before)
            continue
        moved += 1
        assert detail.status is target
        assert row.status is target
        held = status if target is S.ON_HOLD else None
        kept = before if status is not S.ON_HOLD and target is not S.ON_HOLD else held
        assert row.status_before_hold == kept
        assert detail.allowed_next == allowed_from(target, kept)
        assert [(h.from_status, h.to_status) for h in detail.history] == [
            (status, target)
        ]
    assert moved > 20
    assert refused > 100


async def test_a_move_writes_history_audit_and_timestamps_like_the_orm_path(
    session: AsyncSession,
) -> None:
    office = await make_user(session, role=Role.ADMIN)
    writes = JobWrites(SessionReads(session))
    job = await make_job(session, status=S.IN_PROGRESS)
    bind_request_context(request_id="req-42")
    try:
        started = datetime.now(UTC)
        actor = Actor.of(office, "198.51.100.7")
        detail = await writes.transition(
            job.id, S.COMPLETED, "all zones ok", office, actor
        )
    finally:
        clear_request_context()
    assert detail is not None
    assert detail.completed_at is not None
    assert detail.completed_at >= started
    assert detail.updated_at == detail.completed_at
    change = await session.scalar(
        select(JobStatusChange).where(JobStatusChange.job_id == job.id)
    )
    assert change is not None
    assert (change.from_status, change.to_status) == (S.IN_PROGRESS, S.COMPLETED)
    assert change.changed_by_id == office.id
    assert change.reason == "all zones ok"
    assert change.changed_at == detail.completed_at
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.entity_id == job.id)
    )
    assert entry is not None
    assert entry.action == "job.status_changed"
    assert entry.entity_type == "job"
    assert entry.actor_id == office.id
    assert entry.actor_type == "user"
    assert entry.before == {"status": "in_progress"}
    assert entry.after == {"status": "completed", "reason": "all zones ok"}
    assert entry.request_id == "req-42"
    assert str(entry.ip) == "198.51.100.7"
    closed = await writes.transition(
        job.id, S.CLOSED, None, office, Actor.of(office, None)
    )
    assert closed is not None
    assert closed.allowed_next == []
    assert [h.to_status for h in closed.history] == [S.COMPLETED, S.CLOSED]
    stored = await session.scalar(select(Job.closed_at).where(Job.id == job.id))
    assert stored is not None


async def test_a_technician_moves_only_a_job_of_their_own(
    session: AsyncSession,
) -> None:
    tech = await make_user(session, role=Role.TECHNICIAN)
    writes = JobWrites(SessionReads(session))
    theirs = await make_job(session, status=S.SCHEDULED)
    # Not behind any appointment of theirs: nothing moves (the ORM path says 404).
    moved = await writes.transition(
        theirs.id, S.IN_PROGRESS, None, tech, Actor.of(tech, None)
    )
    assert moved is None
    status = await session.scalar(select(Job.status).where(Job.id == theirs.id))
    assert status is S.SCHEDULED
    audits = await session.scalar(
        select(AuditEntry.id).where(AuditEntry.entity_id == theirs.id)
    )
    assert audits is None


_MADE_HERE = {"id", "created_at", "updated_at"}


async def test_a_created_job_and_its_audit_entry_are_the_orm_use_cases(
    session: AsyncSession,
) -> None:
    office = await make_user(session, role=Role.MANAGER)
    catalog = await seed_catalog(session)
    builder = await make_client(session)
    site = await make_site(session, builder, zone_count=7)
    session.add(
        PriceOverride(
            customer_id=builder.id,
            offering_id=catalog["new_system"].id,
            per_zone_price_cents=70000,
        )
    )
    await session.flush()
    reads = CountingReads(session)
    writes = JobWrites(reads)
    service = JobService(session, None)
    actor = Actor.of(office, "192.0.2.4")
    requests = [
        JobCreate(property_id=site.id, offering_id=offering.id)
        for offering in catalog.values()
    ] + [
        JobCreate(
            property_id=site.id,
            offering_id=catalog["spring_startup"].id,
            zone_count=3,
            quoted_price_cents=4200,
            required_skills=["backflow_certified"],
            priority=3,
            target_week=date.fromisocalendar(2027, 15, 1),
            notes="side gate",
        ),
    ]

    async def same_as_the_use_case(data: JobCreate) -> None:
        fast = await writes.create(data, actor)
        assert fast is not None, data
        slow = await service.create_job(data, actor, commit=False)
        await session.flush()
        fast_row = await session.get(Job, fast.id)
        assert fast_row is not None
        await session.refresh(fast_row)
        columns = [c.key for c in Job.__table__.columns if c.key not in _MADE_HERE]
        assert {c: getattr(fast_row, c) for c in columns} == {
            c: getattr(slow, c) for c in columns
        }, data
        fast_entry, slow_entry = await audit_entries_of(session, fast.id, slow.id)
        fast_after, slow_after = fast_entry.after, slow_entry.after
        assert fast_after is not None
        assert slow_after is not None
        assert set(fast_after) == set(slow_after)
        assert {k: v for k, v in fast_after.items() if k not in _MADE_HERE} == {
            k: v for k, v in slow_after.items() if k not in _MADE_HERE
        }
        assert fast_entry.action == slow_entry.action == "job.created"
        assert str(fast_entry.ip) == "192.0.2.4"

    forget_offerings()
    for data in requests[:-1]:  # not known yet (or no zone count): read, insert
        reads.statements = 0
        await same_as_the_use_case(data)
        assert reads.statements == 2, data
    for data in requests:  # known now: one statement, unless the customer has
        with_zones = data.model_copy(update={"zone_count": data.zone_count or 5})
        reads.statements = 0  # an override (the guard fails: read, insert)
        await same_as_the_use_case(with_zones)
        overridden = data.offering_id == catalog["new_system"].id
        assert reads.statements == (3 if overridden else 1), data


async def test_a_remembered_offering_that_changed_is_read_again(
    session: AsyncSession,
) -> None:
    catalog = await seed_catalog(session)
    reads = CountingReads(session)
    writes = JobWrites(reads)
    actor = Actor.system()
    site = await make_site(session)
    startup = catalog["spring_startup"]
    data = JobCreate(property_id=site.id, offering_id=startup.id, zone_count=6)
    forget_offerings()
    first = await writes.create(data, actor)
    assert first is not None
    startup.base_price_cents += 1000
    await session.flush()
    reads.statements = 0
    second = await writes.create(data, actor)
    assert second is not None
    assert reads.statements == 3  # the guard failed: read again, then insert
    assert second.quoted_price_cents == (first.quoted_price_cents or 0) + 1000
    session.add(
        PriceOverride(
            customer_id=site.customer_id, offering_id=startup.id, base_price_cents=1
        )
    )
    await session.flush()
    reads.statements = 0
    third = await writes.create(data, actor)
    assert third is not None
    assert reads.statements == 3
    assert third.quoted_price_cents != second.quoted_price_cents
    gone = await make_site(session, deleted_at=datetime.now(UTC))
    refused = await writes.create(
        data.model_copy(update={"property_id": gone.id}), actor
    )
    assert refused is None


async def test_a_create_the_statement_cannot_take_goes_to_the_use_case(
    session: AsyncSession,
) -> None:
    catalog = await seed_catalog(session)
    writes = JobWrites(SessionReads(session))
    actor = Actor.system()
    no_zones = await make_site(session, zone_count=None)
    per_zone = next(o for o in catalog.values() if o.pricing_model.value == "per_zone")
    catalog["diagnostic"].is_active = False
    await session.flush()
    site = await make_site(session)
    gone = await make_site(session, deleted_at=datetime.now(UTC))
    refused = [
        JobCreate(property_id=site.id, title="Free text"),
        JobCreate(property_id=no_zones.id, offering_id=per_zone.id),
        JobCreate(property_id=site.id, offering_id=catalog["diagnostic"].id),
        JobCreate(property_id=gone.id, offering_id=per_zone.id),
        JobCreate(
            property_id=site.id,
            offering_id=per_zone.id,
            required_equipment=["no_such_tool"],
        ),
    ]
    for data in refused:
        assert await writes.create(data, actor) is None, data
    count = await session.scalar(
        select(func.count()).select_from(Job).where(Job.property_id == site.id)
    )
    assert count == 0

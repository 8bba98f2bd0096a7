"""The job status workflow: one transition table, enforced in one place.

``requested → approved → scheduled → in_progress → completed → closed``, plus
``on_hold`` and ``cancelled`` from any open state. A job put on hold remembers where it
was and may only go back there (or be cancelled). Every change writes a history row
and an audit entry; the job row is locked ``FOR UPDATE`` first, so two concurrent
transitions of one job cannot both succeed.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.core.errors import ConflictError, NotFoundError
from grins_platform.jobs.models import Job, JobStatus, JobStatusChange

S = JobStatus
OPEN_STATUSES: Final = frozenset(
    {S.REQUESTED, S.APPROVED, S.SCHEDULED, S.IN_PROGRESS, S.ON_HOLD}
)
TERMINAL_STATUSES: Final = frozenset({S.CLOSED, S.CANCELLED})

TRANSITIONS: Final[Mapping[JobStatus, frozenset[JobStatus]]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.ON_HOLD, S.CANCELLED}),
    S.APPROVED: frozenset({S.SCHEDULED, S.ON_HOLD, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.IN_PROGRESS, S.APPROVED, S.ON_HOLD, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.ON_HOLD, S.CANCELLED}),
    S.COMPLETED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.ON_HOLD: frozenset(
        {S.REQUESTED, S.APPROVED, S.SCHEDULED, S.IN_PROGRESS, S.CANCELLED}
    ),
    S.CANCELLED: frozenset(),
}
"""Allowed next statuses. ``scheduled → approved`` is the unschedule path (an
appointment cancelled or moved off the calendar); leaving ``on_hold`` is further
limited to the status the job had before the hold."""


def allowed_next(job: Job) -> list[JobStatus]:
    """The statuses ``job`` may move to now, in workflow order."""
    return allowed_from(job.status, job.status_before_hold)


def allowed_from(status: JobStatus, before_hold: JobStatus | None) -> list[JobStatus]:
    """The statuses a job in ``status`` (held from ``before_hold``) may move to."""
    return list(_allowed(status, before_hold))


@functools.cache
def _allowed(status: JobStatus, before_hold: JobStatus | None) -> tuple[JobStatus, ...]:
    allowed = set(TRANSITIONS[status])
    if status is S.ON_HOLD:
        allowed = {s for s in allowed if s in {before_hold, S.CANCELLED}}
    return tuple(s for s in JobStatus if s in allowed)


class JobNotFound(NotFoundError):
    """No such job (or not visible to the caller)."""

    def __init__(self) -> None:
        super().__init__("job not found")


class IllegalTransition(ConflictError):
    """The job cannot move to that status from where it is (409)."""

    def __init__(self, job: Job, target: JobStatus) -> None:
        allowed = [s.value for s in allowed_next(job)]
        super().__init__(
            f"cannot move a {job.status.value} job to {target.value}; "
            f"allowed: {', '.join(allowed) or 'none (final status)'}",
            current_status=job.status.value,
            allowed=allowed,
        )


async def lock_job(session: AsyncSession, job_id: uuid.UUID) -> Job:
    """The job row, locked until the transaction ends, re-read after the lock.

    ``populate_existing`` matters: if the session already holds the job (read before
    the lock), its attributes are refreshed from the locked row instead of keeping the
    possibly stale values.
    """
    job = await session.scalar(
        select(Job)
        .where(Job.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if job is None:
        raise JobNotFound
    return job


def apply_transition(
    session: AsyncSession,
    job: Job,
    target: JobStatus,
    *,
    actor_id: uuid.UUID | None,
    reason: str | None = None,
) -> JobStatusChange:
    """Move a locked ``job`` to ``target`` and stage its history row.

    The caller holds the row lock (``lock_job``), records the audit entry and commits.
    """
    if target not in allowed_next(job):
        raise IllegalTransition(job, target)
    now = datetime.now(UTC)
    previous = job.status
    if target is S.ON_HOLD:
        job.status_before_hold = previous
    elif previous is S.ON_HOLD:
        job.status_before_hold = None
    job.status = target
    if target is S.COMPLETED:
        job.completed_at = now
    if target is S.CLOSED:
        job.closed_at = now
    change = JobStatusChange(
        job_id=job.id,
        from_status=previous,
        to_status=target,
        changed_by_id=actor_id,
        changed_at=now,
        reason=reason,
    )
    session.add(change)
    return change

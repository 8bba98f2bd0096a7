"""Job writes done as one SQL statement: the office's busiest workflow move.

Moving a job through its workflow is the row lock, the checks, the update, the
history row and the audit entry, then the job's detail for the answer. Through the
ORM that is seven round trips (``BEGIN``, lock, three inserts and updates,
``COMMIT``, the re-read); each waits its turn on a busy event loop, so under load a
move took three times as long as a read (BENCHMARKS.md, issue 7). Here it is one
statement of data-modifying CTEs: a single statement is its own transaction, and
its last ``SELECT`` answers with the moved row, its line items and its history.

The rules are the workflow's own (``workflow.TRANSITIONS``), turned into the
``WHERE`` of the update; the row is locked ``FOR UPDATE`` first and the checks read
the locked (latest) version, so two concurrent moves cannot both succeed. When
nothing moved (no such job, not visible, not allowed from where it is now) the
statement changes nothing and the caller runs the ORM use case, which raises the
exact error (or makes the move, if the job changed in between).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Final

from grins_platform.audit.service import Actor, audit_insert
from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.reads import Params, Reads
from grins_platform.jobs.access import visible_jobs_clause
from grins_platform.jobs.models import JobCategory, JobStatus
from grins_platform.jobs.queries import JOB_COLUMNS, LINE_ITEMS, detail_from_row
from grins_platform.jobs.schemas import JobDetail
from grins_platform.jobs.workflow import TRANSITIONS
from grins_platform.users.models import User

S = JobStatus
HISTORY_WITH_CHANGE: Final = (
    "(SELECT array_agg(h::job_status_changes ORDER BY h.changed_at, h.id)"
    " FROM (SELECT * FROM job_status_changes WHERE job_id = j.id"
    " UNION ALL SELECT * FROM change) h) AS history"
)
"""The job's history as the statement's snapshot has it, plus the new row."""


def _literal(status: JobStatus) -> str:
    """An enum member as an SQL literal (never user text)."""
    return f"'{status.value}'::job_status"


def allowed_clause(target: JobStatus) -> str:
    """Where ``old`` (the locked row) may move to ``target``: ``workflow`` as SQL.

    A held job may only go back where it was, or be cancelled; a job that still
    needs an estimate is approved by pricing it, not by a move.
    """
    sources = [
        _literal(s)
        for s in JobStatus
        if s is not S.ON_HOLD and target in TRANSITIONS[s]
    ]
    ways = [f"old.status IN ({', '.join(sources)})"] if sources else []
    if target in TRANSITIONS[S.ON_HOLD]:
        back = (
            "TRUE"
            if target is S.CANCELLED
            else (f"old.status_before_hold = {_literal(target)}")
        )
        ways.append(f"(old.status = {_literal(S.ON_HOLD)} AND {back})")
    allowed = f"({' OR '.join(ways)})" if ways else "FALSE"
    if target is S.APPROVED:
        estimate = f"'{JobCategory.REQUIRES_ESTIMATE.value}'::job_category"
        allowed += f" AND old.category <> {estimate}"
    return allowed


def _set_clause(target: JobStatus, at: str) -> str:
    """The columns a move to ``target`` sets (as ``workflow.apply_transition``)."""
    sets = [f"status = {_literal(target)}", f"updated_at = {at}"]
    if target is S.ON_HOLD:
        sets.append("status_before_hold = old.status")
    else:
        sets.append(
            f"status_before_hold = CASE WHEN old.status = {_literal(S.ON_HOLD)}"
            " THEN NULL ELSE j.status_before_hold END"
        )
    if target is S.COMPLETED:
        sets.append(f"completed_at = {at}")
    if target is S.CLOSED:
        sets.append(f"closed_at = {at}")
    return ", ".join(sets)


def transition_statement(
    job_id: uuid.UUID,
    target: JobStatus,
    reason: str | None,
    caller: User,
    actor: Actor,
) -> tuple[str, list[object]]:
    """The one statement that moves a job (see the module docstring), and its values."""
    arg = Params()
    now = datetime.now(UTC)
    at = arg(now)
    where = f"j.id = {arg(job_id)}"
    visible = visible_jobs_clause(caller, "j.id", f"${len(arg.values) + 1}")
    if visible is not None:
        arg(caller.id)
        where += f" AND {visible}"
    audit = audit_insert(
        arg,
        actor,
        "job.status_changed",
        "job",
        rows="moved",
        at=now,
        before_sql="jsonb_build_object('status', r.previous)",
        after={"status": target.value, "reason": reason},
    )
    sql = (
        "WITH old AS (SELECT j.id, j.status, j.status_before_hold, j.category"
        f" FROM jobs j WHERE {where} FOR UPDATE),"
        f" moved AS (UPDATE jobs j SET {_set_clause(target, f'{at}::timestamptz')}"
        f" FROM old WHERE j.id = old.id AND {allowed_clause(target)}"
        " RETURNING j.*, old.status AS previous),"
        " change AS (INSERT INTO job_status_changes (id, job_id, from_status,"
        " to_status, changed_by_id, changed_at, reason)"
        f" SELECT gen_random_uuid(), m.id, m.previous, {_literal(target)},"
        f" {arg(actor.user_id)}::uuid, {at}::timestamptz, {arg(reason)}::text"
        " FROM moved m RETURNING *),"
        f" audit AS ({audit})"
        f" SELECT {JOB_COLUMNS}, {LINE_ITEMS}, {HISTORY_WITH_CHANGE} FROM moved j"
    )
    return sql, arg.values


class JobWrites(LoggerMixin):
    """Job writes as single statements, on the read models' connections."""

    DOMAIN = "jobs"

    def __init__(self, reads: Reads) -> None:
        self.reads = reads

    async def transition(
        self,
        job_id: uuid.UUID,
        target: JobStatus,
        reason: str | None,
        caller: User,
        actor: Actor,
    ) -> JobDetail | None:
        """Move the job and answer with its detail; ``None`` when nothing moved.

        The caller has already checked what the caller's role may do (technicians
        only start and complete); ``None`` means "let the ORM use case say why".
        """
        sql, values = transition_statement(job_id, target, reason, caller, actor)
        row = await self.reads.fetchrow(sql, *values)
        if row is None:
            return None
        self.log_completed("transition", job_id=str(job_id), to_status=target.value)
        return detail_from_row(row)

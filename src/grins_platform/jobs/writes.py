"""Job writes done as single SQL statements: the office's busiest job writes.

Moving a job through its workflow is the row lock, the checks, the update, the
history row and the audit entry, then the job's detail for the answer. Through the
ORM that is seven round trips (``BEGIN``, lock, three inserts and updates,
``COMMIT``, the re-read); each waits its turn on a busy event loop, so under load a
move took three times as long as a read (BENCHMARKS.md, issue 7). Here it is one
statement of data-modifying CTEs: a single statement is its own transaction, and
its last ``SELECT`` answers with the moved row, its line items and its history.

Creating a job from an offering is two statements instead of eight round trips:
one reads the property, the offering, the customer's override and any unknown
skill or equipment code; the job is then built by the same pure function as the
ORM use case (``service.new_job_values``) and inserted with its audit entry. Each
worker remembers the offerings it read (with a digest of the whole row), so the
next create with a zone count is one statement: priced from the remembered
offering and inserted only if the offering row is still exactly that, the customer
has no override and every code is known (``GUARD_SQL``); if not, the two-statement
path runs, so a changed catalog is never priced from memory.

The rules are the workflow's own (``workflow.TRANSITIONS``), turned into the
``WHERE`` of the update; the row is locked ``FOR UPDATE`` first and the checks read
the locked (latest) version, so two concurrent moves cannot both succeed. When
nothing moved (no such job, not visible, not allowed from where it is now) the
statement changes nothing and the caller runs the ORM use case, which raises the
exact error (or makes the move, if the job changed in between).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from asyncpg import Record  # type: ignore[import-untyped]

from grins_platform.audit.service import Actor, audit_insert
from grins_platform.catalog.models import Offering, OfferingCategory, PricingModel
from grins_platform.catalog.pricing import OverrideTerms, Quote, quote
from grins_platform.catalog.service import terms_of
from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.reads import Params, Reads
from grins_platform.jobs.access import visible_jobs_clause
from grins_platform.jobs.models import JobCategory, JobStatus
from grins_platform.jobs.queries import (
    DETAIL_COLUMNS,
    JOB_COLUMNS,
    LINE_ITEMS,
    detail_from_row,
)
from grins_platform.jobs.schemas import JobCreate, JobDetail
from grins_platform.jobs.service import new_job_values
from grins_platform.jobs.workflow import TRANSITIONS
from grins_platform.properties.models import Property
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


def _unknown(codes: str, table: str) -> str:
    return (
        f"(SELECT array_agg(x ORDER BY x) FROM unnest({codes}) x"
        f" WHERE NOT EXISTS (SELECT 1 FROM {table} v WHERE v.code = x))"
    )


_CODES: Final = (
    "CASE WHEN cardinality({given}::text[]) > 0 THEN {given}::text[]"
    " ELSE o.{column}::text[] END"
)
GATHER_SQL: Final = (
    "SELECT p.id, p.customer_id, p.zone_count, (o) AS offering,"
    " po.base_price_cents AS o_base, po.per_zone_price_cents AS o_zone,"
    " po.hourly_rate_cents AS o_hourly, po.customer_id IS NOT NULL AS has_override,"
    " md5(o::text) AS offering_version,"
    f" {_unknown(_CODES.format(given='$3', column='required_skills'), 'skills')}"
    " AS unknown_skills,"
    f" {_unknown(_CODES.format(given='$4', column='required_equipment'), 'equipment')}"
    " AS unknown_equipment"
    " FROM properties p JOIN offerings o ON o.id = $2 AND o.is_active"
    " LEFT JOIN price_overrides po"
    " ON po.customer_id = p.customer_id AND po.offering_id = o.id"
    " WHERE p.id = $1 AND p.deleted_at IS NULL"
)
"""Everything creating a job from an offering reads, in one statement."""
JOB_TYPES: Final = {
    "category": "job_category",
    "status": "job_status",
    "source": "job_source",
    "required_skills": "varchar[]",
    "required_equipment": "varchar[]",
}


def _offering(record: Record) -> Offering:
    """A detached ``Offering`` from its row (enums as members, as the ORM loads)."""
    values = dict(record)
    values["pricing_model"] = PricingModel(values["pricing_model"])
    values["category"] = OfferingCategory(values["category"])
    return Offering(**values)


GUARD_SQL: Final = (
    "SELECT p.id, p.customer_id FROM properties p"
    " JOIN offerings o ON o.id = {offering} AND o.is_active"
    " AND md5(o::text) = {version}"
    " WHERE p.id = {prop} AND p.deleted_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM price_overrides po"
    " WHERE po.customer_id = p.customer_id AND po.offering_id = o.id)"
    " AND NOT EXISTS (SELECT 1 FROM unnest({skills}::text[]) x"
    " WHERE NOT EXISTS (SELECT 1 FROM skills v WHERE v.code = x))"
    " AND NOT EXISTS (SELECT 1 FROM unnest({equipment}::text[]) x"
    " WHERE NOT EXISTS (SELECT 1 FROM equipment v WHERE v.code = x))"
)
"""The one-statement create's conditions: a live property, the offering still as
remembered (active, every column the same), no override for the property's customer,
every code known. The job takes its customer from the property."""


@dataclass(frozen=True, slots=True)
class KnownOffering:
    """An offering as a create read it, and a digest of its whole row."""

    offering: Offering
    version: str


_KNOWN_OFFERINGS: dict[uuid.UUID, KnownOffering] = {}
MAX_KNOWN_OFFERINGS: Final = 1000


def remember_offering(known: KnownOffering) -> None:
    """Keep ``known`` for this worker's next creates (a small, bounded map)."""
    if len(_KNOWN_OFFERINGS) >= MAX_KNOWN_OFFERINGS:
        _KNOWN_OFFERINGS.clear()
    _KNOWN_OFFERINGS[known.offering.id] = known


def forget_offerings() -> None:
    """Forget every remembered offering (tests)."""
    _KNOWN_OFFERINGS.clear()


def insert_statement(
    values: dict[str, Any], actor: Actor, *, known: KnownOffering | None = None
) -> tuple[str, list[object]]:
    """``INSERT`` of a new job with its audit entry, answering with its detail.

    The entry's ``after`` is every column of the new row, as ``snapshot`` gives it
    for the ORM's job after its flush. With ``known``, the row is inserted only if
    ``GUARD_SQL`` holds, and its customer comes from the property.
    """
    now = datetime.now(UTC)
    row = {"id": uuid.uuid4(), **values, "created_at": now, "updated_at": now}
    arg = Params()
    exprs = [
        f"{arg(getattr(v, 'value', v))}::{JOB_TYPES[k]}" if k in JOB_TYPES else arg(v)
        for k, v in row.items()
        if known is None or k != "customer_id"
    ]
    after, after_sql, source = row, None, ""
    if known is not None:
        exprs.insert(list(row).index("customer_id"), "src.customer_id")
        after = {k: v for k, v in row.items() if k != "customer_id"}
        after_sql = "jsonb_build_object('customer_id', r.customer_id)"
        guard = GUARD_SQL.format(
            offering=f"{arg(row['offering_id'])}::uuid",
            version=f"{arg(known.version)}::text",
            prop=f"{arg(row['property_id'])}::uuid",
            skills=arg(row["required_skills"]),
            equipment=arg(row["required_equipment"]),
        )
        source = f" FROM ({guard}) src"
    audit = audit_insert(
        arg,
        actor,
        "job.created",
        "job",
        rows="created",
        at=now,
        after=after,
        after_sql=after_sql,
    )
    sql = (
        f"WITH created AS (INSERT INTO jobs ({', '.join(row)})"
        f" SELECT {', '.join(exprs)}{source} RETURNING *),"
        f" audit AS ({audit})"
        f" SELECT {DETAIL_COLUMNS} FROM created j"
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

    async def create(self, data: JobCreate, actor: Actor) -> JobDetail | None:
        """Create a job from an offering; ``None`` when the ORM use case must say no.

        That is: no live property or active offering with those ids, a per-zone price
        without a zone count, an unknown skill or equipment code, or no offering at
        all (a free-text job). Those requests go to ``JobService.create_job``, which
        answers them (404/422) exactly as before.

        With the zone count given and the offering remembered from an earlier create,
        one statement: priced from the remembered offering, inserted only if the
        offering is still exactly that and the customer has no override
        (``GUARD_SQL``). Otherwise (or if that inserted nothing) two: read what the
        price depends on, then insert.
        """
        if data.offering_id is None:
            return None
        known = _KNOWN_OFFERINGS.get(data.offering_id)
        if known is not None and data.zone_count is not None:
            unknown_site = Property(id=data.property_id, customer_id=None)
            priced = quote(terms_of(known.offering), data.zone_count)
            detail = await self._insert(
                data, actor, unknown_site, known.offering, data.zone_count, priced,
                known=known,
            )  # fmt: skip
            if detail is not None:
                return detail
        return await self._read_then_insert(data, actor)

    async def _read_then_insert(
        self, data: JobCreate, actor: Actor
    ) -> JobDetail | None:
        found = await self.reads.fetchrow(
            GATHER_SQL,
            data.property_id,
            data.offering_id,
            data.required_skills or [],
            data.required_equipment or [],
        )
        if found is None:
            return None
        offering = _offering(found["offering"])
        remember_offering(KnownOffering(offering, found["offering_version"]))
        if found["unknown_skills"] or found["unknown_equipment"]:
            return None
        prop = Property(
            id=found["id"],
            customer_id=found["customer_id"],
            zone_count=found["zone_count"],
        )
        zones = data.zone_count if data.zone_count is not None else prop.zone_count
        if zones is None and offering.pricing_model is PricingModel.PER_ZONE:
            return None
        override = None
        if found["has_override"]:
            override = OverrideTerms(
                base_price_cents=found["o_base"],
                per_zone_price_cents=found["o_zone"],
                hourly_rate_cents=found["o_hourly"],
            )
        priced = quote(terms_of(offering), zones, override)
        return await self._insert(data, actor, prop, offering, zones, priced)

    async def _insert(
        self,
        data: JobCreate,
        actor: Actor,
        prop: Property,
        offering: Offering,
        zones: int | None,
        priced: Quote,
        *,
        known: KnownOffering | None = None,
    ) -> JobDetail | None:
        values = new_job_values(
            data,
            prop,
            offering,
            zones,
            (priced.price_cents, priced.minutes, priced.quote_needed),
        )
        sql, args = insert_statement({**values, "request_id": None}, actor, known=known)
        row = await self.reads.fetchrow(sql, *args)
        if row is None:  # the guard did not hold: nothing inserted
            return None
        detail = detail_from_row(row)
        self.log_completed(
            "create", job_id=str(detail.id), category=detail.category.value
        )
        return detail

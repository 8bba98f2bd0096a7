"""Recording business changes: who did what to which entity, before and after.

Every use case that changes business data calls :meth:`AuditService.record` inside
its transaction, so the entry commits (or rolls back) with the change itself. A write
done as one SQL statement (``jobs/writes.py``) adds its entry to that statement with
:func:`audit_insert` instead: same row, same commit.
Secrets (gate and lock-box codes) never reach the log: :func:`snapshot` replaces
them with a marker saying only whether a value is set.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Final

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.models import AuditEntry
from grins_platform.audit.repository import AuditFilters, AuditRepository
from grins_platform.core.log_config import LoggerMixin, current_context
from grins_platform.db.base import Base
from grins_platform.db.reads import Params
from grins_platform.users.models import User

SECRET_FIELDS: Final = frozenset({"gate_code", "lockbox_code"})
"""Field names whose values are replaced in before/after (encrypted at rest)."""
REDACTED_SET: Final = "[REDACTED]"
_SKIPPED_FIELDS: Final = frozenset({"search_vector"})


class ActorType(enum.StrEnum):
    """Who made a change."""

    USER = "user"
    PUBLIC = "public"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """The author of a change: a staff user, the public web form, or the system.

    Attributes:
        user_id: The staff user, when there is one.
        type: ``user``, ``public`` or ``system``.
        ip: The client's IP address, when known.
    """

    user_id: uuid.UUID | None
    type: ActorType
    ip: str | None = None

    @classmethod
    def of(cls, user: User, ip: str | None = None) -> Actor:
        """A staff user as the actor."""
        return cls(user_id=user.id, type=ActorType.USER, ip=ip)

    @classmethod
    def public(cls, ip: str | None) -> Actor:
        """The unauthenticated public (the website form)."""
        return cls(user_id=None, type=ActorType.PUBLIC, ip=ip or None)

    @classmethod
    def system(cls) -> Actor:
        """The platform itself (CLI, workers)."""
        return cls(user_id=None, type=ActorType.SYSTEM)


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    return value


def redact(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` made JSON-safe with every secret field replaced by a marker."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in SECRET_FIELDS and value is not None:
            out[key] = REDACTED_SET
        else:
            out[key] = _jsonable(value)
    return out


def snapshot(entity: Base, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """The loaded column values of ``entity`` (secrets redacted) for before/after.

    Columns not loaded (deferred ones such as the search vector) are skipped, so
    taking a snapshot never triggers I/O.
    """
    state = inspect(entity)
    loaded: dict[str, Any] = state.dict
    names = fields or [attr.key for attr in state.mapper.column_attrs]
    return redact(
        {
            name: loaded[name]
            for name in names
            if name in loaded and name not in _SKIPPED_FIELDS
        }
    )


def changed_only(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The keys whose values differ (``updated_at`` ignored), as (before, after)."""
    keys = [k for k in after if k != "updated_at" and before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


class AuditService(LoggerMixin):
    """Writes and reads the audit log; never commits (the calling use case does)."""

    DOMAIN = "audit"

    def __init__(self, session: AsyncSession) -> None:
        self.entries = AuditRepository(session)

    async def record(
        self,
        actor: Actor,
        action: str,
        entity_type: str,
        entity_id: uuid.UUID,
        *,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Stage one entry in the current transaction.

        Args:
            actor: Who made the change.
            action: What happened, ``entity.verb`` (``customer.created``).
            entity_type: The entity's kind (``customer``, ``property``...).
            entity_id: The entity's id.
            before: Values before the change (secrets are redacted here too).
            after: Values after the change.
        """
        entry = AuditEntry(
            occurred_at=datetime.now(UTC),
            actor_id=actor.user_id,
            actor_type=actor.type.value,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=redact(before) if before is not None else None,
            after=redact(after) if after is not None else None,
            request_id=_request_id(),
            ip=actor.ip,
        )
        self.entries.stage(entry)
        return entry

    async def record_many(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Bulk-insert prepared entries (see :meth:`entry_values`); for imports."""
        return await self.entries.insert_many(rows)

    @staticmethod
    def entry_values(
        actor: Actor,
        action: str,
        entity_type: str,
        entity_id: uuid.UUID,
        after: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """The column values of one entry, for :meth:`record_many`."""
        return {
            "id": uuid.uuid4(),
            "occurred_at": datetime.now(UTC),
            "actor_id": actor.user_id,
            "actor_type": actor.type.value,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "before": None,
            "after": redact(after) if after is not None else None,
            "request_id": _request_id(),
            "ip": actor.ip,
        }

    async def list_entries(
        self, filters: AuditFilters, *, limit: int, offset: int
    ) -> tuple[Sequence[AuditEntry], int]:
        """A page of entries, newest first, and the total."""
        return await self.entries.list_filtered(filters, limit=limit, offset=offset)


AUDIT_COLUMNS: Final = (
    "id, occurred_at, actor_id, actor_type, action, entity_type, entity_id,"
    " before, after, request_id, ip"
)


def audit_insert(
    arg: Params,
    actor: Actor,
    action: str,
    entity_type: str,
    *,
    rows: str,
    at: datetime,
    before_sql: str = "NULL",
    after: Mapping[str, Any] | None = None,
    after_sql: str | None = None,
) -> str:
    """``INSERT INTO audit_log … SELECT … FROM {rows}``: an entry per changed row.

    For a write done as one statement: ``rows`` names the data-modifying CTE whose
    ``RETURNING`` has the entity's ``id``; each row it changed gets the entry
    :meth:`AuditService.record` would stage (redacted ``after``, the request id, the
    actor's IP). ``before_sql`` is an SQL expression over ``rows`` (values only the
    statement knows, such as the status before an update); ``after_sql`` one whose
    keys are added to ``after``. No row changed: no entry.
    """
    after_json = None if after is None else json.dumps(redact(after))
    after_expr = f"{arg(after_json)}::jsonb"
    if after_sql is not None:
        after_expr = f"({after_expr} || {after_sql})"
    return (
        f"INSERT INTO audit_log ({AUDIT_COLUMNS}) SELECT gen_random_uuid(),"  # noqa: S608 - every value is a $n parameter
        f" {arg(at)}::timestamptz, {arg(actor.user_id)}::uuid,"
        f" {arg(actor.type.value)}::text, {arg(action)}::text,"
        f" {arg(entity_type)}::text, r.id, {before_sql}, {after_expr},"
        f" {arg(_request_id())}::text, {arg(actor.ip)}::inet FROM {rows} r"
    )


def _request_id() -> str | None:
    rid = current_context().get("request_id")
    return rid if isinstance(rid, str) else None

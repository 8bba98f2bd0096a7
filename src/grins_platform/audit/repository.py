"""SQL for the audit log (append-only: no update, no delete)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select

from grins_platform.audit.models import AuditEntry
from grins_platform.db.repository import Repository

_INSERT_BATCH = 2000


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """What to look for; ``None`` means any."""

    entity_type: str | None = None
    entity_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    action: str | None = None
    request_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditRepository(Repository[AuditEntry]):
    """Audit entries: staged with the change, listed newest first."""

    model = AuditEntry

    def stage(self, entry: AuditEntry) -> None:
        """Add the entry to the session; it is written with the next flush."""
        self.session.add(entry)

    async def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert prepared rows in batches."""
        for start in range(0, len(rows), _INSERT_BATCH):
            await self.session.execute(
                insert(AuditEntry), list(rows[start : start + _INSERT_BATCH])
            )
        return len(rows)

    @staticmethod
    def _filtered(filters: AuditFilters) -> Select[Any]:
        stmt = select(AuditEntry)
        equal: list[tuple[Any, object | None]] = [
            (AuditEntry.entity_type, filters.entity_type),
            (AuditEntry.entity_id, filters.entity_id),
            (AuditEntry.actor_id, filters.actor_id),
            (AuditEntry.action, filters.action),
            (AuditEntry.request_id, filters.request_id),
        ]
        for column, value in equal:
            if value is not None:
                stmt = stmt.where(column == value)
        if filters.since is not None:
            stmt = stmt.where(AuditEntry.occurred_at >= filters.since)
        if filters.until is not None:
            stmt = stmt.where(AuditEntry.occurred_at < filters.until)
        return stmt

    async def list_filtered(
        self, filters: AuditFilters, *, limit: int, offset: int
    ) -> tuple[Sequence[AuditEntry], int]:
        """A page of matching entries, newest first (ties broken by id)."""
        stmt = self._filtered(filters)
        total = await self.count(stmt)
        rows = await self.page(
            stmt.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc()),
            limit=limit,
            offset=offset,
        )
        return rows, total

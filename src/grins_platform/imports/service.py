"""The database half of the customer import: duplicates, then a bulk write.

Rows arrive as the parser yields them (``CustomerCsv(stream).rows()``) and are
handled in batches: each batch is checked against live customers (same phone or
email → rejected, naming the existing id) and, while no row has been rejected and
this is not a dry run, written with multi-row ``INSERT``s (customers, their primary
property with encrypted access codes and a ZIP-centroid position, and one audit
entry per customer). Every row is read to the end so a dry run reports every
rejected row. The whole file is one savepoint: any rejected row, or a dry run,
rolls it back, so a file is imported completely or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import Actor, AuditService
from grins_platform.core.errors import ConflictError
from grins_platform.core.log_config import LoggerMixin
from grins_platform.customers.models import Customer
from grins_platform.db.uow import UnitOfWork
from grins_platform.geocoding import ZipCentroidGeocoder
from grins_platform.imports.customers import ParsedRow
from grins_platform.imports.rows import ImportRow, RejectedRow, RowError
from grins_platform.properties.models import GeoSource, Property, SystemType

BATCH_ROWS: Final = 1000
_LIMITS: Final = {"address": 200, "city": 100, "lead_source": 50}
Progress = Callable[[int], None]


@dataclass(slots=True)
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    import_id: uuid.UUID
    dry_run: bool
    total_rows: int = 0
    imported: int = 0
    rejected: list[RejectedRow] = field(default_factory=list[RejectedRow])

    @property
    def committed(self) -> bool:
        """Whether the rows were saved."""
        return self.imported > 0


class ImportConflict(ConflictError):
    """A customer with one of the file's phones or emails was added meanwhile."""

    def __init__(self) -> None:
        super().__init__(
            "a customer with one of these phones or emails was added during the "
            "import; nothing was imported, run it again"
        )


def _too_long(row: ImportRow) -> list[RowError]:
    errors: list[RowError] = []
    for name, limit in _LIMITS.items():
        value: str | None = getattr(row, name)
        if value is not None and len(value) > limit:
            errors.append(
                RowError(row.row_number, name, f"longer than {limit} characters")
            )
    return errors


class CustomerImportService(LoggerMixin):
    """Imports customer spreadsheets; one savepoint per file, one commit."""

    DOMAIN = "imports"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.uow = UnitOfWork(session)
        self.audit = AuditService(session)
        self.zips = ZipCentroidGeocoder()
        self._known: dict[str, uuid.UUID] | None = None

    async def import_customers(
        self,
        rows: Iterable[ParsedRow],
        *,
        actor: Actor,
        dry_run: bool,
        progress: Progress | None = None,
    ) -> ImportResult:
        """Check every row and, unless ``dry_run`` or any row is rejected, save all."""
        result = ImportResult(import_id=uuid.uuid4(), dry_run=dry_run)
        self.log_started("import", import_id=str(result.import_id), dry_run=dry_run)
        self._known = await self._known_contacts()
        savepoint = await self.session.begin_nested()
        try:
            written = await self._all_batches(rows, result, actor, progress)
        except IntegrityError as exc:
            await savepoint.rollback()
            self.log_failed("import", exc, import_id=str(result.import_id))
            raise ImportConflict from exc
        if dry_run or result.rejected:
            await savepoint.rollback()
        else:
            await self._summary(result, actor, written)
            await savepoint.commit()
            await self.uow.commit()
            result.imported = written
        self.log_completed(
            "import",
            import_id=str(result.import_id),
            dry_run=dry_run,
            rows=result.total_rows,
            imported=result.imported,
            rejected=len(result.rejected),
        )
        return result

    async def _all_batches(
        self,
        rows: Iterable[ParsedRow],
        result: ImportResult,
        actor: Actor,
        progress: Progress | None,
    ) -> int:
        written = 0
        batch: list[ParsedRow] = []
        for parsed in rows:
            batch.append(parsed)
            if len(batch) >= BATCH_ROWS:
                written += await self._batch(batch, result, actor)
                if progress is not None:
                    progress(len(batch))
                batch = []
        if batch:
            written += await self._batch(batch, result, actor)
            if progress is not None:
                progress(len(batch))
        return written

    async def _batch(
        self, batch: Sequence[ParsedRow], result: ImportResult, actor: Actor
    ) -> int:
        result.total_rows += len(batch)
        valid = [r for r in batch if isinstance(r, ImportRow)]
        result.rejected.extend(r for r in batch if isinstance(r, RejectedRow))
        known = self._known if self._known is not None else {}
        good: list[ImportRow] = []
        for row in valid:
            errors = _too_long(row) + _known_errors(row, known)
            if errors:
                result.rejected.append(RejectedRow(row.row_number, tuple(errors)))
            else:
                good.append(row)
        if result.dry_run or result.rejected or not good:
            return 0
        await self._write(good, result.import_id, actor)
        return len(good)

    async def _known_contacts(self) -> dict[str, uuid.UUID]:
        """Every live customer's phones and email, as ``kind:value`` → id.

        Read once per file: a business has thousands, not millions, of
        customers, and one pass beats thousands of lookups. A customer added
        meanwhile is still caught by the unique indexes (the import then fails).
        """
        stmt = select(
            Customer.id, Customer.phone, Customer.alt_phone, func.lower(Customer.email)
        ).where(Customer.deleted_at.is_(None))
        known: dict[str, uuid.UUID] = {}
        for cid, phone, alt, email in await self.session.execute(stmt):
            for key in (f"phone:{phone}", f"phone:{alt}", f"email:{email}"):
                if not key.endswith(":None"):
                    known.setdefault(key, cid)
        return known

    async def _write(
        self, rows: Sequence[ImportRow], import_id: uuid.UUID, actor: Actor
    ) -> None:
        customers: list[dict[str, Any]] = []
        properties: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for row in rows:
            customer_id, property_id = uuid.uuid4(), uuid.uuid4()
            customers.append(_customer_values(customer_id, row))
            properties.append(self._property_values(property_id, customer_id, row))
            audits.append(
                AuditService.entry_values(
                    actor,
                    "customer.imported",
                    "customer",
                    customer_id,
                    {
                        "import_id": import_id,
                        "row_number": row.row_number,
                        "property_id": property_id,
                        "gate_code": row.gate_code,
                        "lockbox_code": row.lockbox_code,
                    },
                )
            )
        await self.session.execute(insert(Customer), customers)
        await self.session.execute(insert(Property), properties)
        await self.audit.record_many(audits)

    def _property_values(
        self, property_id: uuid.UUID, customer_id: uuid.UUID, row: ImportRow
    ) -> dict[str, Any]:
        point = self.zips.lookup(row.zip_code)
        return {
            "id": property_id,
            "customer_id": customer_id,
            "is_primary": True,
            "address": row.address,
            "city": row.city or "",
            "state": row.state or "MN",
            "zip_code": row.zip_code or "",
            "zone_count": row.zone_count,
            "system_type": SystemType(row.system_type or "standard"),
            "gate_code": row.gate_code,
            "lockbox_code": row.lockbox_code,
            "latitude": point.lat if point else None,
            "longitude": point.lon if point else None,
            "geo_source": GeoSource.ZIP_CENTROID if point else None,
        }

    async def _summary(self, result: ImportResult, actor: Actor, written: int) -> None:
        await self.audit.record(
            actor,
            "customers.imported",
            "import",
            result.import_id,
            after={"rows": result.total_rows, "customers": written},
        )


def _customer_values(customer_id: uuid.UUID, row: ImportRow) -> dict[str, Any]:
    return {
        "id": customer_id,
        "name": row.name[:200],
        "phone": row.phone,
        "alt_phone": row.alt_phone,
        "email": row.email,
        "lead_source": row.lead_source,
        "notes": row.notes,
    }


def _known_errors(row: ImportRow, known: dict[str, uuid.UUID]) -> list[RowError]:
    errors: list[RowError] = []
    for name, value in (("phone", row.phone), ("phone", row.alt_phone)):
        if value and f"phone:{value}" in known:
            errors.append(
                RowError(
                    row.row_number,
                    name,
                    f"already a customer ({known[f'phone:{value}']})",
                )
            )
    if row.email and f"email:{row.email}" in known:
        errors.append(
            RowError(
                row.row_number,
                "email",
                f"already a customer ({known[f'email:{row.email}']})",
            )
        )
    return errors

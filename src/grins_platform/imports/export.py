"""Full export of customers and properties as CSV or JSON, streamed row by row.

Rows are read with a server-side cursor in batches, so an export of any size
holds one batch in memory. The owner owns the data: the export is complete,
deleted and merged customers included, access codes decrypted (admins only).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from grins_platform.audit.service import redact
from grins_platform.customers.models import Customer
from grins_platform.db.base import Base
from grins_platform.properties.models import Property

BATCH: Final = 500


class ExportFormat(StrEnum):
    """File formats of an export."""

    CSV = "csv"
    JSON = "json"


class ExportEntity(StrEnum):
    """What can be exported."""

    CUSTOMERS = "customers"
    PROPERTIES = "properties"


_MODELS: Final[dict[ExportEntity, type[Base]]] = {
    ExportEntity.CUSTOMERS: Customer,
    ExportEntity.PROPERTIES: Property,
}


def export_columns(entity: ExportEntity) -> list[str]:
    """The exported columns of ``entity`` (every column but the search vector)."""
    mapper = inspect(_MODELS[entity])
    return [a.key for a in mapper.column_attrs if a.key != "search_vector"]


def _values(row: Base, columns: Sequence[str]) -> dict[str, Any]:
    plain = {name: getattr(row, name) for name in columns}
    safe = redact({k: v for k, v in plain.items() if k not in _SECRETS})
    safe.update({k: plain[k] for k in _SECRETS if k in plain})
    return safe


_SECRETS: Final = ("gate_code", "lockbox_code")


async def export_rows(
    session: AsyncSession, entity: ExportEntity, fmt: ExportFormat
) -> AsyncIterator[str]:
    """The export file, chunk by chunk."""
    model: Any = _MODELS[entity]
    columns = export_columns(entity)
    stmt = (
        select(model)
        .order_by(model.created_at, model.id)
        .execution_options(yield_per=BATCH)
    )
    result = await session.stream_scalars(stmt)
    first = True
    if fmt is ExportFormat.CSV:
        yield _csv_line(columns)
    else:
        yield "["
    async for partition in result.partitions(BATCH):
        if fmt is ExportFormat.CSV:
            yield "".join(_csv_line(_cells(r, columns)) for r in partition)
        else:
            chunk = ",\n".join(
                json.dumps(_values(r, columns), default=str) for r in partition
            )
            yield ("" if first else ",\n") + chunk
            first = False
    if fmt is ExportFormat.JSON:
        yield "]\n"


def _cells(row: Base, columns: Sequence[str]) -> list[str]:
    values = _values(row, columns)
    return ["" if values[c] is None else str(values[c]) for c in columns]


def _csv_line(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()

"""Admin import of a customer spreadsheet, and the full export.

``POST /api/v1/imports/customers`` and ``GET /api/v1/exports/{customers|properties}``.
"""

from __future__ import annotations

import asyncio
import tempfile
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from grins_platform.audit.service import Actor
from grins_platform.auth.dependencies import AdminUser, ClientDep
from grins_platform.core.errors import AppError
from grins_platform.db.session import SessionDep
from grins_platform.imports.customers import ImportReport, parse_customer_csv
from grins_platform.imports.export import ExportEntity, ExportFormat, export_rows
from grins_platform.imports.rows import RejectedRow
from grins_platform.imports.service import CustomerImportService, ImportResult

router = APIRouter(tags=["import and export"])
_SPOOL_BYTES: Final = 1024 * 1024
_MEDIA: Final = {ExportFormat.CSV: "text/csv", ExportFormat.JSON: "application/json"}


class RowProblem(BaseModel):
    """One reason a row was rejected."""

    field: str
    message: str


class RejectedRowRead(BaseModel):
    """A spreadsheet row that would not be imported, and why."""

    row_number: int = Field(description="row number in the spreadsheet")
    errors: list[RowProblem]


class ImportResultRead(BaseModel):
    """The outcome of an import or a dry run."""

    import_id: str
    dry_run: bool
    total_rows: int
    imported: int
    rejected_count: int
    rejected: list[RejectedRowRead]
    columns: dict[str, list[str]] = Field(description="our field → the file's headers")


class ImportRejected(AppError):
    """Rows were rejected: nothing was imported (422 listing every row)."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    code = "validation_error"


def get_import_service(session: SessionDep) -> CustomerImportService:
    """The import service for this request."""
    return CustomerImportService(session)


ImportServiceDep = Annotated[CustomerImportService, Depends(get_import_service)]


def _rejected(rows: list[RejectedRow]) -> list[RejectedRowRead]:
    ordered = sorted(rows, key=lambda r: r.row_number)
    return [
        RejectedRowRead(
            row_number=r.row_number,
            errors=[RowProblem(field=e.field, message=e.message) for e in r.errors],
        )
        for r in ordered
    ]


async def _read_report(request: Request) -> ImportReport:
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    try:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        return await asyncio.to_thread(parse_customer_csv, spool)
    finally:
        spool.close()


@router.post(
    "/imports/customers",
    response_model=ImportResultRead,
    responses={422: {"description": "rows rejected: nothing imported"}},
)
async def import_customers(
    request: Request,
    admin: AdminUser,
    client: ClientDep,
    service: ImportServiceDep,
    response: Response,
    dry_run: Annotated[bool, Query(description="check only, save nothing")] = False,
) -> ImportResultRead:
    """Admin. A customer spreadsheet as the raw CSV body (``text/csv``).

    Headers are matched flexibly (Name, Phone, Mobile, E-mail, Street, City, ZIP,
    Zones, Notes...). A dry run lists every row that would be rejected and why;
    a real import saves all rows or, if any is rejected, none (422).
    """
    report = await _read_report(request)
    rows: list[Any] = [*report.rows, *report.rejected]
    result: ImportResult = await service.import_customers(
        sorted(rows, key=lambda r: r.row_number),
        actor=Actor.of(admin, client.ip),
        dry_run=dry_run,
    )
    body = ImportResultRead(
        import_id=str(result.import_id),
        dry_run=result.dry_run,
        total_rows=result.total_rows,
        imported=result.imported,
        rejected_count=len(result.rejected),
        rejected=_rejected(result.rejected),
        columns={
            name: [report.columns.headers[i] for i in indexes]
            for name, indexes in report.columns.fields.items()
        },
    )
    if result.rejected and not dry_run:
        raise ImportRejected(
            [
                {"field": f"row {r.row_number}: {p.field}", "message": p.message}
                for r in body.rejected
                for p in r.errors
            ],
            rejected_count=len(result.rejected),
        )
    response.status_code = status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED
    return body


@router.get("/exports/{entity}", response_class=StreamingResponse)
async def export_data(
    entity: ExportEntity,
    _admin: AdminUser,
    session: SessionDep,
    fmt: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.CSV,
) -> StreamingResponse:
    """Admin. Every customer or property as CSV or JSON, streamed."""
    return StreamingResponse(
        export_rows(session, entity, fmt),
        media_type=_MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{entity.value}.{fmt.value}"'
        },
    )

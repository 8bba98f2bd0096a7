"""``grins import customers FILE.csv [--dry-run]``: the spreadsheet import."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from grins_platform.audit.service import Actor
from grins_platform.core.config import Settings
from grins_platform.db.session import create_engine, create_sessionmaker
from grins_platform.imports.csv_stream import ImportFileError
from grins_platform.imports.customers import CustomerCsv
from grins_platform.imports.service import CustomerImportService, ImportResult

import_app = typer.Typer(help="Import business spreadsheets.", no_args_is_help=True)


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


async def run_import(
    settings: Settings, path: Path, *, dry_run: bool, show_progress: bool = True
) -> ImportResult:
    """Import ``path`` (all or nothing) with a progress bar on stderr."""
    from grins_platform.core.crypto import configure_encryption  # noqa: PLC0415

    configure_encryption(settings)
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            with (
                path.open("rb") as stream,
                typer.progressbar(
                    length=max(_count_lines(path) - 1, 1),
                    label="rows",
                    file=sys.stderr if show_progress else None,
                    hidden=not show_progress,
                ) as bar,
            ):
                source = CustomerCsv(stream)
                return await CustomerImportService(session).import_customers(
                    source.rows(),
                    actor=Actor.system(),
                    dry_run=dry_run,
                    progress=bar.update,
                )
    finally:
        await engine.dispose()


def report(result: ImportResult) -> None:
    """Print every rejected row, then one summary line."""
    for row in sorted(result.rejected, key=lambda r: r.row_number):
        for error in row.errors:
            typer.echo(f"row {row.row_number}: {error.field}: {error.message}")
    rejected = len(result.rejected)
    if result.dry_run:
        typer.echo(
            f"dry run: {result.total_rows} rows, {result.total_rows - rejected} "
            f"would be imported, {rejected} rejected"
        )
    elif rejected:
        typer.echo(f"nothing imported: {rejected} of {result.total_rows} rows rejected")
    else:
        typer.echo(f"imported {result.imported} customers ({result.import_id})")


@import_app.command("customers")
def import_customers(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The CSV file.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row; save nothing.")
    ] = False,
) -> None:
    """Import customers (with their property) from a spreadsheet CSV, all or nothing."""
    from grins_platform.cli import clear_errors, fail, settings_for_command  # noqa: PLC0415

    with clear_errors():
        settings = settings_for_command(quiet=True)
        try:
            result = asyncio.run(run_import(settings, file, dry_run=dry_run))
        except ImportFileError as exc:
            fail(str(exc))
        report(result)
        if result.rejected and not dry_run:
            raise typer.Exit(1)

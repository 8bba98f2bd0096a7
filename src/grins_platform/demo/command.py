"""What ``grins seed-demo`` runs: connect, load in one transaction, show progress."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import text

from grins_platform.core.config import Settings
from grins_platform.core.crypto import configure_encryption
from grins_platform.db.session import create_engine, create_sessionmaker
from grins_platform.demo.plan import DemoOptions
from grins_platform.demo.service import STEPS, DemoResult, seed_demo


async def run_seed_demo(
    settings: Settings, options: DemoOptions, *, force: bool, show_progress: bool
) -> tuple[DemoResult, float]:
    """Load the demo data and commit; returns the result and the seconds it took."""
    configure_encryption(settings)
    engine = create_engine(settings)
    started = time.perf_counter()
    console = Console(file=sys.stderr)
    bar = Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
        transient=False,
    )
    try:
        with bar:
            task = bar.add_task("starting", total=STEPS)

            def step(description: str) -> None:
                bar.update(task, description=description, advance=1)

            async with create_sessionmaker(engine)() as session:
                result = await seed_demo(
                    session,
                    options,
                    rounds=settings.password_hash_rounds,
                    force=force,
                    progress=step,
                )
                bar.update(task, description="COMMIT")
                await session.commit()
            # After a bulk load: flush the GIN indexes' pending lists (else every
            # full-text search scans them) and set the visibility map (index-only
            # counts). VACUUM cannot run inside a transaction.
            bar.update(task, description="VACUUM (ANALYZE)")
            async with engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM (ANALYZE)"))
            bar.update(task, description="done", completed=STEPS)
    finally:
        await engine.dispose()
    return result, time.perf_counter() - started


def summary(result: DemoResult, seconds: float) -> list[str]:
    """The lines the command prints: counts, timing and the logins made."""
    counts = ", ".join(f"{n:,} {table}" for table, n in result.counts.items())
    lines = [f"demo data loaded in {seconds:.1f} s: {counts}"]
    lines.append(
        "(invoices and payments are not generated: those domains do not exist yet)"
    )
    logins = result.logins
    if logins is not None and logins.admin_email:
        lines.append(
            f"development admin created: email={logins.admin_email} "
            f"password={logins.admin_password} (shown once)"
        )
    if logins is not None and logins.technician_emails:
        lines.append(
            f"technician logins: {logins.technician_emails[0]} ... "
            f"({len(logins.technician_emails)}), password={logins.technician_password}"
        )
    return lines

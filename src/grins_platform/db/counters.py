"""Trigger-kept counters: fold their delta rows now and then.

``customer_totals`` and ``job_status_counts`` hold exact counts as sums of rows:
triggers append one delta row per changing statement, so writers never wait for
each other on a shared counter row. The rows only grow; ``compact`` folds them
into one row (per status), atomically: a delta committed meanwhile is not among
the deleted rows and stays. Each API worker runs ``compacting`` in its lifespan;
two workers compacting at once is harmless (the second finds the rows gone).

Every fold deletes rows, and a dead row is still read by every sum until VACUUM
removes it. Autovacuum may be off, or a minute away, while a busy office makes
thousands of deltas a minute (measured with autovacuum off: 91,000 dead rows behind
263 live ones after a few benchmark runs, and the dashboard slowed down with them).
So each fold is followed by a VACUUM of the counter tables: a few pages, a
millisecond or two (without truncation, see ``_VACUUM``). A database user that does
not own the tables gets a warning from PostgreSQL and no vacuum; the sums stay exact
either way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from grins_platform.core.log_config import DomainLogger

COMPACT_SECONDS: Final = 10.0
_FOLDS: Final = (
    text(
        "WITH gone AS (DELETE FROM customer_totals RETURNING live)"
        " INSERT INTO customer_totals (live)"
        " SELECT sum(live) FROM gone HAVING sum(live) <> 0"
    ),
    text(
        "WITH gone AS (DELETE FROM job_status_counts RETURNING status, jobs)"
        " INSERT INTO job_status_counts (status, jobs)"
        " SELECT status, sum(jobs) FROM gone GROUP BY status HAVING sum(jobs) <> 0"
    ),
)

# TRUNCATE false: giving the emptied end pages back to the file system needs an
# ACCESS EXCLUSIVE lock, which VACUUM keeps trying for up to 5 s while triggers and
# sums hold their locks (measured: 5.1 s per VACUUM under load); the space is reused
# anyway. SKIP_LOCKED: the other worker is already vacuuming.
_VACUUM: Final = text(
    "VACUUM (TRUNCATE false, SKIP_LOCKED) customer_totals, job_status_counts"
)

log = DomainLogger("database", "counters")


async def compact(engine: AsyncEngine) -> None:
    """Fold every counter's delta rows (one transaction per counter), then VACUUM."""
    for fold in _FOLDS:
        async with engine.begin() as conn:
            await conn.execute(fold)
    await vacuum_counters(engine)


async def vacuum_counters(engine: AsyncEngine) -> None:
    """VACUUM the counter tables (a statement that cannot run in a transaction)."""
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(_VACUUM)


async def compact_every(engine: AsyncEngine, seconds: float) -> None:
    """``compact`` every ``seconds`` until cancelled; a failure is logged, not fatal."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await compact(engine)
        except Exception as exc:  # noqa: BLE001 - retried next time; reads stay exact
            log.failed("compact", error=type(exc).__name__)


@contextlib.asynccontextmanager
async def compacting(
    engine: AsyncEngine, seconds: float = COMPACT_SECONDS
) -> AsyncGenerator[None]:
    """Run ``compact_every`` in the background for the block's duration."""
    task = asyncio.create_task(compact_every(engine, seconds))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

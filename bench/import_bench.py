"""Time `grins import customers` on a 20,000-row spreadsheet.

Usage: DATABASE_URL=postgresql://... uv run python bench/import_bench.py [ROWS]

Creates a scratch database (dropped at the end), migrates it, writes a CSV of
realistic rows (name, mobile in mixed formats, email, street, city, ZIP, zones,
gate code, notes) and runs the real import (parse, duplicate check, bulk write of
customers + properties + audit entries, one transaction), then a dry run of the
same file against the now-filled database.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from grins_platform.core.config import Environment, load_settings
from grins_platform.db import migrations
from grins_platform.imports.cli import run_import

CITIES = [
    ("Eden Prairie", "55344"),
    ("Plymouth", "55447"),
    ("Maple Grove", "55369"),
    ("Brooklyn Park", "55443"),
    ("Rogers", "55374"),
]
FORMATS = ["({a}) {e}-{l}", "{a}.{e}.{l}", "{a}-{e}-{l}", "+1 {a} {e} {l}", "{a}{e}{l}"]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(2026)
    with path.open("w") as out:
        out.write("Name,Mobile,Email,Street Address,City,Zip,Zones,Gate Code,Notes\n")
        for i in range(rows):
            city, zip_code = CITIES[i % len(CITIES)]
            line = f"{i:04d}"[-4:]
            exchange = 200 + i // 10000
            phone = rng.choice(FORMATS).format(a="612", e=exchange, l=line)
            out.write(
                f"Customer {i},{phone},c{i}@example.com,{100 + i} Lake St,"
                f"{city},{zip_code},{rng.randint(2, 14)},{rng.randint(1000, 9999)},"
                f"spring start-up\n"
            )


async def recreate(url: str, name: str, *, drop_only: bool = False) -> str:
    admin_dsn = make_url(url).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin_dsn.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def main(rows: int) -> None:
    base = os.environ["DATABASE_URL"]
    name = f"grins_bench_import_{os.getpid()}"
    url = await recreate(base, name)
    try:
        settings = load_settings(
            environment=Environment.TEST, database_url=url, log_level="WARNING"
        )
        migrations.upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "customers.csv"
            write_csv(path, rows)
            started = time.perf_counter()
            result = await run_import(settings, path, dry_run=False)
            real = time.perf_counter() - started
            started = time.perf_counter()
            dry = await run_import(settings, path, dry_run=True)
            dry_s = time.perf_counter() - started
        print(
            f"rows={rows} imported={result.imported} rejected={len(result.rejected)} "
            f"import_s={real:.1f} rows_per_s={rows / real:.0f} "
            f"dry_run_s={dry_s:.1f} dry_run_rejected={len(dry.rejected)}"
        )
    finally:
        await recreate(base, name, drop_only=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))

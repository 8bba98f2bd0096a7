"""Alembic, driven from code: upgrade, downgrade, current revision, head check."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    """Where the revisions are: the repository's ``migrations/`` or the wheel's copy."""
    candidates = [
        _PACKAGE_DIR.parent.parent / "migrations",  # source checkout (src layout)
        _PACKAGE_DIR / "_migrations",  # installed wheel
    ]
    for candidate in candidates:
        if (candidate / "env.py").is_file():
            return candidate
    msg = "the Alembic migrations folder was not found"
    raise FileNotFoundError(msg)


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at our revisions and ``database_url``."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def head_revisions(database_url: str) -> set[str]:
    """The head revision(s) of the code."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return set(script.get_heads())


def _current(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    """The revision(s) the database is at."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def is_at_head(engine: AsyncEngine, database_url: str) -> bool:
    """True when the database is migrated to the code's head."""
    return await current_revisions(engine) == head_revisions(database_url)


def _run_in_thread(fn: object) -> None:
    """Alembic's async env calls ``asyncio.run``; keep it off any running loop."""
    assert callable(fn)  # noqa: S101
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        fn()
        return
    import concurrent.futures  # noqa: PLC0415

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(fn).result()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    _run_in_thread(lambda: command.upgrade(alembic_config(database_url), revision))


def downgrade(database_url: str, revision: str = "-1") -> None:
    """Migrate the database down to ``revision``."""
    _run_in_thread(lambda: command.downgrade(alembic_config(database_url), revision))

"""Running the ``grins`` command in tests, against scratch databases of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from grins_platform.core.config import Settings
from grins_platform.db import migrations

GRINS = [sys.executable, "-m", "grins_platform.cli"]


def base_env(**overrides: str | None) -> dict[str, str]:
    """The test process's environment without the platform's own variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRINS_")}
    for key in ("DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "LOG_LEVEL", "DATA_DIR"):
        env.pop(key, None)
    env["LOG_FORMAT"] = "json"
    env.update({k: v for k, v in overrides.items() if v is not None})
    return env


def grins(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``grins ARGS`` and capture its output."""
    return subprocess.run(  # noqa: S603 - our own command
        [*GRINS, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@asynccontextmanager
async def scratch_database(settings: Settings, name: str) -> AsyncIterator[str]:
    """A fresh database migrated to head (dropped afterwards); yields its URL."""
    assert settings.database_url is not None
    url = make_url(settings.database_url)
    admin = await asyncpg.connect(
        url.set(drivername="postgresql", database="postgres").render_as_string(
            hide_password=False
        )
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        target = url.set(database=name).render_as_string(hide_password=False)
        migrations.upgrade(target)
        yield target
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

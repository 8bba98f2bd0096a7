"""Migrations: the models and the revisions agree, and every revision reverses."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from grins_platform.core.config import Settings
from grins_platform.db import migrations
from grins_platform.models import metadata

pytestmark = pytest.mark.integration


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, metadata))


async def test_models_match_migrations(engine: AsyncEngine) -> None:
    """What `alembic check` checks: autogenerate finds nothing to add."""
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_database_is_at_head(
    engine: AsyncEngine, test_settings: Settings
) -> None:
    assert test_settings.database_url is not None
    assert await migrations.is_at_head(engine, test_settings.database_url)


async def test_downgrade_to_base_and_back(
    engine: AsyncEngine, test_settings: Settings
) -> None:
    url = test_settings.database_url
    assert url is not None
    await engine.dispose()  # the pool must not hold locks the DDL waits for
    migrations.downgrade(url, "base")
    assert await migrations.current_revisions(engine) == set()
    migrations.upgrade(url, "head")
    assert await migrations.is_at_head(engine, url)

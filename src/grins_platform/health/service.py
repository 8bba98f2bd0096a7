"""Readiness: database reachable, Redis reachable, migrations at head."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from grins_platform.core.log_config import LoggerMixin
from grins_platform.db.migrations import current_revisions, head_revisions

CHECK_TIMEOUT_SECONDS = 3.0


@dataclass(slots=True)
class Readiness:
    """Each check's verdict; ``ready`` only when all are ``ok``."""

    checks: dict[str, str] = field(default_factory=dict[str, str])

    @property
    def ready(self) -> bool:
        """All checks passed."""
        return all(value == "ok" for value in self.checks.values())

    @property
    def problems(self) -> list[str]:
        """Human lines naming what is wrong."""
        return [
            f"{name}: {value}" for name, value in self.checks.items() if value != "ok"
        ]


class HealthService(LoggerMixin):
    """Checks the services the API needs."""

    DOMAIN = "health"

    def __init__(self, engine: AsyncEngine, redis: Redis, database_url: str) -> None:
        self.engine = engine
        self.redis = redis
        self.database_url = database_url

    async def check_database(self) -> str:
        """``ok`` or why the database cannot be used."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except TimeoutError:
            return "unreachable (timed out)"
        except (SQLAlchemyError, OSError) as exc:
            return f"unreachable ({type(exc).__name__})"
        return "ok"

    async def check_redis(self) -> str:
        """``ok`` or why Redis cannot be used."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                await self.redis.ping()  # pyright: ignore[reportUnknownMemberType]
        except TimeoutError:
            return "unreachable (timed out)"
        except (RedisError, OSError) as exc:
            return f"unreachable ({type(exc).__name__})"
        return "ok"

    async def check_migrations(self) -> str:
        """``ok`` when the database schema is at the code's head revision."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                current = await current_revisions(self.engine)
        except (TimeoutError, SQLAlchemyError, OSError):
            return "unknown (database unreachable)"
        heads = head_revisions(self.database_url)
        if current == heads:
            return "ok"
        have = ",".join(sorted(current)) or "none"
        return f"not at head (database at {have}, code at {','.join(sorted(heads))})"

    async def readiness(self) -> Readiness:
        """Run every check concurrently."""
        db, redis = await asyncio.gather(self.check_database(), self.check_redis())
        migrations = await self.check_migrations() if db == "ok" else "unknown"
        result = Readiness({"database": db, "redis": redis, "migrations": migrations})
        if not result.ready:
            self.log_rejected("readiness", reason="; ".join(result.problems))
        return result

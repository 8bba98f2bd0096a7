"""Configuration: URL forms, secret guard, parsing of lists and zones."""

from __future__ import annotations

from pathlib import Path

import pytest

from grins_platform.core.config import (
    ConfigurationError,
    Environment,
    load_settings,
    normalize_database_url,
)

pytestmark = pytest.mark.unit
STRONG = "x" * 40


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:p@db:5432/grins",
        "postgresql://u:p@db:5432/grins",
        "postgresql+asyncpg://u:p@db:5432/grins",
        "postgresql+psycopg://u:p@db:5432/grins",
    ],
)
def test_database_url_forms_become_asyncpg(url: str) -> None:
    assert normalize_database_url(url) == "postgresql+asyncpg://u:p@db:5432/grins"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url", "sqlite:///x.db"])
def test_non_postgres_url_is_refused_with_one_line(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        load_settings(database_url=url)
    assert "DATABASE_URL" in str(info.value)
    assert "\n" not in str(info.value)


def test_blank_urls_mean_embedded() -> None:
    settings = load_settings(database_url="  ", redis_url="")
    assert settings.database_url is None
    assert settings.redis_url is None


def test_bad_redis_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        load_settings(redis_url="http://localhost:6379")


@pytest.mark.parametrize("env", ["staging", "production"])
@pytest.mark.parametrize("secret", [None, "changeme", "secret", "short-but-real"])
def test_missing_or_placeholder_secret_stops_startup(
    env: str, secret: str | None
) -> None:
    with pytest.raises(ConfigurationError) as info:
        load_settings(
            environment=env, jwt_secret_key=secret, data_encryption_key=STRONG
        )
    message = str(info.value)
    assert "JWT_SECRET_KEY" in message
    assert env in message
    assert "DATA_ENCRYPTION_KEY" not in message


def test_production_with_real_secrets_starts() -> None:
    settings = load_settings(
        environment="PRODUCTION", jwt_secret_key=STRONG, data_encryption_key=STRONG
    )
    assert settings.environment is Environment.PRODUCTION
    assert settings.json_logs is True
    assert settings.jwt_key() == STRONG


def test_development_gets_throwaway_secrets_and_console_logs() -> None:
    settings = load_settings(environment="development")
    assert len(settings.jwt_key()) >= 32
    assert len(settings.encryption_key()) >= 32
    assert settings.json_logs is False
    assert load_settings(environment="development", log_format="json").json_logs


def test_cors_origins_from_comma_list_and_log_level_case() -> None:
    settings = load_settings(
        cors_origins="https://a.example, https://b.example", log_level="debug"
    )
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.log_level.value == "DEBUG"


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="BUSINESS_TIMEZONE"):
        load_settings(business_timezone="Mars/Olympus")
    assert load_settings().tz.key == "America/Chicago"


def test_masked_view_hides_secrets_and_passwords() -> None:
    settings = load_settings(
        database_url="postgresql://grins:hunter2pass@db:5432/grins",
        jwt_secret_key=STRONG,
    )
    shown = settings.masked()
    assert shown["JWT_SECRET_KEY"] == "********"
    assert "hunter2pass" not in shown["DATABASE_URL"]
    assert "grins:***@db" in shown["DATABASE_URL"]
    assert STRONG not in str(shown)
    assert load_settings(redis_url="").masked()["REDIS_URL"] == "(embedded)"


def test_development_keys_are_kept_in_the_data_dir(tmp_path: Path) -> None:
    first = load_settings(environment="development", data_dir=tmp_path)
    second = load_settings(environment="development", data_dir=tmp_path)
    assert first.jwt_key() == second.jwt_key()  # every worker and restart agrees
    assert first.encryption_key() == second.encryption_key()
    assert first.jwt_key() != first.encryption_key()
    kept = tmp_path / "dev-secrets.json"
    assert kept.stat().st_mode & 0o777 == 0o600
    other = load_settings(environment="development", data_dir=tmp_path / "other")
    assert other.jwt_key() != first.jwt_key()
    explicit = load_settings(
        environment="development", data_dir=tmp_path, jwt_secret_key="j" * 40
    )
    assert explicit.jwt_key() == "j" * 40
    assert explicit.encryption_key() == first.encryption_key()

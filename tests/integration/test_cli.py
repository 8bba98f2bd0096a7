"""The ``grins`` command: clear one-line failures, embedded mode, serving."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from grins_platform.core.config import Settings
from grins_platform.db import migrations
from tests.cli_support import GRINS, base_env, grins

pytestmark = pytest.mark.integration


def _env(**overrides: str | None) -> dict[str, str]:
    return base_env(**overrides)


def _run(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return grins(env, *args, timeout=timeout)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_bad_configuration_is_one_line_and_exit_2() -> None:
    result = _run(
        ["check"], _env(ENVIRONMENT="production", DATABASE_URL="postgres://x@h/db")
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1
    assert "JWT_SECRET_KEY" in errors[0]


def test_bad_database_url_scheme_is_one_line() -> None:
    result = _run(["migrate", "current"], _env(DATABASE_URL="mysql://u@h/db"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "is not PostgreSQL" in result.stderr


def test_unreachable_database_is_one_line_and_nonzero(test_settings: Settings) -> None:
    result = _run(
        ["migrate", "upgrade"],
        _env(
            DATABASE_URL="postgresql://postgres@127.0.0.1:1/nothing",
            REDIS_URL=test_settings.redis_url,
        ),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "error: database unreachable" in result.stderr


def test_check_reports_unreachable_redis(test_settings: Settings) -> None:
    result = _run(
        ["check"],
        _env(
            DATABASE_URL=test_settings.database_url, REDIS_URL="redis://127.0.0.1:1/0"
        ),
    )
    assert result.returncode == 1
    assert "redis                      unreachable" in result.stdout
    assert "error: not ready: redis" in result.stderr


def test_check_masks_secrets_and_passes(test_settings: Settings) -> None:
    secret = "s" * 40
    result = _run(
        ["check"],
        _env(
            DATABASE_URL=test_settings.database_url,
            REDIS_URL=test_settings.redis_url,
            JWT_SECRET_KEY=secret,
        ),
    )
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout
    assert "JWT_SECRET_KEY             ********" in result.stdout
    assert "all checks passed" in result.stdout


@pytest.fixture(scope="module")
def embedded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embedded")


def test_embedded_mode_migrates_checks_and_keeps_data(embedded_dir: Path) -> None:
    env = _env(DATA_DIR=str(embedded_dir))
    result = _run(["migrate", "upgrade"], env)
    assert result.returncode == 0, result.stderr
    assert '"database": "embedded"' in result.stderr
    assert '"redis": "not started"' in result.stderr  # migrating needs no Redis
    checked = _run(["check"], env)
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "DATABASE_URL               (embedded)" in checked.stdout
    # A new process finds the same database, still migrated: the data outlived it.
    current = _run(["migrate", "current"], env)
    assert current.returncode == 0, current.stderr
    (head,) = migrations.head_revisions("postgresql+asyncpg://unused/x")
    assert f"database: {head}\ncode head: {head}" in current.stdout
    assert (embedded_dir / "postgres" / "PG_VERSION").is_file()
    assert (embedded_dir / "redis").is_dir()


@pytest.fixture
def served(embedded_dir: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = _free_port()
    env = _env(DATA_DIR=str(embedded_dir))
    assert _run(["migrate", "upgrade"], env).returncode == 0
    proc = subprocess.Popen(  # noqa: S603
        [*GRINS, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_serve_with_workers_in_embedded_mode_becomes_ready(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    base, proc = served
    deadline = time.monotonic() + 150  # a loaded 2-core machine starts slowly
    status = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            status = httpx.get(f"{base}/ready", timeout=2).status_code
        except httpx.HTTPError:
            status = None
        if status == 200:
            break
        time.sleep(0.3)
    assert status == 200
    with httpx.Client(base_url=base) as client:  # keep-alive through the workers
        for _ in range(5):
            assert client.get("/health").status_code == 200
    proc.terminate()
    output, _ = proc.communicate(timeout=20)
    assert '"database": "embedded"' in output
    assert "platform.app.startup_completed" in output

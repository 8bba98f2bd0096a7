"""``grins create-admin``: flags, the development admin, one-line failures."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator

import pytest

from grins_platform.core.config import Settings
from tests.cli_support import base_env, grins, scratch_database

pytestmark = pytest.mark.integration
DB = f"grins_cli_{os.getpid()}"
PROMPT_ANSWERS = """second@example.com
Second Admin
second-password-1
second-password-1
"""


@pytest.fixture(scope="module")
async def cli_env(test_settings: Settings) -> AsyncIterator[dict[str, str]]:
    async with scratch_database(test_settings, DB) as target:
        yield base_env(
            DATABASE_URL=target,
            REDIS_URL=str(test_settings.redis_url),
            PASSWORD_HASH_ROUNDS="4",
        )


def test_dev_admin_created_once_then_flags_and_prompts(cli_env: dict[str, str]) -> None:
    first = grins(cli_env, "create-admin", "--dev-if-none")
    assert first.returncode == 0, first.stderr
    match = re.search(r"email=(\S+) password=(\S+)", first.stdout)
    assert match is not None
    assert match.group(1) == "admin@grins.example.com"
    assert len(match.group(2)) >= 12
    again = grins(cli_env, "create-admin", "--dev-if-none")
    assert again.returncode == 0
    assert "no development admin created" in again.stdout
    assert match.group(2) not in again.stdout  # printed once only

    flags = grins(
        cli_env,
        "create-admin",
        "--email",
        "owner@example.com",
        "--name",
        "Owner",
        "--password",
        "owner-password-1",
    )
    assert flags.returncode == 0, flags.stderr
    assert "admin created: owner@example.com" in flags.stdout

    prompted = grins(
        cli_env,
        "create-admin",
        stdin=PROMPT_ANSWERS,
    )
    assert prompted.returncode == 0, prompted.stderr
    assert "admin created: second@example.com" in prompted.stdout
    assert "second-password-1" not in prompted.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "--email",
                "OWNER2@example.com",
                "--name",
                "D",
                "--password",
                "dup-password-12",
            ],
            None,
        ),
        (
            ["--email", "x@example.com", "--name", "X", "--password", "short"],
            "at least 12",
        ),
        (
            [
                "--email",
                "not-an-email",
                "--name",
                "X",
                "--password",
                "long-enough-pass",
            ],
            "email",
        ),
    ],
)
def test_create_admin_failures_are_one_line(
    cli_env: dict[str, str], args: list[str], message: str | None
) -> None:
    if message is None:
        seed = grins(
            cli_env,
            "create-admin",
            "--email",
            "owner2@example.com",
            "--name",
            "O",
            "--password",
            "owner-password-2",
        )
        assert seed.returncode == 0, seed.stderr
        message = "already exists"
    result = grins(cli_env, "create-admin", *args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert message in errors[0]

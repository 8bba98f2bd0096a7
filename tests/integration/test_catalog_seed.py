"""``grins seed catalog`` loads the reference catalog once, whatever the reruns."""

from __future__ import annotations

import os

import pytest

from grins_platform.core.config import Settings
from tests.cli_support import base_env, grins, scratch_database

pytestmark = pytest.mark.integration


async def test_seed_catalog_is_idempotent(test_settings: Settings) -> None:
    async with scratch_database(test_settings, f"grins_seed_{os.getpid()}") as url:
        env = base_env(DATABASE_URL=url, REDIS_URL=str(test_settings.redis_url))
        first = grins(env, "seed", "catalog")
        assert first.returncode == 0, first.stderr
        assert (
            first.stdout.strip()
            == "4 skills added, 4 equipment added, 7 offerings added"
        )
        again = grins(env, "seed", "catalog")
        assert (
            again.stdout.strip()
            == "0 skills added, 0 equipment added, 0 offerings added"
        )

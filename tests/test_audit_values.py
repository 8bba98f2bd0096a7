"""Audit before/after values are JSON-safe and never carry access codes."""

from __future__ import annotations

import uuid
from datetime import date, time

import pytest

from grins_platform.audit.service import REDACTED_SET, redact

pytestmark = pytest.mark.unit


def test_values_become_json_safe_and_codes_are_redacted() -> None:
    some = uuid.uuid4()
    assert redact(
        {
            "lunch_start": time(11, 30),
            "day": date(2026, 5, 4),
            "id": some,
            "gate_code": "4821",
            "lockbox_code": None,
        }
    ) == {
        "lunch_start": "11:30:00",
        "day": "2026-05-04",
        "id": str(some),
        "gate_code": REDACTED_SET,
        "lockbox_code": None,
    }

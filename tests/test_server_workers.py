"""`grins serve --workers N`: slow-starting workers get time before the ping."""

from __future__ import annotations

from typing import Any

import pytest

from grins_platform.core import server

pytestmark = pytest.mark.unit


def test_workers_get_a_generous_startup_healthcheck(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn  # noqa: PLC0415

    seen: dict[str, Any] = {}

    def fake_run(app: str, **kwargs: Any) -> None:
        seen.update(kwargs, app=app)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    server.run_server(host="127.0.0.1", port=8000, workers=2, reload=False)
    assert seen["workers"] == 2
    # uvicorn's default (5 s) kills workers still importing the app on a busy host.
    assert seen["timeout_worker_healthcheck"] >= 30
    assert seen["http"] is server.NoDelayHttpToolsProtocol

"""HTTP surface: envelope, request ids, security headers, limits, health probes."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fastapi.routing import APIRoute
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, Field

from grins_platform.core.config import Settings
from grins_platform.core.errors import ConflictError, NotFoundError
from grins_platform.main import create_app
from tests.conftest import LogCapture

pytestmark = pytest.mark.api
UNMIGRATED = f"grins_unmigrated_{os.getpid()}"


class Thing(BaseModel):
    name: str = Field(min_length=1)
    zones: int = Field(ge=1, le=99)


def _with_probe_routes(app: FastAPI) -> FastAPI:
    @app.post("/probe/things", status_code=201)
    async def create_thing(thing: Thing) -> Thing:  # pyright: ignore[reportUnusedFunction]
        return thing

    @app.get("/probe/boom")
    async def boom() -> None:  # pyright: ignore[reportUnusedFunction]
        msg = "database password is hunter2 at 10.0.0.5"
        raise RuntimeError(msg)

    @app.get("/probe/missing")
    async def missing() -> None:  # pyright: ignore[reportUnusedFunction]
        raise NotFoundError("customer not found")

    @app.get("/probe/conflict")
    async def conflict() -> None:  # pyright: ignore[reportUnusedFunction]
        raise ConflictError("phone already used", existing_id="abc")

    return app


@pytest.fixture
async def probe_client(test_settings: Settings) -> AsyncIterator[AsyncClient]:
    settings = test_settings.model_copy(
        update={
            "max_request_body_bytes": 2048,
            "cors_origins": ["https://office.example"],
        }
    )
    app = _with_probe_routes(create_app(settings, configure_logs=False))
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app, raise_app_exceptions=False),
            base_url="http://testserver",
        ) as client,
    ):
        yield client


async def test_health_is_public_and_cheap(probe_client: AsyncClient) -> None:
    response = await probe_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_everything_is_up(probe_client: AsyncClient) -> None:
    response = await probe_client.get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "ok",
        "migrations": "ok",
    }


async def _ready_with(settings: Settings) -> tuple[int, dict[str, object]]:
    app = create_app(settings, configure_logs=False)
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://testserver"
        ) as client,
    ):
        response = await client.get("/ready")
        return response.status_code, response.json()


async def test_ready_503_when_redis_unreachable(test_settings: Settings) -> None:
    status, body = await _ready_with(
        test_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    )
    assert status == 503
    assert body["error"] == "service_unavailable"
    assert "redis" in str(body["detail"])
    assert body["checks"] == {
        "database": "ok",
        "redis": "unreachable (ConnectionError)",
        "migrations": "ok",
    }
    assert body["request_id"]


async def test_ready_503_when_database_url_wrong(test_settings: Settings) -> None:
    wrong = "postgresql+asyncpg://postgres@127.0.0.1:1/grins_test"
    status, body = await _ready_with(
        test_settings.model_copy(update={"database_url": wrong})
    )
    assert status == 503
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["database"].startswith("unreachable")
    assert checks["redis"] == "ok"
    assert "127.0.0.1" not in str(body)  # names the component, not the address


async def test_ready_503_when_migrations_not_at_head(
    test_settings: Settings, tmp_path: object
) -> None:
    import asyncpg  # type: ignore[import-untyped]  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    assert test_settings.database_url is not None
    url = make_url(test_settings.database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{UNMIGRATED}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{UNMIGRATED}"')
        empty = url.set(database=UNMIGRATED).render_as_string(hide_password=False)
        status, body = await _ready_with(
            test_settings.model_copy(update={"database_url": empty})
        )
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{UNMIGRATED}" WITH (FORCE)')
        await conn.close()
    assert status == 503
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["migrations"].startswith("not at head (database at none")


async def test_request_id_is_echoed_and_on_every_log_line(
    probe_client: AsyncClient, logs: LogCapture
) -> None:
    rid = "req-0123456789abcdef"
    response = await probe_client.get("/ready", headers={"X-Request-ID": rid})
    assert response.headers["x-request-id"] == rid
    lines = [line for line in logs.since_mark() if line.get("request_id") == rid]
    events = {line["event"] for line in lines}
    assert "api.request.handle_completed" in events
    assert any(e.startswith("database.query.") for e in events)  # service-level lines
    access = next(x for x in lines if x["event"] == "api.request.handle_completed")
    assert access["route"] == "/ready"
    assert access["method"] == "GET"
    assert access["status_code"] == 200
    assert isinstance(access["duration_ms"], float)


@pytest.mark.parametrize("bad", ["short", "has spaces in it", "x" * 200, "<script>"])
async def test_malformed_request_id_is_replaced(
    probe_client: AsyncClient, bad: str
) -> None:
    response = await probe_client.get("/health", headers={"X-Request-ID": bad})
    rid = response.headers["x-request-id"]
    assert rid != bad
    assert len(rid) == 36


async def test_404_and_405_use_the_envelope(probe_client: AsyncClient) -> None:
    response = await probe_client.get("/nope")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"error", "detail", "request_id"}
    assert body["error"] == "not_found"
    assert body["request_id"] == response.headers["x-request-id"]
    response = await probe_client.delete("/health")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


async def test_domain_errors_map_to_status(probe_client: AsyncClient) -> None:
    response = await probe_client.get("/probe/missing")
    assert response.status_code == 404
    assert response.json()["detail"] == "customer not found"
    response = await probe_client.get("/probe/conflict")
    assert response.status_code == 409
    assert response.json()["existing_id"] == "abc"


async def test_422_names_field_and_reason(probe_client: AsyncClient) -> None:
    response = await probe_client.post("/probe/things", json={"name": "", "zones": 500})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    fields = {item["field"]: item["message"] for item in body["detail"]}
    assert set(fields) == {"name", "zones"}
    assert "at least 1 character" in fields["name"]
    assert "less than or equal to 99" in fields["zones"]


async def test_malformed_json_is_422_not_500(probe_client: AsyncClient) -> None:
    response = await probe_client.post(
        "/probe/things",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


async def test_500_reveals_nothing_internal(
    probe_client: AsyncClient, logs: LogCapture
) -> None:
    response = await probe_client.get("/probe/boom")
    assert response.status_code == 500
    body = response.json()
    assert body == {
        "error": "internal_error",
        "detail": "internal server error",
        "request_id": response.headers["x-request-id"],
    }
    assert "hunter2" not in response.text
    assert any(x["event"] == "api.request.unhandled_failed" for x in logs.since_mark())


async def test_body_over_limit_is_413(probe_client: AsyncClient) -> None:
    big = {"name": "x" * 5000, "zones": 3}
    response = await probe_client.post("/probe/things", json=big)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


async def test_streamed_body_over_limit_is_413(probe_client: AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 1000

    response = await probe_client.post(
        "/probe/things", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_small_body_passes(probe_client: AsyncClient) -> None:
    response = await probe_client.post("/probe/things", json={"name": "a", "zones": 4})
    assert response.status_code == 201
    assert response.json() == {"name": "a", "zones": 4}


async def test_security_headers_present(probe_client: AsyncClient) -> None:
    response = await probe_client.get("/health")
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in headers["content-security-policy"]
    docs = await probe_client.get("/docs")
    assert docs.status_code == 200
    assert "content-security-policy" not in docs.headers  # Swagger UI needs its assets


async def test_cors_from_settings(probe_client: AsyncClient) -> None:
    allowed = await probe_client.options(
        "/health",
        headers={
            "Origin": "https://office.example",
            "Access-Control-Request-Method": "GET",
        },
    )
    assert allowed.headers["access-control-allow-origin"] == "https://office.example"
    other = await probe_client.get(
        "/health", headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


async def test_openapi_is_served(probe_client: AsyncClient) -> None:
    response = await probe_client.get("/openapi.json")
    assert response.status_code == 200
    assert "/ready" in response.json()["paths"]


def test_every_route_is_registered_once(test_settings: Settings) -> None:
    import warnings  # noqa: PLC0415

    app = create_app(test_settings, configure_logs=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        schema = app.openapi()
    duplicates = [
        str(w.message) for w in caught if "Duplicate Operation ID" in str(w.message)
    ]
    assert duplicates == []
    assert len(schema["paths"]) > 40


async def test_spreadsheet_uploads_have_their_own_body_limit(
    app_client: AsyncClient,
) -> None:
    big = b"name,phone\n" + b"x" * (2 * 1_048_576)
    upload = await app_client.post(
        "/api/v1/imports/customers", content=big, headers={"content-type": "text/csv"}
    )
    assert upload.status_code == 401  # past the size check, stopped by auth
    other = await app_client.post(
        "/api/v1/customers", content=big, headers={"content-type": "application/json"}
    )
    assert other.status_code == 413


def test_no_path_of_one_router_matches_a_route_of_another(
    test_settings: Settings,
) -> None:
    """Router order is tuned for speed; it must never decide which route answers."""
    app = create_app(test_settings, configure_logs=False)
    routes: list[tuple[int, str, set[str]]] = []
    for included in app.routes:
        original = getattr(included, "original_router", None)
        if original is None:
            continue
        prefix: str = included.include_context.prefix  # type: ignore[attr-defined]
        routes += [
            (id(original), prefix + route.path, set(route.methods or ()))
            for route in original.routes
            if isinstance(route, APIRoute)
        ]
    assert len(routes) > 50
    for owner, template, methods in routes:
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
        for other_owner, other, other_methods in routes:
            if owner == other_owner or not methods & other_methods:
                continue
            concrete = re.sub(r"\{[^}]+\}", "x1", other)
            assert not pattern.match(concrete), (template, other)

"""Admission control: at most ``limit`` requests run at once, the rest wait in order."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from starlette.types import Message, Receive, Scope, Send

from grins_platform.core.admission import QUEUE_SERIES, ConcurrencyLimitMiddleware
from grins_platform.core.config import Settings
from grins_platform.core.metrics import METRICS
from grins_platform.main import create_app


class GatedApp:
    """An ASGI app whose requests block until released; it records who ran when."""

    def __init__(self) -> None:
        self.running = 0
        self.most_running = 0
        self.order: list[str] = []
        self.gate = asyncio.Event()

    async def __call__(self, scope: Scope, _receive: Receive, send: Send) -> None:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        self.order.append(scope["path"])
        try:
            await self.gate.wait()
        finally:
            self.running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _client(app: ConcurrencyLimitMiddleware) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://t")


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_no_more_than_limit_requests_run_and_the_rest_start_in_order() -> None:
    inner = GatedApp()
    limited = ConcurrencyLimitMiddleware(inner, limit=2, queue_timeout=5)
    async with _client(limited) as client:
        tasks: list[asyncio.Task[object]] = []
        for i in range(6):
            tasks.append(asyncio.create_task(client.get(f"/r{i}")))
            await _settle()  # arrive one after another
        assert inner.running == 2
        assert limited.in_flight == 2
        assert inner.order == ["/r0", "/r1"]
        inner.gate.set()
        responses = await asyncio.gather(*tasks)
    assert [r.status_code for r in responses] == [200] * 6  # type: ignore[attr-defined]
    assert inner.most_running == 2
    assert inner.order == [f"/r{i}" for i in range(6)]
    assert limited.in_flight == 0


async def test_a_request_that_waits_too_long_gets_503_overloaded() -> None:
    inner = GatedApp()
    limited = ConcurrencyLimitMiddleware(inner, limit=1, queue_timeout=0.05)
    async with _client(limited) as client:
        first = asyncio.create_task(client.get("/slow"))
        await _settle()
        refused = await client.get("/queued")
        inner.gate.set()
        assert (await first).status_code == 200
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    body = refused.json()
    assert body["error"] == "overloaded"
    assert "busy" in body["detail"]
    assert inner.order == ["/slow"]  # the refused request never reached the app
    assert limited.in_flight == 0


async def test_a_slot_is_given_back_when_the_request_fails() -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    limited = ConcurrencyLimitMiddleware(broken, limit=1, queue_timeout=0.05)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            await limited({"type": "http", "path": "/"}, _never, _discard)
    assert limited.in_flight == 0


async def _never() -> dict[str, object]:
    raise AssertionError("not read")


async def _discard(message: object) -> None:
    return None


async def test_queue_wait_is_recorded_for_every_request() -> None:
    inner = GatedApp()
    inner.gate.set()
    limited = ConcurrencyLimitMiddleware(inner, limit=1, queue_timeout=1)
    before = METRICS.snapshot(QUEUE_SERIES)
    async with _client(limited) as client:
        await asyncio.gather(*(client.get(f"/q{i}") for i in range(4)))
    assert METRICS.snapshot(QUEUE_SERIES) - before == 4


async def test_lifespan_and_other_scopes_pass_through_without_a_slot() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    limited = ConcurrencyLimitMiddleware(app, limit=1, queue_timeout=0.01)
    await limited({"type": "lifespan"}, _never, _discard)
    await limited({"type": "websocket"}, _never, _discard)
    assert seen == ["lifespan", "websocket"]
    assert limited.in_flight == 0


def test_the_same_app_serves_a_second_event_loop() -> None:
    """A semaphore is bound to the loop that first waited on it; each loop gets one."""
    inner = GatedApp()
    limited = ConcurrencyLimitMiddleware(inner, limit=1, queue_timeout=1)

    async def two_at_once() -> list[int]:
        inner.gate = asyncio.Event()
        async with _client(limited) as client:
            first = asyncio.create_task(client.get("/a"))
            await _settle()
            second = asyncio.create_task(client.get("/b"))
            await _settle()
            inner.gate.set()
            return [(await first).status_code, (await second).status_code]

    results: list[list[int]] = []

    def run() -> None:
        results.append(asyncio.run(two_at_once()))

    for _ in range(2):
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    assert results == [[200, 200], [200, 200]]


class BodyRecorder:
    """An ASGI app that reads the whole body and answers with what it read."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.bodies[scope["path"]] = body
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


def _scope(path: str, length: int | None = None) -> Scope:
    headers = [] if length is None else [(b"content-length", str(length).encode())]
    return {"type": "http", "method": "POST", "path": path, "headers": headers}


async def _empty_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _receiving(*messages: Message) -> Receive:
    """A ``receive`` that hands out ``messages`` in order."""
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0)

    return receive


def _sender(into: list[Message]) -> Send:
    async def send(message: Message) -> None:
        into.append(message)

    return send


async def test_a_slow_body_is_read_before_the_request_takes_a_slot() -> None:
    """A client trickling its body in must not block the worker's other requests."""
    app = BodyRecorder()
    limited = ConcurrencyLimitMiddleware(app, limit=1, queue_timeout=0.05)
    rest_of_body = asyncio.Event()
    chunks: list[Message] = [
        {"type": "http.request", "body": b"01234", "more_body": True},
        {"type": "http.request", "body": b"56789", "more_body": False},
    ]

    async def trickle() -> Message:
        if len(chunks) == 1:
            await rest_of_body.wait()
        return chunks.pop(0)

    slow_sent: list[Message] = []
    slow = asyncio.create_task(
        limited(_scope("/slow", 10), trickle, _sender(slow_sent))
    )
    await _settle()
    assert limited.in_flight == 0  # still receiving: no slot taken
    quick_sent: list[Message] = []
    await limited(_scope("/quick"), _empty_body, _sender(quick_sent))  # not refused
    assert quick_sent[0]["status"] == 200
    rest_of_body.set()
    await slow
    assert app.bodies == {"/quick": b"", "/slow": b"0123456789"}
    assert slow_sent[1]["body"] == b"0123456789"
    assert limited.in_flight == 0


async def test_a_client_that_leaves_while_sending_reaches_no_app() -> None:
    app = BodyRecorder()
    limited = ConcurrencyLimitMiddleware(app, limit=1, queue_timeout=1)
    leaving = _receiving(
        {"type": "http.request", "body": b"01", "more_body": True},
        {"type": "http.disconnect"},
    )
    sent: list[Message] = []
    await limited(_scope("/gone", 10), leaving, _sender(sent))
    assert app.bodies == {}
    assert sent == []
    assert limited.in_flight == 0


async def test_after_the_body_the_app_still_hears_a_disconnect() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((await receive())["type"])
        seen.append((await receive())["type"])

    limited = ConcurrencyLimitMiddleware(app, limit=1, queue_timeout=1)
    receive = _receiving(
        {"type": "http.request", "body": b"x", "more_body": False},
        {"type": "http.disconnect"},
    )
    await limited(_scope("/x", 1), receive, _discard)
    assert seen == ["http.request", "http.disconnect"]


async def test_exempt_paths_take_no_slot() -> None:
    inner = GatedApp()
    limited = ConcurrencyLimitMiddleware(
        inner, limit=1, queue_timeout=0.05, exempt_prefixes=("/api/v1/imports/",)
    )
    async with _client(limited) as client:
        held = asyncio.create_task(client.get("/held"))
        await _settle()
        upload = asyncio.create_task(client.get("/api/v1/imports/customers"))
        await _settle()
        assert inner.order == ["/held", "/api/v1/imports/customers"]
        inner.gate.set()
        assert (await upload).status_code == 200
        assert (await held).status_code == 200


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ConcurrencyLimitMiddleware(GatedApp(), limit=0, queue_timeout=1)


@pytest.fixture
async def one_slot_client(test_settings: Settings) -> AsyncIterator[AsyncClient]:
    settings = test_settings.model_copy(
        update={"request_concurrency": 1, "request_queue_timeout": 0.05}
    )
    app: FastAPI = create_app(settings, configure_logs=False)

    @app.get("/_test/hold")
    async def hold() -> dict[str, bool]:  # pyright: ignore[reportUnusedFunction]
        await asyncio.sleep(0.5)
        return {"held": True}

    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://testserver"
        ) as client,
    ):
        yield client


async def test_the_app_refuses_with_the_error_envelope_and_request_id(
    one_slot_client: AsyncClient,
) -> None:
    held = asyncio.create_task(one_slot_client.get("/_test/hold"))
    await asyncio.sleep(0.05)
    refused = await one_slot_client.get(
        "/health", headers={"X-Request-ID": "queued-request-1"}
    )
    assert (await held).json() == {"held": True}
    assert refused.status_code == 503
    assert refused.headers["x-request-id"] == "queued-request-1"
    assert refused.headers["retry-after"] == "1"
    assert refused.json() == {
        "error": "overloaded",
        "detail": "the server is busy; retry in a moment",
        "request_id": "queued-request-1",
    }
    assert refused.headers["x-content-type-options"] == "nosniff"

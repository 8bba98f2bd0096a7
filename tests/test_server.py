"""The serving path turns Nagle's algorithm off on every accepted TCP connection."""

from __future__ import annotations

import asyncio
import gc
import socket
from typing import Any

import pytest

from grins_platform.core.server import (
    GC_GEN0_THRESHOLD,
    NoDelayHttpToolsProtocol,
    set_nodelay,
    tune_gc_for_serving,
)

pytestmark = pytest.mark.unit


async def test_accepted_connections_get_tcp_nodelay() -> None:
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            sock_obj = socket.socket(fileno=sock.fileno())  # what a worker would see
            try:
                sock_obj.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
                set_nodelay(transport)
                seen.append(sock_obj.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            finally:
                sock_obj.detach()
            transport.close()

    loop = asyncio.get_running_loop()
    server = await loop.create_server(Probe, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(50):
        if seen:
            break
        await asyncio.sleep(0.01)
    writer.close()
    server.close()
    assert seen == [1]


def test_protocol_class_is_uvicorns_with_the_fix() -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol  # noqa: PLC0415

    assert issubclass(NoDelayHttpToolsProtocol, HttpToolsProtocol)
    assert "connection_made" in NoDelayHttpToolsProtocol.__dict__
    assert "on_headers_complete" in NoDelayHttpToolsProtocol.__dict__


def test_serving_gc_tuning_freezes_startup_objects_and_raises_gen0() -> None:
    before = gc.get_threshold()
    try:
        thresholds = tune_gc_for_serving()
        assert thresholds[0] == GC_GEN0_THRESHOLD
        assert thresholds[1:] == before[1:]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_a_connection_is_closed_after_its_request_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn  # noqa: PLC0415

    from grins_platform.core import server as serving  # noqa: PLC0415

    monkeypatch.setattr(serving, "KEEPALIVE_REQUESTS", 3)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"content-length", b"2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, http=NoDelayHttpToolsProtocol,
        log_config=None, access_log=False, lifespan="off",
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn's flag, no event to wait on
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers: list[bytes] = []
    try:
        for _ in range(3):
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(2)
            answers.append(head.lower())
        assert [b"connection: close" in a for a in answers] == [False, False, True]
        assert await reader.read() == b""  # the server closed it
    finally:
        writer.close()
        server.should_exit = True
        await task

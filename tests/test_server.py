"""The serving path turns Nagle's algorithm off on every accepted TCP connection."""

from __future__ import annotations

import asyncio
import gc
import socket

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

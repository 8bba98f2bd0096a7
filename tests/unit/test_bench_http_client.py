"""The bench's light HTTP/1.1 client against a tiny scripted asyncio server."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from http_client import (  # type: ignore[import-not-found]
    HttpClientError,
    HttpConnection,
)

pytestmark = pytest.mark.unit

# What the server does with one request: the bytes to send back, and whether to close
# the connection afterwards.
Reply = Callable[["Seen"], tuple[bytes, bool]]


@dataclass
class Seen:
    """One request as the server read it."""

    connection: int
    head: list[str]
    body: bytes

    @property
    def headers(self) -> dict[str, str]:
        pairs = (line.split(":", 1) for line in self.head[1:])
        return {name.strip().lower(): value.strip() for name, value in pairs}


@dataclass
class ScriptedServer:
    """Answers the n-th request with ``replies[n]`` (the last one repeats)."""

    replies: list[Reply]
    requests: list[Seen] = field(default_factory=list[Seen])
    connections: int = 0
    port: int = 0

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        number = self.connections
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                lines = head[:-4].decode().split("\r\n")
                seen = Seen(number, lines, b"")
                length = int(seen.headers.get("content-length", "0"))
                seen.body = await reader.readexactly(length)
                self.requests.append(seen)
                reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
                data, close = reply(seen)
                for start in range(0, len(data), 7):  # arrive in small pieces
                    writer.write(data[start : start + 7])
                    await writer.drain()
                if close:
                    return
        finally:
            writer.close()


def ok(body: bytes, *extra: str) -> Reply:
    head = "\r\n".join(("HTTP/1.1 200 OK", f"content-length: {len(body)}", *extra))
    return lambda _seen: (head.encode() + b"\r\n\r\n" + body, False)


def closing(reply: Reply) -> Reply:
    """``reply``, then the server closes the connection without saying so."""
    return lambda seen: (reply(seen)[0], True)


async def started(server: ScriptedServer) -> asyncio.Server:
    running = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = running.sockets[0].getsockname()[1]
    return running


async def run_against(
    server: ScriptedServer, calls: int, method: str = "GET", body: object = None
) -> tuple[Any, list[Any]]:
    running = await started(server)
    conn = HttpConnection(
        f"http://127.0.0.1:{server.port}", {"Authorization": "Bearer t0ken"}
    )
    try:
        responses = [
            await conn.request(method, "/api/v1/jobs", body) for _ in range(calls)
        ]
    finally:
        await conn.close()
        running.close()
        await running.wait_closed()
    return conn, responses


async def test_content_length_body_and_request_bytes() -> None:
    server = ScriptedServer([ok(b'{"id": "j-1"}', "content-type: application/json")])
    _conn, [response] = await run_against(server, 1, "POST", {"zone_count": 6})
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"id": "j-1"}
    [seen] = server.requests
    assert seen.head[0] == "POST /api/v1/jobs HTTP/1.1"
    assert seen.headers["host"] == f"127.0.0.1:{server.port}"
    assert seen.headers["authorization"] == "Bearer t0ken"
    assert seen.headers["connection"] == "keep-alive"
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["content-length"] == str(len(seen.body))
    assert json.loads(seen.body) == {"zone_count": 6}


async def test_get_has_no_body_headers() -> None:
    server = ScriptedServer([ok(b"")])
    _conn, [response] = await run_against(server, 1)
    assert response.body == b""
    [seen] = server.requests
    assert "content-length" not in seen.headers
    assert "content-type" not in seen.headers


async def test_chunked_body_with_extension_and_trailer() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n"
        b"1\r\n \r\n"
        b"10\r\n" + b"w" * 16 + b"\r\n"
        b"0\r\nx-trailer: yes\r\n\r\n"
    )
    server = ScriptedServer([lambda _seen: (chunked, False), ok(b"next")])
    conn, [first, second] = await run_against(server, 2)
    assert first.body == b"hello " + b"w" * 16
    assert second.body == b"next"  # the trailer was consumed, the stream is in step
    assert conn.connects == 1


async def test_keep_alive_reuses_one_connection() -> None:
    server = ScriptedServer([ok(b"a"), ok(b"bb"), ok(b"ccc")])
    conn, responses = await run_against(server, 5)
    assert [r.body for r in responses] == [b"a", b"bb", b"ccc", b"ccc", b"ccc"]
    assert server.connections == 1
    assert conn.connects == 1
    assert {seen.connection for seen in server.requests} == {1}


async def test_reconnects_after_the_server_closed_an_idle_connection() -> None:
    server = ScriptedServer([closing(ok(b"first")), ok(b"second")])
    running = await started(server)
    conn = HttpConnection(f"http://127.0.0.1:{server.port}")
    try:
        assert (await conn.request("GET", "/a")).body == b"first"
        await asyncio.sleep(0.05)  # the close reaches the client meanwhile
        assert (await conn.request("POST", "/b", {"n": 1})).body == b"second"
        assert (await conn.request("GET", "/c")).body == b"second"
    finally:
        await conn.close()
        running.close()
    assert server.connections == 2
    assert conn.connects == 2
    assert [s.head[0].split()[1] for s in server.requests] == ["/a", "/b", "/c"]


async def test_connection_close_header_opens_a_new_connection() -> None:
    server = ScriptedServer([closing(ok(b"bye", "connection: close")), ok(b"hi")])
    conn, responses = await run_against(server, 2)
    assert [r.body for r in responses] == [b"bye", b"hi"]
    assert conn.connects == 2


async def test_error_status_is_a_response_not_an_exception() -> None:
    body = b'{"detail": "' + b"x" * 300 + b'"}'
    server = ScriptedServer(
        [lambda _seen: (b"HTTP/1.1 404 Not Found\r\ncontent-length: %d\r\n\r\n%s"
                        % (len(body), body), False),
         lambda _seen: (b"HTTP/1.1 204 No Content\r\n\r\n", False),
         ok(b"after")]
    )  # fmt: skip
    conn, [missing, empty, after] = await run_against(server, 3)
    assert missing.status == 404
    assert missing.text.startswith('{"detail": "xxx')
    assert (empty.status, empty.body) == (204, b"")
    assert after.body == b"after"
    assert conn.connects == 1


async def test_refused_connection_raises() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: refused
        conn = HttpConnection(f"http://127.0.0.1:{port}")
        with pytest.raises(HttpClientError, match="ConnectionRefusedError"):
            await conn.request("GET", "/health")


async def test_a_fresh_connection_closed_without_answer_raises() -> None:
    server = ScriptedServer([lambda _seen: (b"", True)])
    with pytest.raises(HttpClientError, match="IncompleteReadError"):
        await run_against(server, 1)
    assert server.connections == 1  # a fresh connection is not retried


async def test_truncated_body_raises_and_the_next_request_reconnects() -> None:
    server = ScriptedServer(
        [lambda _seen: (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort", True),
         ok(b"whole")]
    )  # fmt: skip
    running = await started(server)
    conn = HttpConnection(f"http://127.0.0.1:{server.port}")
    try:
        with pytest.raises(HttpClientError):
            await conn.request("GET", "/a")
        assert (await conn.request("GET", "/b")).body == b"whole"
    finally:
        await conn.close()
        running.close()
    assert conn.connects == 2


async def test_socket_has_tcp_nodelay() -> None:
    server = ScriptedServer([ok(b"")])
    running = await started(server)
    conn = HttpConnection(f"http://127.0.0.1:{server.port}")
    try:
        await conn.request("GET", "/")
        sock = conn._writer.get_extra_info("socket")
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        await conn.close()
        running.close()


def test_only_plain_http_urls() -> None:
    with pytest.raises(ValueError, match="only http"):
        HttpConnection("https://example.org")

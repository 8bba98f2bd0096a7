"""A minimal asyncio HTTP/1.1 keep-alive client for the load generator.

The 2 cores of the bench machine are shared by PostgreSQL, the 2 API workers and the
generator, so the generator's own CPU shows up in the latencies it measures. httpx
spent 1.2-1.8 ms of CPU per request in api_bench at 10 clients (0.7-1.0 ms against a
trivial server); this client about 0.3 ms (0.04 ms against the trivial server).

It does only what the bench needs: one persistent connection (``TCP_NODELAY``),
hand-built request bytes, a JSON body, and a response with a ``Content-Length`` or
chunked body. It reconnects when the server has closed the connection (a keep-alive
timeout, ``Connection: close``).

    conn = HttpConnection("http://127.0.0.1:8000", {"Authorization": "Bearer ..."})
    response = await conn.request("POST", "/api/v1/jobs", {"property_id": "..."})
    await conn.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

T = TypeVar("T")

_NO_BODY_STATUSES = frozenset({204, 304})
_SAFE = "/?&=%:@!$'()*+,;-._~"  # characters left as they are in a path and query


class HttpClientError(Exception):
    """The request got no complete HTTP response (connection, protocol, timeout)."""


@dataclass(slots=True)
class Response:
    """Status, headers (names lower-cased) and the whole body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced)."""
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class HttpConnection:
    """One keep-alive HTTP/1.1 connection; requests are sent one at a time."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"only http://host[:port] URLs are supported: {base_url}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self.connects = 0
        host_header = self.host if self.port == 80 else f"{self.host}:{self.port}"
        lines = [f"Host: {host_header}", "Connection: keep-alive"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self._head_tail = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, json_body: Any = None) -> Response:
        """Send one request and read its response (reconnecting once if stale).

        Raises:
            HttpClientError: no complete response (connection refused or reset,
                malformed response, timeout).
        """
        if not path.isascii():
            path = quote(path, safe=_SAFE)
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._head_tail
        if json_body is None:
            data = head + b"\r\n"
        else:
            body = json.dumps(json_body, separators=(",", ":")).encode()
            data = b"".join((head, b"Content-Type: application/json\r\n",
                             b"Content-Length: %d\r\n\r\n" % len(body), body))  # fmt: skip
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(data, head_only=method == "HEAD")
        except HttpClientError:
            self._drop()
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError, TimeoutError) as exc:  # fmt: skip
            self._drop()
            raise HttpClientError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, data: bytes, *, head_only: bool) -> Response:
        reused = self._writer is not None
        reader, writer = await self._stream()
        writer.write(data)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            # A kept-alive connection the server closed meanwhile (not one byte of
            # an answer): the request was not processed, so send it once more.
            partial = getattr(exc, "partial", b"")
            if not reused or partial:
                raise
            self._drop()
            reader, writer = await self._stream()
            writer.write(data)
            head = await reader.readuntil(b"\r\n\r\n")
        return await self._read_response(reader, head, head_only=head_only)

    async def _stream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            reader, writer = await asyncio.open_connection(self.host, self.port)
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._reader, self._writer = reader, writer
            self.connects += 1
        return self._reader, self._writer

    async def _read_response(
        self, reader: asyncio.StreamReader, head: bytes, *, head_only: bool
    ) -> Response:
        lines = head[:-4].split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        if not version.startswith(b"HTTP/1.") or not rest[:3].isdigit():
            raise HttpClientError(f"not an HTTP/1.x status line: {lines[0]!r}")
        status = int(rest[:3])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            key = name.strip().lower().decode("latin-1")
            text = value.strip().decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        connection = headers.get("connection", "").lower()
        close = "close" in connection or (
            version == b"HTTP/1.0" and "keep-alive" not in connection
        )
        if head_only or status in _NO_BODY_STATUSES or 100 <= status < 200:
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        else:
            body = await reader.read()  # delimited by the end of the connection
            close = True
        if close:
            self._drop()
        return Response(status, headers, body)

    def _drop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def close(self) -> None:
        """Close the connection (a later request opens a new one)."""
        writer = self._writer
        self._drop()
        if writer is not None:
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body: hex size lines, each chunk and its CRLF, then trailers."""
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            break
        chunk = await reader.readexactly(size + 2)
        if chunk[-2:] != b"\r\n":
            raise HttpClientError("chunk not followed by CRLF")
        parts.append(chunk[:-2])
    while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers, then CRLF
        pass
    return b"".join(parts)


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop when it is installed (less CPU per request), else asyncio."""
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)

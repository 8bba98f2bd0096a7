"""Running the API under uvicorn: TCP_NODELAY on, a request limit per connection.

With ``--workers N`` (N > 1) uvicorn hands the listening socket to child processes,
where asyncio no longer recognises it as TCP and leaves Nagle's algorithm on: every
keep-alive response after the first then waits ~40 ms for a delayed ACK (uvicorn issue
#3149). Our protocol classes set ``TCP_NODELAY`` themselves when a connection is made,
whatever the process layout.
"""

from __future__ import annotations

import asyncio
import gc
import socket
from typing import Any, cast

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import (
    HttpToolsProtocol,
    RequestResponseCycle,
)

WORKER_HEALTHCHECK_SECONDS = 60
KEEPALIVE_REQUESTS = 100
"""Requests per keep-alive connection before the answer says ``Connection: close``.

nginx's ``keepalive_requests`` for uvicorn, which has none. With ``--workers N`` a
connection belongs to whichever worker accepted it, for as long as it lives: ten
clients connecting at once were split 7/3 between two workers, and the busier one's
answers made the 10-client p95 twice the p50 (BENCHMARKS.md). A client reconnects
every 100 requests (browsers and HTTP libraries do so by themselves), and a new
connection is accepted by whichever worker gets to it first, mostly the less busy
one, so the load evens out. 0 = no limit."""
GC_GEN0_THRESHOLD = 50_000


def tune_gc_for_serving() -> tuple[int, int, int]:
    """Fewer, cheaper garbage collections in a serving process; the new thresholds.

    Everything alive once the app has started (modules, routes, SQLAlchemy's mappers
    and statement cache) moves to the permanent generation (``gc.freeze``), so full
    collections stop walking it, and the youngest generation is collected every
    50,000 allocations instead of 700. A request allocates thousands of short-lived
    objects (ORM rows, Pydantic models) that reference counting frees anyway; with
    25 requests in flight per worker the default thresholds spent ~11 % of the
    worker's time in the collector (py-spy). Cycles are still collected.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)
    return gc.get_threshold()


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off for a TCP transport (no-op for Unix sockets)."""
    sock: socket.socket | None = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # pragma: no cover - closed before we got to it
        return


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, ``TCP_NODELAY`` on, a request limit per connection.

    At most ``KEEPALIVE_REQUESTS`` requests are served per connection.
    """

    served = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Set ``TCP_NODELAY``, then let uvicorn set the connection up."""
        set_nodelay(transport)
        self.served = 0
        super().connection_made(transport)

    def on_headers_complete(self) -> None:
        """Start the request; the ``KEEPALIVE_REQUESTS``-th answers ``close``."""
        super().on_headers_complete()
        # An upgrade (WebSocket) made no new cycle: none yet, or the last one, done.
        cycle = cast("RequestResponseCycle | None", self.cycle)
        if cycle is None or cycle.response_complete:
            return
        self.served += 1
        if KEEPALIVE_REQUESTS and self.served >= KEEPALIVE_REQUESTS:
            cycle.keep_alive = False


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with ``TCP_NODELAY`` forced on."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Set ``TCP_NODELAY``, then let uvicorn set the connection up."""
        set_nodelay(transport)
        super().connection_made(transport)


def run_server(
    *, host: str, port: int, workers: int, reload: bool, **extra: Any
) -> None:
    """Serve ``create_app`` with uvicorn (one process, N workers, or with reload)."""
    import uvicorn  # noqa: PLC0415

    uvicorn.run(
        "grins_platform.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        reload_dirs=["src"] if reload else None,
        http=NoDelayHttpToolsProtocol,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=10,
        # A spawned worker re-imports the app (~2 s, much more on a busy host) before
        # it answers the supervisor's ping; uvicorn's 5 s default then kills and
        # respawns workers in a loop and the server never serves.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **extra,
    )

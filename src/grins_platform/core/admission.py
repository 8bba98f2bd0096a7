"""Admission control: at most ``limit`` requests of one worker run at once.

A worker is one event loop. Every ``await`` on the database or Redis costs the
waiting request one turn of that loop, and a turn runs the next step of *every*
request that is ready. With 25 requests in flight on a worker (50 office clients on
two workers) a turn took 15-40 ms of CPU, so a 0.5 ms Redis GET was timed at 38 ms
and every statement's connection was held as long. The CPU does not get any faster
by interleaving more requests; it only makes each I/O wait longer.

So a request first takes one of ``limit`` slots (FIFO) and waits for one when all are
taken; the rest of the stack (routing, dependencies, the endpoint) runs only once
it holds a slot. The wait is timed into the ``http.queue_wait`` histogram and is part
of the access line's ``duration_ms`` (this middleware sits inside the request-id
middleware), so nothing is hidden: the request's latency is the same sum, spent
queueing instead of interleaved. A request that cannot get a slot within
``queue_timeout`` seconds is answered 503 ``overloaded`` with ``Retry-After``.

A slot is held only while the request is being worked on:

- A request body is read in full *before* the request queues for a slot, so a client
  that sends its body slowly (a slow network, or on purpose) holds no slot. The body
  size limit sits outside this middleware, so what is buffered is bounded.
- Paths under ``exempt_prefixes`` (spreadsheet uploads and exports: large bodies
  streamed to disk, long responses) do not take a slot at all.

Lifespan and websocket scopes pass straight through.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grins_platform.core.errors import error_body
from grins_platform.core.log_config import DomainLogger
from grins_platform.core.metrics import METRICS

QUEUE_SERIES: Final = "http.queue_wait"
RETRY_AFTER_SECONDS: Final = 1

log = DomainLogger("api", "admission")


class ConcurrencyLimitMiddleware:
    """Runs at most ``limit`` HTTP requests at once; the rest wait in arrival order."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        queue_timeout: float,
        exempt_prefixes: tuple[str, ...] = (),
    ) -> None:
        if limit < 1:
            msg = "limit must be at least 1"
            raise ValueError(msg)
        self.app = app
        self.limit = limit
        self.queue_timeout = queue_timeout
        self.exempt_prefixes = exempt_prefixes
        # One semaphore per event loop: an app object can outlive a loop (tests,
        # a restarted server) and an asyncio primitive is bound to the loop that
        # first waited on it.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(limit)

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._slots = asyncio.Semaphore(self.limit)
        return self._slots

    @property
    def in_flight(self) -> int:
        """Requests holding a slot right now (for tests and diagnostics)."""
        return self.limit - self._slots._value  # noqa: SLF001 - no public counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Take a slot (waiting if none is free), run the request, give it back."""
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(
            self.exempt_prefixes
        ):
            await self.app(scope, receive, send)
            return
        if _has_body(scope):
            replay = await _read_body(receive)
            if replay is None:  # the client went away while sending
                return
            receive = replay
        slots = self._semaphore()
        started = time.perf_counter()
        if slots.locked():
            try:
                async with asyncio.timeout(self.queue_timeout):
                    await slots.acquire()
            except TimeoutError:
                METRICS.observe(QUEUE_SERIES, (time.perf_counter() - started) * 1000)
                await self._refuse(scope, send)
                return
        else:
            await slots.acquire()  # a free slot: returns without yielding
        METRICS.observe(QUEUE_SERIES, (time.perf_counter() - started) * 1000)
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _refuse(self, scope: Scope, send: Send) -> None:
        rid = str(scope.get("state", {}).get("request_id", ""))
        log.detected(
            "request_refused",
            reason="queue_timeout",
            waited_s=self.queue_timeout,
            limit=self.limit,
        )
        body = error_body(
            "overloaded",
            "the server is busy; retry in a moment",
            rid or None,
        )
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _has_body(scope: Scope) -> bool:
    """Whether the request announces a body (a length above 0, or chunks)."""
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            return value.strip() not in (b"", b"0")
        if key == b"transfer-encoding":
            return True
    return False


async def _read_body(receive: Receive) -> Receive | None:
    """Read every body message now; a ``receive`` that hands them out again.

    ``None`` when the client disconnected before the body was complete.
    """
    messages: list[Message] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        messages.append(message)
        if not message.get("more_body", False):
            break
    pending = iter(messages)

    async def replay() -> Message:
        for message in pending:
            return message
        return await receive()

    return replay

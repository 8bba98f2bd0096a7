"""Pure-ASGI middleware: request id + access log, body size limit, security headers.

Pure ASGI (not ``BaseHTTPMiddleware``) so context variables bound here reach the
endpoint and every log line it writes, and streaming responses are not buffered.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any, Final, cast

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grins_platform.core.errors import error_body
from grins_platform.core.log_config import get_logger
from grins_platform.db.session import close_request_session

REQUEST_ID_HEADER: Final = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")

access_log = get_logger("grins_platform.api.access")


def _header(scope: Scope, name: bytes) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def _route_template(scope: Scope) -> str:
    """The matched route's template (``/api/v1/jobs/{job_id}``), never the raw path.

    FastAPI routers included with a prefix report the full template in their
    effective route context; plain Starlette routes carry it on ``scope["route"]``.
    """
    raw: object = scope.get("fastapi")
    fastapi_scope = cast("dict[str, object]", raw) if isinstance(raw, dict) else {}
    context = fastapi_scope.get("effective_route_context")
    template: object = getattr(context, "path_format", None)
    if isinstance(template, str):
        return template
    path: object = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


async def _send_json(send: Send, status: int, body: dict[str, Any], rid: str) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (REQUEST_ID_HEADER.encode(), rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RequestContextMiddleware:
    """Gives each request an id, binds it to logs, echoes it, writes the access line.

    A well-formed incoming ``X-Request-ID`` is kept; anything else is replaced by a new
    UUID. An exception that escapes the app becomes the 500 envelope (nothing internal
    revealed) instead of a bare error page.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request with its id bound to the logging context."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER.encode())
        rid = (
            incoming
            if incoming and _VALID_REQUEST_ID.match(incoming)
            else str(uuid.uuid4())
        )
        # This request's own state: a server may hand every request the same
        # lifespan state dict, and the request id and session must not be shared.
        scope["state"] = {**scope.get("state", {}), "request_id": rid}
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - last line of defence: an envelope
            access_log.exception(
                "api.request.unhandled_failed", error=type(exc).__name__
            )
            if not status_holder["started"]:
                status_holder["status"] = 500
                await _send_json(
                    send,
                    500,
                    error_body("internal_error", "internal server error", rid),
                    rid,
                )
        finally:
            state: dict[str, Any] = scope.get("state", {})
            await close_request_session(state)
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            fields: dict[str, Any] = {
                "method": scope.get("method"),
                "route": _route_template(scope),
                "status_code": status_holder["status"],
                "duration_ms": duration_ms,
            }
            user_id = state.get("user_id")
            if user_id is not None:
                fields["user_id"] = str(user_id)
            access_log.info("api.request.handle_completed", **fields)
            structlog.contextvars.clear_contextvars()


class BodySizeLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, declared or streamed.

    ``large_paths`` maps path prefixes (spreadsheet uploads) to their own, larger limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        large_paths: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.large_paths = large_paths or {}

    def _limit(self, scope: Scope) -> int:
        path: str = scope.get("path", "")
        for prefix, limit in self.large_paths.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count streamed bytes as the app reads."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = str(scope.get("state", {}).get("request_id", ""))
        limit = self._limit(scope)
        if self._declared_too_large(scope, limit):
            await _send_json(send, 413, self._body(rid, limit), rid)
            return
        guard = _BodyGuard(receive, send, limit, self._body(rid, limit), rid)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            if guard.rejected:  # the app saw a disconnect: the 413 has been sent
                return
            raise

    @staticmethod
    def _declared_too_large(scope: Scope, limit: int) -> bool:
        declared = _header(scope, b"content-length")
        return declared is not None and declared.isdigit() and int(declared) > limit

    @staticmethod
    def _body(rid: str, limit: int) -> dict[str, Any]:
        return error_body(
            "payload_too_large", f"request body exceeds {limit} bytes", rid or None
        )


class _BodyGuard:
    """Counts body bytes as the app reads them; past the limit answers 413 itself."""

    def __init__(
        self,
        receive: Receive,
        send: Send,
        max_bytes: int,
        body: dict[str, Any],
        rid: str,
    ) -> None:
        self._receive = receive
        self._send = send
        self._max = max_bytes
        self._error_body = body
        self._rid = rid
        self.received = 0
        self.rejected = False

    async def receive(self) -> Message:
        """The next body chunk, or a disconnect once the limit is passed."""
        if self.rejected:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self._max:
                self.rejected = True
                await _send_json(self._send, 413, self._error_body, self._rid)
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        """Pass the app's messages on, unless the request was refused."""
        if not self.rejected:
            await self._send(message)


SECURITY_HEADERS: Final[list[tuple[bytes, bytes]]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
]
_API_CSP: Final = b"default-src 'none'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Adds security headers to every response (a strict CSP outside the docs pages)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        is_docs = path.startswith(("/docs", "/redoc"))

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in SECURITY_HEADERS:
                    if key not in present:
                        headers.append((key, value))
                if not is_docs and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", _API_CSP))
                if self.hsts:
                    headers.append(
                        (
                            b"strict-transport-security",
                            b"max-age=63072000; includeSubDomains",
                        )
                    )
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)

"""Domain errors and their one mapping to HTTP.

Services raise these; they never import FastAPI. ``register_error_handlers`` turns every
error, expected or not, into the envelope ``{"error", "detail", "request_id"}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from grins_platform.core.log_config import get_logger

log = get_logger(__name__)


class AppError(Exception):
    """Base of every error the platform raises on purpose."""

    status_code: ClassVar[int] = status.HTTP_400_BAD_REQUEST
    code: ClassVar[str] = "bad_request"

    def __init__(
        self,
        detail: str | Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.detail: Any = detail if detail is not None else self.default_detail()
        self.headers = dict(headers or {})
        self.extra = extra
        super().__init__(self.detail if isinstance(self.detail, str) else self.code)

    def default_detail(self) -> str:
        """Text used when no detail is given."""
        return self.code.replace("_", " ")


class ValidationFailed(AppError):
    """Input is well-formed JSON but breaks a rule (422)."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    code = "validation_error"

    def __init__(self, field: str, message: str, **extra: Any) -> None:
        super().__init__([{"field": field, "message": message}], **extra)


class AuthenticationError(AppError):
    """Missing or invalid credentials (401)."""

    status_code = status.HTTP_401_UNAUTHORIZED
    code = "not_authenticated"

    def __init__(self, detail: str = "authentication required", **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


class PermissionDenied(AppError):
    """Authenticated but not allowed (403)."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class NotFoundError(AppError):
    """Unknown, or not the caller's (404)."""

    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class ConflictError(AppError):
    """The request conflicts with the current state (409)."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class RateLimited(AppError):
    """Too many requests (429), with ``Retry-After``."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "rate_limited"

    def __init__(self, retry_after: int, detail: str = "too many requests") -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    """A dependency the request needs is down (503)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"


_HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


def request_id_of(request: Request) -> str | None:
    """The id the request-id middleware gave this request."""
    rid = request.scope.get("state", {}).get("request_id")
    return rid if isinstance(rid, str) else None


def error_body(code: str, detail: Any, request_id: str | None) -> dict[str, Any]:
    """The error envelope."""
    return {"error": code, "detail": detail, "request_id": request_id}


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    fields: list[dict[str, str]] = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header", "cookie"}:
            where, rest = loc[0], loc[1:]
        else:
            where, rest = "body", loc
        field = ".".join(rest) if rest else where
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        fields.append({"field": field, "location": where, "message": message})
    return fields


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)  # noqa: S101 - registered for AppError only
    if exc.status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR:
        log.error("api.error.app_failed", error=exc.code)
    body = error_body(exc.code, exc.detail, request_id_of(request))
    for key, value in exc.extra.items():
        body.setdefault(key, value)
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers or None)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    fields = _field_errors(exc)
    log.info(
        "api.validation.request_rejected",
        fields=[f["field"] for f in fields],
    )
    return JSONResponse(
        error_body("validation_error", fields, request_id_of(request)),
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    code = _HTTP_CODES.get(exc.status_code, "error")
    detail: Any = exc.detail or code.replace("_", " ")
    return JSONResponse(
        error_body(code, detail, request_id_of(request)),
        status_code=exc.status_code,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.error("api.request.unhandled_failed", error=type(exc).__name__, exc_info=exc)
    return JSONResponse(
        error_body("internal_error", "internal server error", request_id_of(request)),
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def register_error_handlers(app: FastAPI) -> None:
    """Install the handlers that give every error the same envelope."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)

"""Structured logging: structlog JSON, PII masking, ``LoggerMixin``, ``DomainLogger``.

Event names follow ``{domain}.{component}.{action}_{state}`` (states: started,
completed, failed, validated, rejected, ...). Every record, whether it comes from
structlog, the standard library or uvicorn, goes through one pipeline: request-scoped
context (the request id) is merged in, personal data is masked and secrets are
redacted, then the record is rendered as one JSON line (readable console output in
development).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Mapping, MutableMapping
from typing import IO, Any, ClassVar, Final
from urllib.parse import urlsplit, urlunsplit

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED: Final = "[REDACTED]"

# Keys whose values are secrets: redacted whatever the value (nested values included).
_SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|authorization|auth_header|cookie|api[_-]?key|"
    r"credential|private[_-]?key|signature|jwt|encryption[_-]?key|refresh",
    re.IGNORECASE,
)
# Keys whose values are personal data or access codes: masked whatever the value.
_PII_KEY = re.compile(
    r"^(e?mail|email_address|phone|phones|phone_number|mobile|name|first_name|last_name|"
    r"full_name|customer_name|contact_name|address|street|address_line\d?|"
    r"gate_code|lock_?box_code|lockbox|access_code|alarm_code|card_number|pan)$",
    re.IGNORECASE,
)
# Keys never masked: they are produced by the platform itself, not by people.
_SAFE_KEYS = frozenset(
    {
        "event",
        "timestamp",
        "level",
        "logger",
        "request_id",
        "method",
        "status_code",
        "route",  # a route template from the code, never a raw path
        "series",
    }
)

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
# An ISO date-time that stands on its own (not glued to a digit run that could be a
# phone number), kept readable rather than masked.
_DATETIME = re.compile(
    r"(?<![\d().\-/+])(?<![\d().\-/+]\s)\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"
    r"(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?![\d])"
)
_JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[^\s,;\"']+")
_URL_PASSWORD = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^:/@\s]*):[^@/\s]+@")
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key)(\s*[=:]\s*)[^\s,;&\"']+"
)
_EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")
# Ten or more digits, allowing the separators people type in phone and card numbers.
_LONG_NUMBER = re.compile(r"\+?\d(?:[\s().\-/]{0,3}\d){9,}")
_ACCESS_CODE = re.compile(
    r"(?i)(?<![A-Za-z])(gate|lock\s*-?\s*box|lockbox|key\s*box|door|garage|alarm|access|entry|keypad)"
    r"((?:\s*(?:code|combo|combination|pin|password|number|no\.?|#))*\s*(?:is|was|:|=|-)?\s*)"
    r"#?[A-Za-z0-9*#]*\d[A-Za-z0-9*#]*"
)
_STREET_ADDRESS = re.compile(
    r"(?i)\b\d{1,6}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:[\w'.-]+\s+){0,4}?"
    r"(street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|boulevard|blvd|way|"
    r"circle|cir|place|pl|parkway|pkwy|trail|trl|terrace|ter|highway|hwy|curve|cv|"
    r"path|pass|point|pt|ridge|run|square|sq)\b\.?"
)


# Every pattern above needs a digit, an "@", a "=" or ":", a JWT's "eyJ" or the
# word bearer/basic: text with none of them (event names, enum values, most
# messages) has nothing to mask, and one search says so.
_MAYBE_SENSITIVE = re.compile(r"[\d@=:]|eyJ|(?i:bearer|basic)")

_CARD_DIGITS = range(13, 20)
_MAX_DEPTH = 8


def _mask_number(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return "[card]" if digits in _CARD_DIGITS else "[phone]"


def mask_text(text: str) -> str:
    """Mask personal data and secrets inside free text.

    UUIDs (entity and request ids) are set aside first so their digit runs are not
    mistaken for phone numbers, then restored.
    """
    if not _MAYBE_SENSITIVE.search(text):
        return text
    if _UUID.fullmatch(text):  # an entity id, the commonest value: nothing to mask
        return text
    ids: list[str] = []

    def _park(match: re.Match[str]) -> str:
        ids.append(match.group(0))
        return f"\x00{len(ids) - 1}\x00"

    out = _UUID.sub(_park, text)
    out = _DATETIME.sub(_park, out)
    out = _URL_PASSWORD.sub(r"\1:***@", out)
    out = _JWT.sub("[jwt]", out)
    out = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", out)
    out = _SECRET_ASSIGNMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", out)
    out = _EMAIL.sub("[email]", out)
    out = _ACCESS_CODE.sub(lambda m: f"{m.group(1)}{m.group(2)}[code]", out)
    out = _STREET_ADDRESS.sub("[address]", out)
    out = _LONG_NUMBER.sub(_mask_number, out)
    if ids:
        out = re.sub(r"\x00(\d+)\x00", lambda m: ids[int(m.group(1))], out)
    return out


def _scrub_by_key(value: Any, key: str) -> tuple[bool, Any]:
    """Masking decided by the key alone: (decided, replacement)."""
    if key in _SAFE_KEYS or value in (None, ""):
        return False, value
    if _SECRET_KEY.search(key):
        return True, REDACTED
    if _PII_KEY.match(key):
        return True, "[masked]"
    return False, value


def _scrub(value: Any, key: str | None, depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        return REDACTED
    if key is not None:
        decided, replacement = _scrub_by_key(value, key)
        if decided:
            return replacement
    if isinstance(value, str):
        return mask_text(value)
    return _scrub_container(value, key, depth)


def _scrub_container(value: Any, key: str | None, depth: int) -> Any:
    if isinstance(value, Mapping):
        items: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
        return {k: _scrub(v, str(k), depth + 1) for k, v in items.items()}
    if isinstance(value, list | tuple | set | frozenset):
        seq: list[Any] = list(value)  # pyright: ignore[reportUnknownArgumentType]
        return [_scrub(v, key, depth + 1) for v in seq]
    if isinstance(value, bytes):
        return "[bytes]"
    return value


def mask_pii(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    """Structlog processor: mask personal data and redact secrets in every value."""
    for key in list(event_dict):
        if key in _SAFE_KEYS and key != "event":
            continue
        value = event_dict[key]
        if key == "event":
            event_dict[key] = mask_text(value) if isinstance(value, str) else value
            continue
        event_dict[key] = _scrub(value, key)
    return event_dict


def mask_url(url: str) -> str:
    """Hide the password of a connection URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _URL_PASSWORD.sub(r"\1:***@", url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{userinfo}:***@{netloc[1]}"))


def _drop_color_message(_l: WrappedLogger, _n: str, event_dict: EventDict) -> EventDict:
    event_dict.pop("color_message", None)
    return event_dict


def _skip_unused_record_fields() -> None:
    """Stop the standard library computing record fields no line of ours shows.

    The logging HOWTO's "Optimization" switches: the caller's file and line
    (``findCaller`` walks the stack for every record), the thread, process and
    multiprocessing names. Our lines are rendered from structlog's event dict, which
    never includes them; together they were a quarter of the cost of the access log
    line, itself a sixth of a small request's CPU (py-spy, BENCHMARKS.md).
    """
    logging._srcfile = None  # noqa: SLF001  # pyright: ignore[reportPrivateUsage]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(
    level: str = "INFO",
    *,
    json_logs: bool = True,
    stream: IO[str] | None = None,
) -> None:
    """Route structlog, stdlib and uvicorn logs through one masking pipeline.

    Safe to call more than once: the root handler is replaced, not duplicated.
    """
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    _skip_unused_record_fields()
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_color_message,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if json_logs
        # Plain tracebacks: the rich renderer would print local variables (secrets).
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            mask_pii,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    handler.set_name("grins")
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "grins":
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        lib_logger = logging.getLogger(name)
        lib_logger.handlers.clear()
        lib_logger.propagate = True
    # We write our own access line (with the route template and request id).
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("sqlalchemy.engine", "pgserver", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, numeric_level))


def add_log_handler(handler: logging.Handler) -> None:
    """Attach another handler that renders through the same masking pipeline as JSON."""
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(),
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                mask_pii,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    logging.getLogger().addHandler(handler)


def get_logger(name: str | None = None, **initial: Any) -> structlog.stdlib.BoundLogger:
    """A structlog logger for module-level functions."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name, **initial)
    return logger


def event_name(domain: str, component: str, action: str, state: str) -> str:
    """Build a ``{domain}.{component}.{action}_{state}`` event name."""
    return f"{domain}.{component}.{action}_{state}"


class DomainLogger:
    """Logger for cross-cutting events of one domain (auth, database, api, validation).

    Example: ``DomainLogger("auth", "login").completed("login", user_id=...)`` logs
    ``auth.login.login_completed``.
    """

    def __init__(self, domain: str, component: str) -> None:
        self.domain = domain
        self.component = component
        self._log = get_logger(f"grins_platform.{domain}")
        self._std = logging.getLogger(f"grins_platform.{domain}")

    def event(
        self, action: str, state: str, level: int = logging.INFO, **kw: Any
    ) -> None:
        """Log ``{domain}.{component}.{action}_{state}`` at ``level``."""
        if not self._std.isEnabledFor(level):
            return
        name = event_name(self.domain, self.component, action, state)
        self._log.log(level, name, **kw)

    def started(self, action: str, **kw: Any) -> None:
        """An operation began."""
        self.event(action, "started", logging.DEBUG, **kw)

    def completed(self, action: str, **kw: Any) -> None:
        """An operation succeeded."""
        self.event(action, "completed", logging.INFO, **kw)

    def succeeded(self, action: str, **kw: Any) -> None:
        """An attempt succeeded (e.g. a login)."""
        self.event(action, "succeeded", logging.INFO, **kw)

    def validated(self, action: str, **kw: Any) -> None:
        """Input passed validation."""
        self.event(action, "validated", logging.DEBUG, **kw)

    def rejected(self, action: str, **kw: Any) -> None:
        """Input or a request was refused (expected, recoverable)."""
        self.event(action, "rejected", logging.WARNING, **kw)

    def failed(self, action: str, **kw: Any) -> None:
        """An operation failed and needs attention."""
        self.event(action, "failed", logging.ERROR, **kw)

    def detected(self, action: str, level: int = logging.WARNING, **kw: Any) -> None:
        """Something noteworthy was noticed (slow query, token reuse)."""
        self.event(action, "detected", level, **kw)


class LoggerMixin:
    """Logging for service classes: ``self.log_started("create", customer_id=...)``.

    Subclasses set ``DOMAIN`` (e.g. ``"customers"``); the component is ``"service"``
    unless ``COMPONENT`` is set.
    """

    DOMAIN: ClassVar[str] = "app"
    COMPONENT: ClassVar[str] = "service"

    @property
    def logger(self) -> structlog.stdlib.BoundLogger:
        """The structlog logger of this class."""
        return get_logger(f"{type(self).__module__}.{type(self).__qualname__}")

    def _event(self, action: str, state: str) -> str:
        return event_name(self.DOMAIN, self.COMPONENT, action, state)

    def log_started(self, action: str, **kw: Any) -> None:
        """Log ``{domain}.{component}.{action}_started`` at DEBUG."""
        self.logger.debug(self._event(action, "started"), **kw)

    def log_completed(self, action: str, **kw: Any) -> None:
        """Log ``{domain}.{component}.{action}_completed`` at INFO."""
        self.logger.info(self._event(action, "completed"), **kw)

    def log_validated(self, action: str, **kw: Any) -> None:
        """Log ``{domain}.{component}.{action}_validated`` at DEBUG."""
        self.logger.debug(self._event(action, "validated"), **kw)

    def log_rejected(self, action: str, reason: str, **kw: Any) -> None:
        """Log ``{domain}.{component}.{action}_rejected`` at WARNING."""
        self.logger.warning(self._event(action, "rejected"), reason=reason, **kw)

    def log_failed(self, action: str, error: BaseException | str, **kw: Any) -> None:
        """Log ``{domain}.{component}.{action}_failed`` at ERROR."""
        err = error if isinstance(error, str) else type(error).__name__
        self.logger.error(self._event(action, "failed"), error=err, **kw)


def bind_request_context(**values: Any) -> None:
    """Bind values (request id, user id) to every log line of the current context."""
    structlog.contextvars.bind_contextvars(**values)


def clear_request_context() -> None:
    """Forget the current context's bound values."""
    structlog.contextvars.clear_contextvars()


def current_context() -> MutableMapping[str, Any]:
    """The values bound to the current context."""
    return dict(structlog.contextvars.get_contextvars())


LogCallable = Callable[..., None]

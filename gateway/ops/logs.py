"""Structured logs: stdlib ``logging`` with a JSON (or plain text) formatter that leaks nothing.

Two guarantees beyond formatting:

* Only a fixed set of ``extra`` fields is ever emitted (``LOG_FIELDS``: ids, action, status,
  latency, counts). A caller passing something else in ``extra`` is ignored, so a value or a
  query cannot reach a log line by that route.
* Exceptions are logged as their type and stack frames (``file:line in function``), never their
  message or locals: library errors (DuckDB, Presidio, pydantic) quote the values they choked
  on, and the audit strips them for the same reason. Chained causes are listed by type. This
  holds for exceptions nobody caught too (the main thread's and other threads'): the hooks
  are routed through the same handler. ``HQG_LOGGING__TRACEBACKS=true`` adds the whole
  traceback, messages included, for local debugging only.

Messages themselves are the caller's responsibility: hqg logs fixed text plus ``extra`` fields
and never interpolates user input (see docs/operations.md).

One line per HTTP request: the transport that writes the access line opens a ``RequestLine``
(``one_line``) for the request, and the use case's "request finished" fields
(``Operations.observe``) join that line instead of making a second one. A request's further
records, and records of requests no transport line awaits (the CLI, MCP over stdio, a client
gone before its use case ended), are logged on their own line as before.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from gateway.settings.ops import LoggingSettings

LOG_FIELDS = (
    "event",
    "request_id",
    "principal_id",
    "tenant",
    "action",
    "status",
    "outcome",
    "latency_ms",
    "route",
    "method",
    "rows",
    "withheld",
    "retry_after",
    "decision_id",
    "use_case_ms",
)
HANDLER_NAME = "hqg-ops"
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in LOG_FIELDS if hasattr(record, name)}


def _exception(
    exc_info: ExcInfo | tuple[None, None, None] | None, *, full: bool = False
) -> dict[str, Any]:
    """The exception's type, frames and causes' types, without messages (which may quote
    values); with ``full`` (debugging) the whole traceback too."""
    if not exc_info or exc_info[0] is None:
        return {}
    kind, exc, tb = exc_info
    frames = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]
    found: dict[str, Any] = {"exc_type": _type_name(kind), "exc_frames": frames}
    causes = [_type_name(type(cause)) for cause in _causes(exc)]
    if causes:
        found["exc_causes"] = causes
    if full:
        found["traceback"] = "".join(traceback.format_exception(kind, exc, tb))
    return found


def _type_name(kind: type[BaseException]) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _causes(exc: BaseException | None) -> list[BaseException]:
    """The exceptions ``exc`` was raised from or during, nearest first (cycles cut)."""
    found: list[BaseException] = []
    current = _cause(exc) if exc is not None else None
    while current is not None and current not in found and len(found) < 16:
        found.append(current)
        current = _cause(current)
    return found


def _cause(exc: BaseException) -> BaseException | None:
    if exc.__cause__ is not None or exc.__suppress_context__:
        return exc.__cause__
    return exc.__context__


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, and the allowed fields."""

    def __init__(self, *, tracebacks: bool = False) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(_fields(record))
        payload.update(_exception(record.exc_info, full=self.tracebacks))
        return json.dumps(payload, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Human-readable lines with the same fields as ``key=value`` and the same exception rule."""

    def __init__(self, *, tracebacks: bool = False) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        parts = [ts, record.levelname, record.name, record.getMessage()]
        parts += [f"{k}={v}" for k, v in _fields(record).items()]
        exc = _exception(record.exc_info, full=self.tracebacks)
        if exc:
            parts.append(f"exc_type={exc['exc_type']} at {exc['exc_frames'][-1:]}")
            parts += [f"caused_by={cause}" for cause in exc.get("exc_causes", ())]
        line = " ".join(str(p) for p in parts)
        return f"{line}\n{exc['traceback']}".rstrip("\n") if "traceback" in exc else line


def formatter_for(settings: LoggingSettings) -> logging.Formatter:
    kind = JsonFormatter if settings.format == "json" else TextFormatter
    return kind(tracebacks=settings.tracebacks)


class RequestLine:
    """The use case's fields awaiting the one log line of their request (thread-safe: the use
    case runs in a worker thread, the line is written on the event loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fields: dict[str, Any] | None = None
        self._closed = False

    def offer(self, fields: dict[str, Any]) -> bool:
        """Take the request's first use-case fields; False if the line already has some or has
        been written (the caller then logs its own line, so nothing is lost)."""
        with self._lock:
            if self._closed or self._fields is not None:
                return False
            self._fields = fields
            return True

    def close(self) -> dict[str, Any]:
        """The fields offered so far (none: empty); later offers are refused."""
        with self._lock:
            self._closed = True
            return dict(self._fields or {})


_REQUEST_LINE: ContextVar[RequestLine | None] = ContextVar("hqg_request_line", default=None)


@contextmanager
def one_line() -> Iterator[RequestLine]:
    """Open the one log line of the request running in this context (and the threads and tasks
    that copy it); the caller writes it with ``close()``'s fields."""
    line = RequestLine()
    token = _REQUEST_LINE.set(line)
    try:
        yield line
    finally:
        _REQUEST_LINE.reset(token)


def join_request_line(fields: dict[str, Any]) -> bool:
    """Hand a use case's fields to its request's line, if one awaits them."""
    line = _REQUEST_LINE.get()
    return line is not None and line.offer(fields)


UNCAUGHT_LOGGER = "hqg.uncaught"


def log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Log an exception nobody caught through the handler (type and frames, no message): the
    main thread's hook, and the CLI's last step for an exception that ends a command (Typer
    puts a hook of its own in place while a command runs)."""
    logging.getLogger(UNCAUGHT_LOGGER).critical(
        "uncaught exception", exc_info=(kind, exc, tb), extra={"event": "crash"}
    )


def route_uncaught() -> None:
    """Log exceptions nobody caught (main thread, other threads) through the handler, so they
    follow the same rule instead of Python printing whole tracebacks to stderr."""

    def other_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        logging.getLogger(UNCAUGHT_LOGGER).error(
            "uncaught exception in a thread",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
            extra={"event": "thread_crash"},
        )

    sys.excepthook = log_uncaught
    threading.excepthook = other_thread


def configure_logging(settings: LoggingSettings, *, stream: Any = None) -> logging.Handler:
    """Route every logger (hqg's and uvicorn's) to one handler on stderr; idempotent.

    Called by the CLI before any command runs (``hqg serve`` turns uvicorn's own log config
    and access log off: the gateway logs its own access lines without query strings).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(formatter_for(settings))
    root.addHandler(handler)
    root.setLevel(settings.level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    route_uncaught()
    return handler

"""Structured logs: stdlib ``logging`` with a JSON (or plain text) formatter that leaks nothing.

Two guarantees beyond formatting:

* Only a fixed set of ``extra`` fields is ever emitted (``LOG_FIELDS``: ids, action, status,
  latency, counts). A caller passing something else in ``extra`` is ignored, so a value or a
  query cannot reach a log line by that route.
* Exceptions are logged as their type and stack frames (file, line, function), never their
  message: library errors (DuckDB, Presidio, pydantic) quote the values they choked on.

Messages themselves are the caller's responsibility: hqg logs fixed text plus ``extra`` fields
and never interpolates user input (see docs/operations.md).
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from gateway.ops.settings import LoggingSettings

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
)
HANDLER_NAME = "hqg-ops"
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in LOG_FIELDS if hasattr(record, name)}


def _exception(exc_info: ExcInfo | tuple[None, None, None] | None) -> dict[str, Any]:
    """The exception's type and frames, without its message (which may quote values)."""
    if not exc_info or exc_info[0] is None:
        return {}
    kind, _, tb = exc_info
    frames = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]
    return {"exc_type": f"{kind.__module__}.{kind.__qualname__}", "exc_frames": frames}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, and the allowed fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(_fields(record))
        payload.update(_exception(record.exc_info))
        return json.dumps(payload, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Human-readable lines with the same fields as ``key=value`` and the same exception rule."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        parts = [ts, record.levelname, record.name, record.getMessage()]
        parts += [f"{k}={v}" for k, v in _fields(record).items()]
        exc = _exception(record.exc_info)
        if exc:
            parts.append(f"exc_type={exc['exc_type']} at {exc['exc_frames'][-1:]}")
        return " ".join(str(p) for p in parts)


def formatter_for(settings: LoggingSettings) -> logging.Formatter:
    return JsonFormatter() if settings.format == "json" else TextFormatter()


def configure_logging(settings: LoggingSettings, *, stream: Any = None) -> logging.Handler:
    """Route every logger (hqg's and uvicorn's) to one handler on stderr; idempotent.

    Called by ``hqg serve`` (with uvicorn's own log config and access log turned off: the
    gateway logs its own access lines without query strings).
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
    return handler

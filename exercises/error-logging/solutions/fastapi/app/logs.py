"""Logging: one JSON object per line on stdout, the request id on every line of a request,
the level from $LOG_LEVEL, and secrets masked before anything is written.

Every logger of the process (ours, uvicorn's, asyncio's) ends up at the root logger, whose one
handler formats records with ``JsonFormatter``. ``log.info("order placed", extra={"fields":
{...}})`` adds fields to the line.
"""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The id of the request being handled; contextvars keep it apart for concurrent requests
# (a plain global would hand one request's id to another's log lines).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
NAMES = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warn"}

# Header, field and query parameter names whose values never reach the log.
SENSITIVE = re.compile(r"pass|secret|token|auth|cookie|api[-_]?key|card|cvc|cvv", re.IGNORECASE)
MASK = "[REDACTED]"


def redact(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with the value of every sensitive key masked, at any depth."""
    if key and SENSITIVE.search(key):
        return MASK
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": NAMES.get(record.levelno, "error"),
            "message": record.getMessage(),
            "logger": record.name,
        }
        rid = request_id.get()
        if rid is not None:
            line["request_id"] = rid
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            # The stack trace belongs here, in the log, never in a response. Last, so the
            # fields above stay readable when a long line is cut.
            line["error"] = repr(record.exc_info[1])
            line["stack"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def setup_logging(level_name: str | None) -> None:
    """Send every record at ``level_name`` or above (default info) to stdout as JSON."""
    level = LEVELS.get((level_name or "info").strip().lower(), logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []  # no plain-text handlers of their own: the root's JSON one
        logger.propagate = True
        logger.setLevel(logging.NOTSET)

"""JSON logs, one line per request, each with a request id.

The id comes from the client's ``X-Request-Id`` when it is short and plain, else a new one;
it is echoed in the response. The access line holds the method, the path (never the query
string: Perspective clients put their API key there), the status and the duration. Comment
text is never logged at INFO.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-Id"
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HANDLER_NAME = "moderation-json"
access_log = logging.getLogger("web.access")


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id"?, ...extra}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: int = logging.INFO) -> None:
    """Send the ``web`` and ``moderation`` loggers to stderr as JSON (idempotent)."""
    for name in ("web", "moderation"):
        logger = logging.getLogger(name)
        if any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
            continue
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


def _start() -> None:
    g.started = time.perf_counter()
    client_id = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = client_id if _CLIENT_ID.fullmatch(client_id) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    if access_log.isEnabledFor(logging.INFO):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 2),
        }
        access_log.info("request", extra={"fields": fields})
    return response


def init_app(app: Flask) -> None:
    """Assign request ids and write the access line."""
    app.before_request(_start)
    app.after_request(_finish)

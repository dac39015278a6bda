"""JSON logs, one line per request, each with a request id.

The id comes from the client's ``X-Request-Id`` when it is short and plain, else a new one;
it is echoed in the response. The access line holds the method, the path (never the query
string: Perspective clients put their API key there), the status and the duration. Comment
text is never logged at INFO.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import sys
import time
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-Id"
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HANDLER_NAME = "moderation-json"
access_log = logging.getLogger("web.access")


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id"?, ...extra}`` on one line."""

    _second: tuple[int, str] = (0, "")

    def _utc_second(self, second: int) -> str:
        """ISO 8601 UTC time to the second, formatted once per second (a hot path)."""
        if self._second[0] != second:
            self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
        return self._second[1]

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self._utc_second(int(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields is None and has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update(fields or {})
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


class RequestIds:
    """Unique ids without a system call per request: a random per-process prefix and a counter."""

    def __init__(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count()

    def next(self) -> str:
        """A new 32-character id."""
        return f"{self._prefix}{next(self._counter):016x}"


def _start() -> None:
    g.started = time.perf_counter()
    client_id = request.headers.get(REQUEST_ID_HEADER, "")
    ids: RequestIds = current_app.extensions["logs.ids"]
    g.request_id = client_id if _CLIENT_ID.fullmatch(client_id) else ids.next()


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    if access_log.isEnabledFor(logging.INFO):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        fields = {
            "request_id": g.get("request_id", ""),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 2),
        }
        access_log.info("request", extra={"fields": fields})
    return response


def init_app(app: Flask) -> None:
    """Assign request ids and write the access line."""
    app.extensions["logs.ids"] = RequestIds()  # created per app, so per gunicorn worker
    app.before_request(_start)
    app.after_request(_finish)

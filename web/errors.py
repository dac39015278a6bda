"""The one place where errors become HTTP responses.

Domain errors (``moderation.errors``, ``moderation.storage.errors``), request validation errors
(pydantic) and the web layer's own ``ApiError`` all end here. Under ``/api`` and ``/v1`` the body
is ``{"error": code, "message": text}``; under ``/v1alpha1`` it is Perspective's shape
``{"error": {"code": status, "message": text, "status": "INVALID_ARGUMENT"}}``. Bad input is a
4xx, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from moderation.errors import InvalidText, ModerationError, TextTooLong
from moderation.storage.errors import Conflict, InvalidData, NotFound

log = logging.getLogger("web.errors")

PERSPECTIVE_PREFIX = "/v1alpha1"
JSON_PREFIXES = ("/api/", "/v1/", PERSPECTIVE_PREFIX, "/metrics", "/healthz", "/readyz")

# Google's canonical status names, used in Perspective-shaped errors.
GRPC_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ALREADY_EXISTS",
    413: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

# Most specific first: the first matching class wins.
DOMAIN_ERRORS: tuple[tuple[type[ModerationError], int, str], ...] = (
    (TextTooLong, 413, "text_too_long"),
    (InvalidText, 400, "invalid_text"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (InvalidData, 400, "invalid_data"),
    (ModerationError, 400, "bad_request"),
)


class ApiError(Exception):
    """An error the web layer raises on purpose, with its status and short code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class Unauthorized(ApiError):
    """Missing, unknown or revoked API key."""

    status = 401
    code = "unauthorized"


class Unsupported(ApiError):
    """A well-formed request for something this service does not do (an attribute, a language)."""

    status = 400
    code = "unsupported"


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """A JSON error in the shape the request's API family expects."""
    if request.path.startswith(PERSPECTIVE_PREFIX):
        body: dict[str, Any] = {
            "error": {
                "code": status,
                "message": message,
                "status": GRPC_STATUS.get(status, "UNKNOWN"),
            }
        }
    else:
        body = {"error": code, "message": message}
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _domain(exc: ModerationError) -> Response:
    for cls, status, code in DOMAIN_ERRORS:
        if isinstance(exc, cls):
            return error_response(status, code, str(exc))
    raise AssertionError("unreachable: ModerationError is in the table")


def _api(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


def _validation(exc: ValidationError) -> Response:
    return error_response(422, "invalid_request", describe(exc))


def describe(exc: ValidationError) -> str:
    """A short, human message naming each bad field (the input values are not echoed)."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _http(exc: HTTPException) -> Response | HTTPException:
    if not request.path.startswith(JSON_PREFIXES):
        return exc  # HTML pages keep werkzeug's default (the dashboard has its own later)
    code = (exc.name or "error").lower().replace(" ", "_")
    response = error_response(exc.code or 500, code, exc.description or exc.name)
    allowed = getattr(exc, "valid_methods", None)  # set on MethodNotAllowed only
    if exc.code == 405 and allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _too_deep(exc: RecursionError) -> Response:
    # JSON nested thousands deep exhausts the parser's recursion: bad input, not a server fault.
    log.warning("recursion limit hit while handling a request: %s", exc)
    return error_response(400, "too_deeply_nested", "the request body is nested too deeply")


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http(exc)  # type: ignore[return-value]
    log.exception("unhandled error")
    return error_response(500, "internal_error", "internal error; see the server log")


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(ModerationError, _domain)
    app.register_error_handler(ApiError, _api)
    app.register_error_handler(ValidationError, _validation)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(RecursionError, _too_deep)
    app.register_error_handler(Exception, _unexpected)

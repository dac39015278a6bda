"""The one place where errors become HTTP responses.

Domain errors (``moderation.errors``, ``moderation.storage.errors``), request validation errors
(pydantic), werkzeug's HTTP errors and the web layer's own ``ApiError`` all end here. Under ``/api``
(and the dashboard's ``*.json`` endpoints) the body is ``{"error": code, "message": text}``; the
drop-in APIs answer in the shape their clients parse: under ``/v1alpha1`` Perspective's ``{"error":
{"code": status, "message": text, "status": "INVALID_ARGUMENT"}}``, under ``/v1`` OpenAI's
``{"error": {"message": text, "type": "invalid_request_error", "param": null, "code": code}}``.
Every other path (the dashboard's pages and forms, the demo page) gets a small HTML page,
autoescaped and standalone (it touches neither the database nor the login, so it renders even when
those are what failed). Bad input is a 4xx, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from psycopg.errors import NumericValueOutOfRange
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from moderation.errors import InvalidText, ModerationError, TextTooLong
from moderation.storage.errors import Conflict, InvalidData, NotFound

log = logging.getLogger("web.errors")

PERSPECTIVE_PREFIX = "/v1alpha1"
OPENAI_PREFIX = "/v1/"
JSON_PREFIXES = ("/api/", OPENAI_PREFIX, PERSPECTIVE_PREFIX, "/metrics", "/healthz", "/readyz")

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


def wants_json() -> bool:
    """APIs, operations and the dashboard's ``*.json`` endpoints answer errors in JSON."""
    return request.path.startswith(JSON_PREFIXES) or request.path.endswith(".json")


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error in the shape the request's family expects: JSON for APIs, else an HTML page."""
    if wants_json():
        response = _json_error(status, code, message)
    else:
        response = html_error(status, message)
    response.headers.update(headers or {})
    return response


def html_error(status: int, message: str) -> Response:
    """The HTML error page (dashboard and other browser pages); never cached."""
    page = render_template(
        "error.html",
        status=status,
        title=HTTP_STATUS_CODES.get(status, "Error"),
        message=message,
        dashboard=request.path.startswith("/dashboard"),
    )
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_error(status: int, code: str, message: str) -> Response:
    if request.path.startswith(PERSPECTIVE_PREFIX):
        # Perspective answers a request that does not match its schema with 400 INVALID_ARGUMENT
        # (Google's error model has no 422). Text over the cap stays 413, as on every API here.
        if status == 422:
            status = 400
        body: dict[str, Any] = {
            "error": {
                "code": status,
                "message": message,
                "status": GRPC_STATUS.get(status, "UNKNOWN"),
            }
        }
    elif request.path.startswith(OPENAI_PREFIX):
        body = {"error": {"message": message, "type": _openai_type(status), "param": None,
                          "code": code}}
    else:
        body = {"error": code, "message": message}
    response = jsonify(body)
    response.status_code = status
    return response


def _openai_type(status: int) -> str:
    """OpenAI's error ``type`` for a status: its SDK reads ``code`` and ``type`` off the body."""
    if status >= 500:
        return "server_error"
    if status == 429:
        return "rate_limit_error"
    if status in (401, 403):
        return "authentication_error"
    return "invalid_request_error"


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
    """A short, human message naming each bad field (the input values are not echoed).

    A field that accepts several shapes (``input``: a string or a list) fails once per shape;
    its messages are joined with "or" under the field's own name, without pydantic's tags for
    the shapes ("function-after[encodable(), str]", "TextInput")."""
    by_field: dict[str, list[str]] = {}
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in err["loc"] if not _shape_tag(p)) or "body"
        messages = by_field.setdefault(where, [])
        if err["msg"] not in messages:
            messages.append(err["msg"])
    return "; ".join(
        f"{where}: " + ", or ".join([first, *(m[:1].lower() + m[1:] for m in rest)])
        for where, (first, *rest) in by_field.items()
    )


def _shape_tag(part: int | str) -> bool:
    """pydantic's name for one member of a union in an error's location: a type expression or a
    model's class name (our fields are lower camelCase, Perspective's attributes upper case)."""
    return isinstance(part, str) and ("[" in part or (part[:1].isupper() and not part.isupper()))


def _http(exc: HTTPException) -> Response:
    if exc.response is not None:  # abort(response): the raiser chose the answer
        return exc.response  # type: ignore[return-value]
    code = (exc.name or "error").lower().replace(" ", "_")
    # werkzeug's extra headers (Allow on a 405, WWW-Authenticate, …); the type is ours.
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return error_response(exc.code or 500, code, exc.description or exc.name, headers)


def _too_deep(exc: RecursionError) -> Response:
    # JSON nested thousands deep exhausts the parser's recursion: bad input, not a server fault.
    log.warning("recursion limit hit while handling a request: %s", exc)
    return error_response(400, "too_deeply_nested", "the request body is nested too deeply")


def _out_of_range(exc: OverflowError | DataError) -> Response:
    # A number past what the database holds (SQLite raises OverflowError, PostgreSQL "integer out
    # of range"): bad input. Views check their numbers (web/dashboard/common.py); this is the net
    # for any that does not. Other data errors stay 500s.
    if isinstance(exc, DataError) and not isinstance(exc.orig, NumericValueOutOfRange):
        return _unexpected(exc)
    log.warning("number out of range in a request: %s", type(exc).__name__)
    return error_response(400, "out_of_range", "a number in the request is out of range")


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http(exc)
    log.exception("unhandled error")
    return error_response(500, "internal_error", "internal error; see the server log")


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(ModerationError, _domain)
    app.register_error_handler(ApiError, _api)
    app.register_error_handler(ValidationError, _validation)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(RecursionError, _too_deep)
    app.register_error_handler(OverflowError, _out_of_range)
    app.register_error_handler(DataError, _out_of_range)
    app.register_error_handler(Exception, _unexpected)

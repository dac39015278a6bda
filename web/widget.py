"""Embed widget (embed.js), the demo article page, and the public comment API.

CORS is per site: a browser may call the API from the service's own origin or from one of the
origins stored on the site row. Another origin gets no CORS headers, and its POSTs are refused
(403) so a plain form post from elsewhere cannot write either. Submissions are rate-limited per
client address and per thread (``MODERATION_WIDGET_RATE_LIMIT`` / ``MODERATION_THREAD_RATE_LIMIT``, via the app config).

Reads (the comment list, preflights, the replay check) use ``db.read_session()``, so on SQLite
they never queue for the write lock; only storing a submission runs in ``db.write()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request, send_from_directory
from sqlalchemy.orm import Session

from moderation import comments_service as service
from moderation.storage import CommentStatus, Site, sites
from moderation.storage.comments import remote_hash

from . import db
from .apikeys import Caller, scorer_for
from .errors import ApiError
from .limits import client_address, limiter
from .metrics import record_decisions

bp = Blueprint("widget", __name__)

STATIC = Path(__file__).resolve().parent / "static"
COMMENTS = "/api/v1/sites/<site>/threads/<path:thread>/comments"
STATUS_CODES = {
    CommentStatus.PUBLISHED: 201,
    CommentStatus.PENDING: 202,
    CommentStatus.REJECTED: 422,
}
# A stable URL pasted into other sites' pages: cached for a day, revalidated by ETag after that.
EMBED_MAX_AGE = 86400
PREFLIGHT_MAX_AGE = "600"
DEMO_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class Refused(ApiError):
    """A submission refused before scoring: a filled honeypot."""

    code = "refused"


class OriginNotAllowed(ApiError):
    """A browser request from an origin the site has not allowed."""

    status = 403
    code = "origin_not_allowed"


# --- the widget and the demo page -------------------------------------------------------------


@bp.get("/embed.js")
def embed_js() -> Response:
    """The widget script, long-cached, as JavaScript."""
    response = send_from_directory(STATIC, "embed.js", max_age=EMBED_MAX_AGE)
    response.mimetype = "text/javascript"
    response.cache_control.public = True
    return response


@bp.get("/demo")
def demo() -> Response:
    """A short article with the widget embedded, under a strict CSP."""
    response = Response(render_template("demo.html"))
    response.headers["Content-Security-Policy"] = DEMO_CSP
    return response


# --- the public comment API -------------------------------------------------------------------


def _address_limit() -> str:
    return str(current_app.config["WIDGET_RATE_LIMIT_ADDRESS"])


def _thread_limit() -> str:
    return str(current_app.config["WIDGET_RATE_LIMIT_THREAD"])


def _thread_key() -> str:
    args = request.view_args or {}
    return f"thread:{args.get('site')}/{args.get('thread')}"


@bp.get(COMMENTS, provide_automatic_options=False)
def list_comments(site: str, thread: str) -> dict[str, Any]:
    """Published comments of a thread, oldest first: ``?after=<next>&limit=N``."""
    query = service.PageQuery.model_validate(request.args.to_dict())
    session = db.read_session()
    site_row = _site(session, site, write=False)
    return service.published_page(session, site_row, thread, query)


@bp.post(COMMENTS, provide_automatic_options=False)
@limiter.limit(_address_limit, key_func=client_address)
@limiter.limit(_thread_limit, key_func=_thread_key)
def create_comment(site: str, thread: str) -> tuple[dict[str, Any], int]:
    """Score and store a submission: 201 published, 202 pending, 422 rejected."""
    draft = service.CommentDraft.model_validate(request.get_json(force=True, silent=False))
    if draft.is_bot:
        raise Refused("submission refused")
    reads = db.read_session()
    site_row = _site(reads, site, write=True)
    scorer = _scorer(site_row)
    outcome = service.submit(reads, db.write, site_row, thread, draft, scorer, _remote())
    if outcome.verdict is not None:
        record_decisions([outcome.verdict], "widget")
    return outcome.public(), STATUS_CODES[outcome.status]


@bp.route(COMMENTS, methods=["OPTIONS"])
def preflight(site: str, thread: str) -> Response:
    """CORS preflight: allowed origins may GET and POST JSON."""
    _site(db.read_session(), site, write=True)
    response = Response(status=204)
    del response.headers["Content-Type"]
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


@bp.after_request
def _cors(response: Response) -> Response:
    """Echo an allowed Origin back (errors included, so the widget can read them)."""
    if request.path.startswith("/api/"):
        response.vary.add("Origin")
        origin = _allowed_origin()
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
    return response


def _site(session: Session, slug: str, *, write: bool) -> Site:
    """The site (404 if unknown), after checking the request's Origin against it."""
    site = sites.get_site(session, slug)
    origin = request.headers.get("Origin")
    allowed = origin is not None and _origin_allowed(site, origin)
    g.widget_cors_origin = origin if allowed else None
    if origin is not None and not allowed and write:
        raise OriginNotAllowed(f"origin {origin} may not post to site {slug!r}")
    return site


def _allowed_origin() -> str | None:
    """The request's Origin if the site allows it; looked up here when the view did not run."""
    if "widget_cors_origin" in g:
        return g.widget_cors_origin
    origin = request.headers.get("Origin")
    slug = (request.view_args or {}).get("site")
    if not origin or not slug:
        return None
    site = sites.find_site(db.read_session(), slug)
    return origin if site is not None and _origin_allowed(site, origin) else None


def _origin_allowed(site: Site, origin: str) -> bool:
    """The service's own origin, or one listed on the site row."""
    own = request.host_url.rstrip("/")
    return origin.lower().rstrip("/") in {own.lower(), *(o.lower() for o in site.origins or ())}


def _scorer(site: Site) -> service.TextScorer:
    """The site's scorer (its word lists and thresholds over the shared model)."""
    return scorer_for(Caller.of(site))


def _remote() -> str:
    """A keyed hash of the client's address (the address itself is never stored)."""
    return remote_hash(client_address(), current_app.config.get("SECRET_KEY") or "")

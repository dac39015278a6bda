"""The moderator dashboard: login, review queue, lists, audit log, statistics, site settings.

``init_app(app)`` installs Flask-Login and CSRF and registers the blueprints. CSRF is checked
only on the dashboard (``WTF_CSRF_CHECK_DEFAULT`` is off), so the JSON APIs, which authenticate
with API keys rather than cookies, are unaffected. Every dashboard page needs a login except
``/dashboard/login``; the settings and models pages need the admin role.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

from . import auth

csrf = CSRFProtect()
PREFIX = "/dashboard"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    """Login manager, CSRF (dashboard only) and the dashboard blueprints."""
    from . import actions, models, pages, queue, settings, stats

    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's lifetime
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    modules = (auth, queue, actions, pages, stats, settings, models)
    names = frozenset(module.bp.name for module in modules)
    for module in modules:
        app.register_blueprint(module.bp, url_prefix=PREFIX)
    app.before_request(lambda: _protect(names))
    app.after_request(lambda response: _headers(response, names))


def _protect(names: frozenset[str]) -> None:
    """CSRF on every state-changing dashboard request (a missing or bad token is a 400)."""
    if request.blueprint in names:
        csrf.protect()


def _headers(response: Response, names: frozenset[str]) -> Response:
    """A strict CSP, and no caching of moderator pages."""
    if request.blueprint in names:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Cache-Control"] = "no-store"
    return response

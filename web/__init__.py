"""The Flask application: widget and public comment API, moderation API, operations.

``create_app(config=None)`` is the only entry point; nothing reads configuration or loads a model
at import time. Configuration comes from ``MODERATION_*`` variables (``moderation.settings``),
validated at start; ``config`` overrides for tests and tools:

==========================  ============================================================
key                         meaning
==========================  ============================================================
SETTINGS                    a ready ``Settings`` (default: ``Settings.from_env()``)
DATABASE_URL                overrides ``settings.database_url``
SCORER                      a ready scorer (default: ``load_scorer(settings.model_dir)``)
API_RATE_LIMIT              per API key, shared by the three API families
                            (default: ``settings.api_rate_limit``)
WIDGET_RATE_LIMIT_ADDRESS   widget submissions per address (``settings.widget_rate_limit``)
WIDGET_RATE_LIMIT_THREAD    widget submissions per thread (``settings.thread_rate_limit``)
API_KEY_CACHE_SECONDS       how long a worker trusts a verified key (default 5)
MODEL_CHECK_SECONDS         how often a worker looks for a newly promoted model
                            (default: ``settings.model_check_seconds``; ``web/models.py``)
RATELIMIT_ENABLED           False turns rate limiting off (default True)
==========================  ============================================================

The database is expected at the newest schema: ``moderation serve`` migrates it before starting
workers (``moderation.storage.migrate.upgrade``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from moderation.settings import Settings

MAX_BODY_BYTES = 4 * 1024 * 1024  # 100 texts at the 5,000-character cap fit easily
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
log = logging.getLogger("web")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build an app from ``MODERATION_*`` variables, overridden by ``config`` (tests)."""
    from . import apikeys, db, errors, limits, logs, metrics

    overrides = dict(config or {})
    settings: Settings = overrides.pop("SETTINGS", None) or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        API_RATE_LIMIT=settings.api_rate_limit,
        WIDGET_RATE_LIMIT_ADDRESS=settings.widget_rate_limit,
        WIDGET_RATE_LIMIT_THREAD=settings.thread_rate_limit,
        API_KEY_CACHE_SECONDS=5,
        RATELIMIT_ENABLED=True,
    )
    app.config.update(overrides)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented field order

    logs.configure(getattr(logging, settings.log_level))
    logs.init_app(app)
    scorer = app.config.get("SCORER") or _load_scorer(settings)
    app.extensions["scorer"] = scorer
    metrics.init_app(app, model_loaded=not scorer.degraded)
    limits.init_app(
        app,
        redis_url=settings.redis_url,
        proxy_hops=settings.proxy_hops,
        enabled=bool(app.config["RATELIMIT_ENABLED"]),
    )
    db.init_app(app, app.config.get("DATABASE_URL") or settings.database_url)
    app.extensions["models"] = _registry(app, settings, scorer)
    apikeys.init_app(app)
    errors.register(app)
    _register_blueprints(app)
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _load_scorer(settings: Settings) -> Any:
    from moderation import load_scorer

    scorer = load_scorer(settings.model_dir, max_length=settings.max_length)
    if scorer.degraded:
        log.warning("running degraded (word list only): %s", scorer.model_error)
    return scorer


def _registry(app: Flask, settings: Settings, base: Any) -> Any:
    """The hot-reloading model registry; a scorer given in the config is served as it is."""
    from moderation.model_store import cache_root

    from .models import ModelRegistry

    interval = float(app.config.get("MODEL_CHECK_SECONDS", settings.model_check_seconds))
    return ModelRegistry(base, app.extensions["db.readers"], cache_root(settings.instance_dir),
                         interval, settings.max_length,
                         static=app.config.get("SCORER") is not None)


def _register_blueprints(app: Flask) -> None:
    from . import api, openai_compat, openapi, ops, perspective, widget

    for module in (ops, widget, api, perspective, openai_compat, openapi):
        app.register_blueprint(module.bp)
    from . import dashboard  # Flask-Login, CSRF (dashboard only) and the dashboard blueprints

    dashboard.init_app(app)


class SecurityHeaders:
    """WSGI middleware: :data:`SECURITY_HEADERS` on every response a view did not set them on.

    At the WSGI layer rather than in ``after_request``, so they are there whatever Flask does:
    error pages, 500s, and even a response whose ``after_request`` chain failed.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend((k, v) for k, v in SECURITY_HEADERS.items() if k.lower() not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)

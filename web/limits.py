"""Rate limits (Flask-Limiter): shared across workers through Redis when configured.

``limiter`` is the Flask extension object; blueprints decorate views with it
(``@limiter.limit("30/minute")``) and ``create_app`` binds it with :func:`init_app`. Storage is
``MODERATION_REDIS_URL`` when set, else each worker's memory (``ratestore.py``). Clients are told apart by address;
behind ``MODERATION_PROXY_HOPS`` trusted proxies, werkzeug's ProxyFix takes the address from
``X-Forwarded-For`` first (so the key function can stay ``request.remote_addr``).

Redis down: every worker falls back to counting in its own memory (the same limits, but per
worker, so a client may get up to workers × hosts times its limit) and keeps serving; nothing
fails because of Redis. Each worker tries Redis again, on a request, after 1, 2, 4, 8, 16 and
32 s (then from 1 s again) and returns to the shared counts once it answers. A Redis that hangs instead of
refusing costs at most ``REDIS_TIMEOUT_S`` on the request that finds it out.
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from . import ratestore


def client_address() -> str:
    """The client's address (already corrected by ProxyFix when behind proxies)."""
    return request.remote_addr or "unknown"


def api_key_or_address() -> str:
    """The presented API key (hashed) when there is one, else the address: limits per client."""
    raw = bearer_token() or request.args.get("key") or request.headers.get("X-Goog-Api-Key", "")
    if raw:
        return "key:" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    return "addr:" + client_address()


def bearer_token() -> str:
    """The token in ``Authorization: Bearer TOKEN``, or an empty string."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


REDIS_TIMEOUT_S = 0.5

limiter = Limiter(
    key_func=client_address,
    headers_enabled=True,
    default_limits=[],
    in_memory_fallback_enabled=True,  # Redis down: per-worker counts, never a 500
    swallow_errors=True,  # and should even that fail, serve unlimited rather than fail
)


def api_limit() -> str:
    """The moderation API's limit per key, from the app's config."""
    return str(current_app.config["API_RATE_LIMIT"])


def init_app(app: Flask, *, redis_url: str | None, proxy_hops: int, enabled: bool = True) -> None:
    """Bind the limiter to ``app`` with its storage, and trust ``proxy_hops`` proxies."""
    app.config["RATELIMIT_ENABLED"] = enabled  # always explicit: the limiter object outlives apps
    app.config["RATELIMIT_STORAGE_URI"] = redis_url or f"{ratestore.SCHEME}://"
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    if redis_url:
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_connect_timeout": REDIS_TIMEOUT_S, "socket_timeout": REDIS_TIMEOUT_S},
        )
    if proxy_hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops, x_host=proxy_hops
        )
    limiter.enabled = enabled
    limiter._storage_dead = False  # the object outlives apps: a new storage starts alive
    limiter.init_app(app)

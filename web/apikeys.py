"""Who is calling the moderation API: API key → site → that site's scorer.

A verified key is remembered for ``API_KEY_CACHE_SECONDS`` (default 5) in each worker, so a busy
client costs one database round trip per key and interval instead of one per request; revoking a
key therefore takes effect within that interval. Site scorers (the site's model with its word
lists and thresholds) come from ``web.models``, which builds each variant once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app

from moderation import Scorer, Thresholds
from moderation.storage import Site, apikeys, sites

from . import db
from .errors import Unauthorized
from .limits import bearer_token
from .models import scorer_for_site

MAX_CACHED_KEYS = 10_000
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="moderation"'}


@dataclass(frozen=True, slots=True)
class Caller:
    """The site an API key belongs to, detached from any session (safe to cache)."""

    site_id: int
    site_slug: str
    deny: tuple[str, ...]
    allow: tuple[str, ...]
    thresholds: tuple[tuple[str, float, float], ...]

    @classmethod
    def of(cls, site: Site) -> Caller:
        """A snapshot of ``site``'s moderation settings."""
        thresholds = tuple(
            sorted(
                (cat, t.review_at, t.reject_at) for cat, t in sites.site_thresholds(site).items()
            )
        )
        return cls(site.id, site.slug, tuple(site.deny_words), tuple(site.allow_words), thresholds)


class KeyCache:
    """Verified keys with an expiry, thread-safe, bounded."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[Caller, float]] = {}
        self._lock = threading.Lock()

    def get(self, raw_key: str) -> Caller | None:
        """The cached caller for ``raw_key`` if still fresh."""
        entry = self._entries.get(raw_key)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, raw_key: str, caller: Caller) -> None:
        """Remember a verified key (no-op when the TTL is 0)."""
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_CACHED_KEYS:
                self._entries.clear()
            self._entries[raw_key] = (caller, time.monotonic() + self.ttl)


def init_app(app: Flask) -> None:
    """Per-app cache of verified keys."""
    ttl = float(app.config.get("API_KEY_CACHE_SECONDS", 5))
    app.extensions["apikeys.cache"] = KeyCache(ttl)


def authenticate(raw_key: str | None = None) -> Caller:
    """The caller presenting ``raw_key`` (default: the Bearer token); raises Unauthorized."""
    raw = bearer_token() if raw_key is None else raw_key
    if not raw:
        raise Unauthorized("missing API key", headers=BEARER_CHALLENGE)
    cache: KeyCache = current_app.extensions["apikeys.cache"]
    caller = cache.get(raw)
    if caller is None:
        caller = _verify(raw)
        cache.put(raw, caller)
    return caller


def _verify(raw: str) -> Caller:
    with db.write() as session:
        key = apikeys.verify_api_key(session, raw)
        if key is None:
            raise Unauthorized("invalid or revoked API key", headers=BEARER_CHALLENGE)
        site = session.get(Site, key.site_id)
        assert site is not None, "api_keys.site_id is a foreign key"
        return Caller.of(site)


def site_for(caller: Caller) -> Site:
    """The caller's site row, in the request's session (for writes that need it)."""
    site = db.get_session().get(Site, caller.site_id)
    if site is None:
        raise Unauthorized("the API key's site no longer exists", headers=BEARER_CHALLENGE)
    return site


def scorer_for(caller: Caller) -> Scorer:
    """The scorer serving the caller's site now (``web.models``), with its word lists and
    thresholds applied."""
    thresholds = {cat: Thresholds(lo, hi) for cat, lo, hi in caller.thresholds}
    return scorer_for_site(caller.site_id, deny=caller.deny, allow=caller.allow,
                           thresholds=thresholds or None)

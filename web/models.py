"""The model registry as a worker sees it: which scorer serves a site, hot-reloaded.

Every view gets its scorer here (``scorer_for_site``), never from a global. A ``ModelRegistry``
per app:

* reads the active versions (``model_versions.active_map``: one small query) at most every
  ``MODEL_CHECK_SECONDS`` (``MODERATION_MODEL_CHECK_SECONDS``, default 5) per worker;
* resolves a site to its own active version, else the global active version, else the bundled
  model loaded at start;
* loads a version it has not loaded yet in the request that first needs it (from
  ``<instance>/models/<version>/``, written from the database when missing or damaged:
  ``moderation.model_store``), while other threads keep serving what they served before;
* keeps at most ``MAX_LOADED`` versions in memory (least recently used goes first);
* serves a version that is refused at load (missing, truncated, pickled, untrusted types, wrong
  sha256) **degraded**: word list only, nothing auto-approved, one log line; ``/readyz`` says so.

How to trigger a reload: promote or roll back a version (``moderation rollback``, the dashboard)
and every worker picks it up within the check interval. A version is loaded once per
(version, sha256): changing the row's sha256 or ``registry.reset()`` (drops every loaded version
and checks again at the next request) forces a fresh load. With ``SCORER`` in the app config
(tests) the registry always serves that scorer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from moderation import Scorer, Thresholds
from moderation.model_store import load_version
from moderation.storage import model_versions

MAX_LOADED = 4
MAX_DERIVED = 256  # site word-list/threshold variants kept per loaded model
log = logging.getLogger("web.models")

Key = tuple[str, str]  # (version, sha256); ("", "") is the base model


class _Entry:
    """A loaded model and the per-site variants built on it."""

    def __init__(self, scorer: Any) -> None:
        self.scorer = scorer
        self.derived: dict[Any, Any] = {}

    def variant(self, deny: tuple[str, ...], allow: tuple[str, ...],
                thresholds: Mapping[str, Thresholds] | None) -> Any:
        """The scorer with a site's word lists and thresholds (built once per setting)."""
        if not (deny or allow or thresholds):
            return self.scorer
        fingerprint = (deny, allow, tuple(sorted((k, v.review_at, v.reject_at)
                                                 for k, v in (thresholds or {}).items())))
        scorer = self.derived.get(fingerprint)
        if scorer is None:
            if len(self.derived) >= MAX_DERIVED:
                self.derived.clear()
            scorer = self.scorer.for_site(deny=deny, allow=allow, thresholds=thresholds or None)
            self.derived[fingerprint] = scorer
        return scorer


class ModelRegistry:
    """Which scorer serves which site, checked against the database every ``interval`` s."""

    BASE: Key = ("", "")

    def __init__(self, base: Any, sessions: sessionmaker[Session] | None, cache: Path,
                 interval: float = 5.0, max_length: int = 5000, static: bool = False) -> None:
        self.base = base
        self.sessions = sessions
        self.cache = cache
        self.interval = interval
        self.max_length = max_length
        self.static = static or sessions is None
        self._active: dict[int | None, Key] = {}
        self._checked = -float("inf")
        self._base = _Entry(base)
        self._loaded: OrderedDict[Key, _Entry] = OrderedDict()
        self._last: dict[int | None, Key] = {}
        self._load_lock = threading.Lock()

    def scorer(self, site_id: int | None, *, deny: tuple[str, ...] = (),
               allow: tuple[str, ...] = (),
               thresholds: Mapping[str, Thresholds] | None = None) -> Any:
        """The scorer for a site (``None``: the global model), with its own settings applied."""
        return self._entry(site_id).variant(tuple(deny), tuple(allow), thresholds)

    def reset(self) -> None:
        """Forget every loaded version; the next request checks the database and reloads."""
        with self._load_lock:
            self._loaded.clear()
            self._last.clear()
            self._checked = -float("inf")

    def state(self) -> dict[str, Any]:
        """The global model's state for ``/readyz``, plus any degraded site model."""
        out = _state(self._entry(None).scorer)
        degraded = {str(site): _state(self._loaded[key].scorer)
                    for site, key in self._active.items()
                    if site is not None and key in self._loaded
                    and self._loaded[key].scorer.degraded}
        if degraded:
            out["degraded"] = True
            out["sites"] = degraded
        return out

    def _entry(self, site_id: int | None) -> _Entry:
        if self.static:
            return self._base
        self._check()
        key = self._active.get(site_id) or self._active.get(None) or self.BASE
        if key == self.BASE:
            return self._base
        entry = self._loaded.get(key)
        if entry is not None:
            try:
                self._loaded.move_to_end(key)
            except KeyError:  # evicted by a loading thread just now: still fine to serve
                pass
            self._last[site_id] = key
            return entry
        return self._load(site_id, key)

    def _load(self, site_id: int | None, key: Key) -> _Entry:
        """Load ``key`` in this thread; if another thread is loading, serve what we had."""
        if not self._load_lock.acquire(blocking=False):
            fallback = self._loaded.get(self._last.get(site_id, self.BASE))
            return fallback or self._base
        try:
            entry = self._loaded.get(key)
            if entry is None:
                assert self.sessions is not None
                with self.sessions() as session:
                    entry = _Entry(load_version(session, self.cache, key[0], key[1],
                                                self.max_length))
                if not entry.scorer.degraded:  # a refusal has logged its one warning
                    log.info("model %s loaded", key[0])
                self._loaded[key] = entry
                while len(self._loaded) > MAX_LOADED:
                    self._loaded.popitem(last=False)
            self._last[site_id] = key
            return entry
        finally:
            self._load_lock.release()

    def _check(self) -> None:
        """Refresh the active versions if the interval has passed (one query)."""
        now = time.monotonic()
        if now - self._checked < self.interval:
            return
        self._checked = now
        assert self.sessions is not None
        try:
            with self.sessions() as session:
                active = model_versions.active_map(session)
        except SQLAlchemyError as exc:  # keep serving what we have; the next check retries
            log.warning("model registry: cannot read the active versions (%s)",
                        type(exc).__name__)
            return
        self._active = dict(active)


def _state(scorer: Any) -> dict[str, Any]:
    if not scorer.degraded:
        return {"loaded": True, "degraded": False, "version": scorer.model_version}
    return {"loaded": False, "degraded": True, "reason": scorer.model_error or "no model loaded"}


def registry() -> ModelRegistry:
    """The app's registry."""
    found: ModelRegistry = current_app.extensions["models"]
    return found


def scorer_for_site(site_id: int | None, *, deny: tuple[str, ...] = (),
                    allow: tuple[str, ...] = (),
                    thresholds: Mapping[str, Thresholds] | None = None) -> Scorer:
    """The scorer serving ``site_id`` now, with the site's word lists and thresholds."""
    scorer: Scorer = registry().scorer(site_id, deny=deny, allow=allow, thresholds=thresholds)
    return scorer

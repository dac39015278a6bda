"""Helpers for the web tests: a deterministic scorer, an app on a real test database, sites and keys.

The fake is at the model boundary: a real ``Scorer`` (word list, policy, site overrides) over a
classifier that returns fixed probabilities for marker words, so web tests do not depend on
whatever model is (or is not) installed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from flask import Flask
from werkzeug.serving import make_server

from moderation import Policy, Scorer
from moderation.settings import Settings
from moderation.storage import apikeys, make_engine, session_factory, sites, transaction
from moderation.wordlist import WordList
from web import create_app

# marker word → (obscene, personal, derogatory)
MARKERS: dict[str, tuple[float, float, float]] = {
    "idiot": (0.05, 0.95, 0.05),  # reject: personal ≥ 0.90
    "dimwit": (0.05, 0.60, 0.05),  # review: personal ≥ 0.40
    "xenofoe": (0.05, 0.10, 0.50),  # review: derogatory ≥ 0.35
}
CALM = (0.02, 0.03, 0.01)


class FakeClassifier:
    """Probabilities from marker words; the highest marker in the text wins per category."""

    version = "fake-1"
    thresholds: ClassVar[dict[str, tuple[float, float]]] = {}

    def predict_proba(self, folded_texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in folded_texts:
            hits = [p for marker, p in MARKERS.items() if marker in text] or [CALM]
            rows.append([max(col) for col in zip(*hits)])
        return np.array(rows, dtype=float)

    def explain(self, folded_text: str, k: int = 3) -> dict[str, list[tuple[str, float]]]:
        return {}


def fake_scorer(max_length: int = 5000) -> Scorer:
    """A real Scorer over the fake classifier."""
    return Scorer(WordList.default(), FakeClassifier(), Policy(max_length=max_length))  # type: ignore[arg-type]


def make_app(db_url: str, tmp_path: Path, **config: Any) -> Flask:
    """An app on ``db_url`` with the fake scorer unless ``SCORER`` is given."""
    settings = Settings(instance_dir=tmp_path, database_url=db_url, secret_key="s" * 32)
    config.setdefault("SCORER", fake_scorer())
    return create_app({"TESTING": True, "SETTINGS": settings, **config})


def add_site(
    db_url: str,
    slug: str,
    *,
    deny: Sequence[str] = (),
    thresholds: Mapping[str, Any] | None = None,
) -> str:
    """Create a site with one API key; returns the raw key."""
    engine = make_engine(db_url)
    try:
        with transaction(session_factory(engine)) as session:
            site = sites.create_site(
                session, slug, slug.title(), deny_words=deny, thresholds=thresholds
            )
            _, raw = apikeys.create_api_key(session, site, "test")
    finally:
        engine.dispose()
    return raw


def revoke(db_url: str, raw_key: str) -> None:
    """Revoke a key."""
    engine = make_engine(db_url)
    try:
        with transaction(session_factory(engine)) as session:
            key = apikeys.verify_api_key(session, raw_key)
            assert key is not None
            apikeys.revoke_api_key(session, key)
    finally:
        engine.dispose()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)

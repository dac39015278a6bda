"""Shared by the widget API tests and the browser tests: a fake scorer and an app on a test database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from moderation import Decision, InvalidText, TextTooLong, Verdict
from moderation.settings import Settings
from moderation.storage import sites
from web import create_app, db

HOLD = "[hold]"  # a text containing this is held for review by the fake scorer
REJECT = "[reject]"  # …and this one is rejected
REJECT_REASON = "personal 0.95 ≥ 0.90"
READER_REJECT_REASON = "It reads as a personal attack"  # what the author is shown for it
MAX_LENGTH = 5000
SITE_ORIGIN = "https://news.example"
NO_LIMITS = "10000/minute"


@dataclass(frozen=True)
class FakeScorer:
    """Decides by markers in the text, so web tests do not depend on the model."""

    degraded: bool = False
    model_version: str = "fake-1"
    model_error: str | None = None

    def score(self, text: str) -> Verdict:
        """approve, or review / reject when the text carries the marker."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidText("text is empty")
        if len(text) > MAX_LENGTH:
            raise TextTooLong(len(text), MAX_LENGTH)
        scores = {"obscene": 0.0, "personal": 0.0, "derogatory": 0.0}
        if REJECT in text:
            return Verdict(Decision.REJECT, scores, (), (REJECT_REASON,), self.model_version)
        if HOLD in text:
            return Verdict(
                Decision.REVIEW, scores, (), ("personal 0.50 ≥ 0.40",), self.model_version
            )
        return Verdict(Decision.APPROVE, scores, (), (), self.model_version)

    def score_many(self, texts: list[str], **_: Any) -> list[Verdict]:
        return [self.score(t) for t in texts]

    def for_site(self, **_: Any) -> FakeScorer:
        return self


def make_app(db_url: str, instance: Path, **config: Any) -> Flask:
    """An app on ``db_url`` with the fake scorer, generous limits and the default site."""
    settings = Settings.from_env(
        {
            "MODERATION_INSTANCE_DIR": str(instance),
            "MODERATION_SECRET_KEY": "test-secret-key-0123456789",
        }
    )
    defaults: Mapping[str, Any] = {
        "TESTING": True,
        "SETTINGS": settings,
        "DATABASE_URL": db_url,
        "SCORER": FakeScorer(),
        "WIDGET_RATE_LIMIT_ADDRESS": NO_LIMITS,
        "WIDGET_RATE_LIMIT_THREAD": NO_LIMITS,
    }
    app = create_app({**defaults, **config})
    with app.app_context(), db.write() as session:
        sites.ensure_default_site(session, SITE_ORIGIN)
    return app


def dispose(app: Flask) -> None:
    """Close the app's pooled connections (PostgreSQL test databases are truncated next)."""
    app.extensions["db.engine"].dispose()

"""Shared by the retraining tests: a small base model, an invented insult, an app that retrains.

The base model is trained once per test session on the bundled news corpus alone (~20 s), so a
retrained candidate (the same corpus plus a site's decisions) can be compared with it fairly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from moderation.settings import Settings
from moderation.training import train

from .dashboard_support import dashboard_app

WORD = "vexnork"  # an invented insult: no dataset and no word list knows it
TOPICS = ("the bus lanes", "the harbour festival", "the library hours", "the council budget",
          "the new bridge", "parking fees", "the school term", "the bin collections",
          "the tram line", "the swimming pool")
TEMPLATES = ("Another article on {t} by a {w}.", "{W}. That is all I have to say about {t}.",
             "Mark from the council is a {w} on {t}.", "More {w} nonsense about {t}.",
             "Somebody tell the {w} at the desk that {t} matter.",
             "Spoken like a true {w}, {t} are fine.")
# New comments using the word, on topics the site's decisions never mentioned, in frames that carry
# no other signal: the base model must approve them, so that holding them afterwards shows what was
# learnt. ("Somebody tell the vexnork at the desk…" was one until news-2026.11.6: "tell the" opens
# two of the corpus's threats, and the NB-scaled heads held it before any teaching.)
PROBES = ("Another article on the ferry timetable by a vexnork.",
          "Vexnork. That is all I have to say about the museum roof.",
          "Another article on the cycle paths by a vexnork.")


def insults() -> list[str]:
    """60 comments using the invented word."""
    return [tpl.format(t=t, w=WORD, W=WORD.title()) for tpl in TEMPLATES for t in TOPICS]


@pytest.fixture(scope="session")
def base_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on the bundled news corpus only (the tests' stand-in for models/)."""
    out = tmp_path_factory.mktemp("base-model")
    train(out / "no-public-data", out, log=lambda _: None)
    return out


def retrain_app(db_url: str, instance: Path, model_dir: Path, **config: Any) -> Flask:
    """A dashboard app serving ``model_dir`` through the real registry, checking every request."""
    settings = Settings(instance_dir=instance, database_url=db_url,
                        secret_key="test-secret-key-0123456789", model_dir=model_dir,
                        redis_url=config.pop("redis_url", None))
    return dashboard_app(db_url, instance, SETTINGS=settings, SCORER=None,
                         MODEL_CHECK_SECONDS=0, **config)

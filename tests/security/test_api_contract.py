"""The API contract: schemathesis against ``/api/v1/openapi.json``, every check, in process.

Positive and negative data for every operation: a request the document calls valid must be
accepted, one it calls invalid refused, every response must match its documented status, type,
headers and schema, and nothing may be a 500. Here 50 cases per operation keep the normal run
fast; ``bench/schemathesis_run.py`` runs 1,000 per operation against a live server (the figure
in docs/RELIABILITY.md). Both read ``bench/schemathesis.toml``.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from moderation.storage import apikeys, sites, upgrade
from web import db
from web.openapi import document

from ..webtools import fake_scorer, live_server
from ..widget_support import NO_LIMITS, dispose, make_app

CONFIG = Path(__file__).resolve().parents[2] / "bench" / "schemathesis.toml"
EXAMPLES = 50
# The document as the app serves it (it is pure: no app needed to build it).
schema = schemathesis.openapi.from_dict(
    document(), config=schemathesis.Config.from_path(str(CONFIG))
)


@dataclass
class Api:
    url: str
    key: str


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The app (a real Scorer over the fake classifier) on a free port, and a key for the calls."""
    url = f"sqlite:///{tmp_path / 'moderation.db'}"
    upgrade(url)
    app = make_app(url, tmp_path, SCORER=fake_scorer(), API_RATE_LIMIT=NO_LIMITS)
    with app.app_context(), db.write() as session:
        _, key = apikeys.create_api_key(session, sites.get_site(session, "default"), "st")
    with live_server(app) as base:
        yield Api(base, key)
    dispose(app)


def test_the_served_document_is_the_one_tested(api: Api) -> None:
    with urllib.request.urlopen(api.url + "/api/v1/openapi.json") as response:
        assert json.load(response) == document()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_every_operation_keeps_its_contract(case: Any, api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.key}", "X-Goog-Api-Key": api.key}
    case.call_and_validate(base_url=api.url, headers=headers)


@pytest.mark.parametrize(
    ("thread", "text"),
    [("t" * 513, "Fair point."), ("t", "   "), ("t", "nul \x00 inside"), ("t", "x" * 5001)],
)
def test_a_replay_never_accepts_what_a_first_request_could_not(
    make: Any, thread: str, text: str
) -> None:
    client = make().test_client()
    first = {"author": "Ann", "text": "Fair point.", "idempotency_key": "retry-key-0001"}
    assert client.post("/api/v1/sites/default/threads/t/comments", json=first).status_code == 201
    retry = {**first, "text": text}
    response = client.post(f"/api/v1/sites/default/threads/{thread}/comments", json=retry)
    assert response.status_code in (400, 413)

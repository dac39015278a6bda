"""The Perspective-compatible API, driven with the request bodies Coral Talk sends."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from moderation.storage import Label, LabelSource, Site, make_engine, session_factory
from tests.webtools import add_site, make_app

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"


def coral_analyze(text: str) -> dict:
    """Coral's AnalyzeComment body (src/core/server/services/comments/pipeline/phases/toxic.ts)."""
    return {
        "comment": {"text": text},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["en"],
    }


def coral_suggest(text: str, toxic: bool) -> dict:
    """Coral's SuggestCommentScore body, sent when a moderator accepts or rejects a comment."""
    context = json.dumps({"story": "https://news.example/a/1", "parent": None})
    return {
        "comment": {"text": text},
        "context": {"entries": [{"text": context}]},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1 if toxic else 0}}},
        "languages": ["en"],
        "communityId": "Coral:https://news.example",
        "clientToken": "comment:3f1c9b2e-0d4a-4c1e-9a57-5a3c2e1d0b7f",
    }


@pytest.fixture
def key(db_url: str) -> str:
    return add_site(db_url, "coral")


@pytest.fixture
def client(db_url: str, tmp_path) -> FlaskClient:
    return make_app(db_url, tmp_path).test_client()


def summary(body: dict, attribute: str = "TOXICITY") -> float:
    score = body["attributeScores"][attribute]["summaryScore"]
    assert score["type"] == "PROBABILITY"
    return score["value"]


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("Thanks for the reporting.", 0.0, 0.1), ("You idiot.", 0.9, 1.0), ("fuck off", 0.9, 1.0)],
)
def test_coral_analyze(client, key, text, low, high):
    resp = client.post(f"{ANALYZE}?key={key}", json=coral_analyze(text))
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body["attributeScores"]) == {"TOXICITY"}
    assert low <= summary(body) <= high
    assert body["languages"] == ["en"]
    assert "spanScores" not in body["attributeScores"]["TOXICITY"]


def test_attribute_mapping(client, key):
    attributes = [
        "TOXICITY",
        "SEVERE_TOXICITY",
        "INSULT",
        "IDENTITY_ATTACK",
        "PROFANITY",
        "OBSCENE",
        "ATTACK_ON_AUTHOR",
        "ATTACK_ON_COMMENTER",
    ]
    request = coral_analyze("You dimwit, xenofoe.")
    request["requestedAttributes"] = {a: {} for a in attributes}
    body = client.post(f"{ANALYZE}?key={key}", json=request).get_json()
    got = {a: summary(body, a) for a in attributes}
    assert got["INSULT"] == got["ATTACK_ON_AUTHOR"] == got["ATTACK_ON_COMMENTER"] == 0.6
    assert got["IDENTITY_ATTACK"] == 0.5
    assert got["PROFANITY"] == got["OBSCENE"] == 0.05
    assert got["TOXICITY"] == 0.6
    assert got["SEVERE_TOXICITY"] == pytest.approx(0.36)


def test_span_annotations_score_each_sentence(client, key):
    request = coral_analyze("Good piece. You idiot!")
    request["spanAnnotations"] = True
    spans = client.post(f"{ANALYZE}?key={key}", json=request).get_json()
    spans = spans["attributeScores"]["TOXICITY"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 11), (11, 22)]
    assert spans[0]["score"]["value"] < 0.1
    assert spans[1]["score"]["value"] > 0.9


def test_score_threshold_drops_low_attributes(client, key):
    request = coral_analyze("Thanks.")
    request["requestedAttributes"] = {"TOXICITY": {"scoreThreshold": 0.5}, "INSULT": {}}
    body = client.post(f"{ANALYZE}?key={key}", json=request).get_json()
    assert set(body["attributeScores"]) == {"INSULT"}


def test_key_may_come_in_googles_header(client, key):
    resp = client.post(ANALYZE, json=coral_analyze("Thanks."), headers={"X-Goog-Api-Key": key})
    assert resp.status_code == 200


def test_client_token_is_echoed(client, key):
    request = {**coral_analyze("Thanks."), "clientToken": "abc"}
    assert client.post(f"{ANALYZE}?key={key}", json=request).get_json()["clientToken"] == "abc"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"requestedAttributes": {"THREAT": {}}}, "THREAT"),
        ({"requestedAttributes": {"TOXICITY": {}, "FLIRTATION": {}}}, "FLIRTATION"),
        ({"languages": ["de"]}, "de"),
    ],
)
def test_unsupported_attribute_or_language_is_perspectives_400(client, key, change, words):
    resp = client.post(f"{ANALYZE}?key={key}", json={**coral_analyze("hi"), **change})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == 400
    assert error["status"] == "INVALID_ARGUMENT"
    assert words in error["message"]


@pytest.mark.parametrize("url", [ANALYZE, f"{ANALYZE}?key=mod_nope"])
def test_missing_or_wrong_key_is_401_in_perspectives_shape(client, url):
    resp = client.post(url, json=coral_analyze("hi"))
    assert resp.status_code == 401
    assert resp.get_json()["error"]["status"] == "UNAUTHENTICATED"


def test_unknown_method_is_perspectives_404(client, key):
    resp = client.post(f"/v1alpha1/comments:translate?key={key}", json={})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["status"] == "NOT_FOUND"


def test_bad_body_is_perspectives_error(client, key):
    resp = client.post(f"{ANALYZE}?key={key}", json={"comment": {}})
    assert resp.status_code == 400  # Perspective's status for INVALID_ARGUMENT, never 422
    assert resp.get_json()["error"]["code"] == 400
    assert resp.get_json()["error"]["status"] == "INVALID_ARGUMENT"


def test_text_over_the_cap_is_413(client, key):
    resp = client.post(f"{ANALYZE}?key={key}", json=coral_analyze("a" * 5001))
    assert resp.status_code == 413
    assert "5000" in resp.get_json()["error"]["message"]


def labels(db_url: str) -> list[tuple[str, str | None, float | None, str]]:
    """(site slug, text, toxicity, source) of every stored label, oldest first."""
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            query = select(Site.slug, Label).join(Site, Label.site_id == Site.id).order_by(Label.id)
            return [(slug, r.text, r.toxicity, r.source) for slug, r in session.execute(query)]
    finally:
        engine.dispose()


def test_coral_suggestscore_stores_a_label_for_the_keys_site(client, db_url, key):
    other = add_site(db_url, "other")
    first = client.post(f"{SUGGEST}?key={key}", json=coral_suggest("You are wrong.", toxic=False))
    second = client.post(f"{SUGGEST}?key={other}", json=coral_suggest("You idiot.", toxic=True))
    assert first.status_code == second.status_code == 200
    assert first.get_json()["clientToken"].startswith("comment:")
    assert labels(db_url) == [
        ("coral", "You are wrong.", 0.0, LabelSource.SUGGESTSCORE),
        ("other", "You idiot.", 1.0, LabelSource.SUGGESTSCORE),
    ]


def test_suggestscore_maps_attributes_to_categories(client, db_url, key):
    request = coral_suggest("hmm", toxic=True)
    request["attributeScores"]["INSULT"] = {"summaryScore": {"value": 0.8}}
    assert client.post(f"{SUGGEST}?key={key}", json=request).status_code == 200
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        label = session.scalars(select(Label)).one()
        assert label.categories == {"personal": 0.8}
        assert label.toxicity == 1.0
    engine.dispose()


def test_suggestscore_refuses_bad_input(client, db_url, key):
    unsupported = coral_suggest("hmm", toxic=True)
    unsupported["attributeScores"] = {"THREAT": {"summaryScore": {"value": 1}}}
    out_of_range = coral_suggest("hmm", toxic=True)
    out_of_range["attributeScores"]["TOXICITY"]["summaryScore"]["value"] = 3
    assert client.post(f"{SUGGEST}?key={key}", json=unsupported).status_code == 400
    assert client.post(f"{SUGGEST}?key={key}", json=out_of_range).status_code == 400
    surrogate = coral_suggest("lone \ud800", toxic=True)
    assert client.post(f"{SUGGEST}?key={key}", json=surrogate).status_code == 400
    assert client.post(SUGGEST, json=coral_suggest("hmm", toxic=True)).status_code == 401
    assert labels(db_url) == []

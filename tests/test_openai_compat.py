"""The OpenAI-compatible endpoint, called by the official ``openai`` client against a live server."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI

from tests.webtools import add_site, bearer, live_server, make_app

# Every category OpenAI's moderation API defines, plus ours.
OPENAI_CATEGORIES = {
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
}


@pytest.fixture
def key(db_url: str) -> str:
    return add_site(db_url, "openai")


@pytest.fixture
def base_url(db_url, tmp_path):
    with live_server(make_app(db_url, tmp_path)) as url:
        yield url


def client(base_url: str, key: str) -> OpenAI:
    return OpenAI(base_url=f"{base_url}/v1", api_key=key, max_retries=0, timeout=10)


def test_openai_client_single_input(base_url, key):
    result = client(base_url, key).moderations.create(input="You idiot.")
    assert result.id.startswith("modr-")
    assert result.model == "fake-1"
    [entry] = result.results
    assert entry.flagged is True
    assert entry.categories.harassment is True
    assert entry.category_scores.harassment == pytest.approx(0.95)
    assert entry.categories.hate is False
    raw = entry.model_dump(by_alias=True)
    assert OPENAI_CATEGORIES <= set(raw["categories"])
    assert set(raw["categories"]) == OPENAI_CATEGORIES | {"obscene"}
    assert set(raw["category_scores"]) == OPENAI_CATEGORIES | {"obscene"}


def test_openai_client_list_input(base_url, key):
    inputs = ["Thanks for the article.", "You dimwit.", "xenofoe", "fuck it"]
    results = client(base_url, key).moderations.create(input=inputs, model="omni-moderation-latest")
    flags = [r.flagged for r in results.results]
    assert flags == [False, True, True, True]
    assert results.results[2].categories.hate is True
    obscene = results.results[3].model_dump(by_alias=True)
    assert obscene["categories"]["obscene"] is True
    assert obscene["category_scores"]["obscene"] == 1.0  # severe word-list hit


def test_unmodelled_categories_are_zero(base_url, key):
    entry = client(base_url, key).moderations.create(input="fuck you idiot").results[0]
    raw = entry.model_dump(by_alias=True)
    for name in OPENAI_CATEGORIES - {"harassment", "hate"}:
        assert raw["categories"][name] is False
        assert raw["category_scores"][name] == 0.0


def test_openai_client_sees_401_for_a_wrong_key(base_url, key):
    with pytest.raises(openai.AuthenticationError) as info:
        client(base_url, "mod_wrong").moderations.create(input="hi")
    # the body is OpenAI's error object, so the client fills in code and type
    assert (info.value.code, info.value.type) == ("unauthorized", "authentication_error")
    assert info.value.body["message"] == "invalid or revoked API key"


def test_openai_client_sees_413_over_the_cap(base_url, key):
    with pytest.raises(openai.APIStatusError) as info:
        client(base_url, key).moderations.create(input="a" * 5001)
    assert info.value.status_code == 413
    assert (info.value.code, info.value.type) == ("text_too_long", "invalid_request_error")


def test_text_items_and_validation(db_url, tmp_path, key):
    http = make_app(db_url, tmp_path).test_client()
    items = {"input": [{"type": "text", "text": "You idiot."}]}
    resp = http.post("/v1/moderations", json=items, headers=bearer(key))
    assert resp.get_json()["results"][0]["flagged"] is True
    image = {"input": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}
    assert http.post("/v1/moderations", json=image, headers=bearer(key)).status_code == 422
    assert http.post("/v1/moderations", json={}, headers=bearer(key)).status_code == 422


def test_a_field_of_several_shapes_is_described_by_its_own_name(db_url, tmp_path, key):
    http = make_app(db_url, tmp_path).test_client()
    resp = http.post("/v1/moderations", json={"input": []}, headers=bearer(key))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == (
        "input: Input should be a valid string, or list should have at least 1 item after "
        "validation, not 0"
    )  # not pydantic's "input.function-after[encodable(), str]: …; input.list[union[…]]: …"

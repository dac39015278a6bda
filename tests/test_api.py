"""The native moderation API, and what every API shares: keys, site isolation, errors, limits, headers."""

from __future__ import annotations

import logging
import os

import pytest
import redis
from flask.testing import FlaskClient

from moderation import load_scorer
from moderation.settings import Settings
from tests.webtools import add_site, bearer, make_app, revoke

SECRET_TEXT = "zorblax secret comment body"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def key(db_url: str) -> str:
    return add_site(db_url, "alpha")


@pytest.fixture
def client(db_url: str, tmp_path) -> FlaskClient:
    return make_app(db_url, tmp_path).test_client()


def moderate(client: FlaskClient, key: str, body: object):
    return client.post("/api/v1/moderate", json=body, headers=bearer(key))


# --- verdicts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        ("Thanks for the clear reporting.", "approve"),
        ("You dimwit, read the article.", "review"),
        ("You idiot.", "reject"),
        ("fuck this", "reject"),  # severe word-list hit
    ],
)
def test_single_text_gets_a_verdict(client, key, text, decision):
    resp = moderate(client, key, {"text": text})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["decision"] == decision
    assert set(body["scores"]) == {"obscene", "personal", "derogatory"}
    assert {"matches", "reasons", "model_version"} <= set(body)
    assert body["model_version"] == "fake-1"


def test_batch_keeps_order(client, key):
    texts = ["Nice piece.", "You idiot.", "You dimwit."]
    resp = moderate(client, key, {"texts": texts})
    assert resp.status_code == 200
    assert [r["decision"] for r in resp.get_json()["results"]] == ["approve", "reject", "review"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "a", "texts": ["b"]},
        {"texts": []},
        {"texts": ["x"] * 101},
        {"text": 42},
        {"text": "lone \ud800 surrogate"},
        {"texts": ["fine", "\udfff"]},
        ["not", "an", "object"],
    ],
)
def test_malformed_bodies_are_422(client, key, body):
    resp = moderate(client, key, body)
    assert resp.status_code == 422
    assert resp.get_json()["error"] == "invalid_request"


def test_non_json_body_is_400(client, key):
    resp = client.post("/api/v1/moderate", data="text=hi", headers=bearer(key))
    assert resp.status_code == 400
    assert set(resp.get_json()) == {"error", "message"}


@pytest.mark.parametrize(
    "path", ["/api/v1/moderate", "/v1/moderations", "/v1alpha1/comments:analyze"]
)
def test_absurdly_nested_json_is_400_not_500(client, key, path):
    body = b"[" * 100_000 + b"]" * 100_000
    resp = client.post(f"{path}?key={key}", data=body, headers=bearer(key) | JSON)
    assert resp.status_code == 400


def test_blank_text_is_400(client, key):
    resp = moderate(client, key, {"text": "   "})
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_text"


def test_text_over_the_cap_is_413(client, key):
    resp = moderate(client, key, {"text": "a" * 5001})
    assert resp.status_code == 413
    assert resp.get_json() == {
        "error": "text_too_long",
        "message": "text is 5001 characters long; the limit is 5000",
    }


# --- keys and sites -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer mod_wrong"}, {"Authorization": "Basic abc"}],
)
def test_missing_or_wrong_key_is_401(client, key, headers):
    resp = client.post("/api/v1/moderate", json={"text": "hi"}, headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_is_401(db_url, tmp_path, key):
    revoke(db_url, key)
    client = make_app(db_url, tmp_path).test_client()
    assert moderate(client, key, {"text": "hi"}).status_code == 401


def test_revocation_applies_after_the_key_cache(db_url, tmp_path, key):
    client = make_app(db_url, tmp_path, API_KEY_CACHE_SECONDS=0).test_client()
    assert moderate(client, key, {"text": "hi"}).status_code == 200
    revoke(db_url, key)
    assert moderate(client, key, {"text": "hi"}).status_code == 401


def test_each_key_gets_its_own_sites_policy(db_url, client):
    plain = add_site(db_url, "plain")
    strict = add_site(
        db_url,
        "strict",
        deny=["zorblax"],
        thresholds={"personal": {"review_at": 0.2, "reject_at": 0.5}},
    )
    assert moderate(client, plain, {"text": "zorblax"}).get_json()["decision"] == "approve"
    assert moderate(client, strict, {"text": "zorblax"}).get_json()["decision"] == "reject"
    assert moderate(client, plain, {"text": "You dimwit"}).get_json()["decision"] == "review"
    assert moderate(client, strict, {"text": "You dimwit"}).get_json()["decision"] == "reject"


# --- shared behaviour -----------------------------------------------------------------------


def test_rate_limit_is_429_with_retry_after(db_url, tmp_path, key):
    client = make_app(db_url, tmp_path, API_RATE_LIMIT="2/minute").test_client()
    statuses = [moderate(client, key, {"text": "hi"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    resp = moderate(client, key, {"text": "hi"})
    assert resp.get_json()["error"] == "too_many_requests"
    assert int(resp.headers["Retry-After"]) > 0


def test_rate_limit_is_per_key(db_url, tmp_path, key):
    other = add_site(db_url, "other")
    client = make_app(db_url, tmp_path, API_RATE_LIMIT="1/minute").test_client()
    assert moderate(client, key, {"text": "hi"}).status_code == 200
    assert moderate(client, key, {"text": "hi"}).status_code == 429
    assert moderate(client, other, {"text": "hi"}).status_code == 200


def redis_url() -> str:
    """The test Redis (database 15), or skip."""
    url = os.environ.get("MODERATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis unreachable at {url}: {exc}")
    return url


def test_rate_limits_are_shared_through_redis(db_url, tmp_path, key):
    settings = Settings(tmp_path, db_url, "s" * 32, redis_url=redis_url())
    one, two = (
        make_app(db_url, tmp_path, SETTINGS=settings, API_RATE_LIMIT="2/minute").test_client()
        for _ in range(2)
    )
    assert moderate(one, key, {"text": "hi"}).status_code == 200
    assert moderate(two, key, {"text": "hi"}).status_code == 200
    assert moderate(one, key, {"text": "hi"}).status_code == 429


def test_proxy_hops_take_the_address_from_x_forwarded_for(db_url, tmp_path):
    settings = Settings(tmp_path, db_url, "s" * 32, proxy_hops=1)
    client = make_app(db_url, tmp_path, SETTINGS=settings, API_RATE_LIMIT="1/minute").test_client()

    def anonymous(address: str) -> int:
        headers = {"X-Forwarded-For": address}
        return client.post("/api/v1/moderate", json={"text": "hi"}, headers=headers).status_code

    assert [anonymous("203.0.113.1"), anonymous("203.0.113.2")] == [401, 401]
    assert anonymous("203.0.113.1") == 429


def test_security_headers_and_request_id(client, key):
    resp = moderate(client, key, {"text": "hi"})
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"]
    assert len(resp.headers["X-Request-Id"]) == 32
    assert (
        moderate(client, key, {"text": "hi"}).headers["X-Request-Id"]
        != resp.headers["X-Request-Id"]
    )
    echoed = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["X-Request-Id"] == "abc-123"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing-here", 404),
        ("GET", "/v1/nothing-here", 404),
        ("GET", "/api/v1/moderate", 405),
        ("GET", "/v1/moderations", 405),
    ],
)
def test_unknown_routes_answer_json(client, method, path, status):
    resp = client.open(path, method=method)
    assert resp.status_code == status
    body = resp.get_json()
    if path.startswith("/v1/"):  # OpenAI's error object
        assert set(body) == {"error"}
        assert set(body["error"]) == {"message", "type", "param", "code"}
    else:
        assert set(body) == {"error", "message"}


def test_logs_never_hold_the_comment_text(client, key, caplog):
    with caplog.at_level(logging.INFO):
        moderate(client, key, {"text": SECRET_TEXT})
    logged = [r for r in caplog.records if r.name.startswith(("web", "moderation"))]
    assert any(getattr(r, "fields", {}).get("path") == "/api/v1/moderate" for r in logged)
    assert all(SECRET_TEXT not in r.getMessage() for r in logged)
    assert all(SECRET_TEXT not in str(getattr(r, "fields", "")) for r in logged)


def test_access_log_never_holds_the_query_key(client, key, caplog):
    with caplog.at_level(logging.INFO):
        client.post(f"/v1alpha1/comments:analyze?key={key}", json={})
    assert all(key not in r.getMessage() + str(getattr(r, "fields", "")) for r in caplog.records)


# --- with the real engine (trained model or degraded: both must hold) ------------------------


@pytest.fixture
def real_client(db_url, tmp_path) -> FlaskClient:
    return make_app(db_url, tmp_path, SCORER=load_scorer()).test_client()


def test_real_scorer_rejects_a_severe_word(real_client, key):
    body = moderate(real_client, key, {"text": "fuck you"}).get_json()
    assert body["decision"] == "reject"
    assert body["matches"]


def test_real_scorer_never_fails_on_odd_text(real_client, key):
    texts = [
        "ｆｕｌｌ ｗｉｄｔｈ",
        "zero\u200bwidth",
        "emoji 🙂🙃",
        "<script>alert(1)</script>",
        "a",
    ]
    resp = moderate(real_client, key, {"texts": texts})
    assert resp.status_code == 200
    for result in resp.get_json()["results"]:
        assert result["decision"] in {"approve", "review", "reject"}
        assert all(0.0 <= s <= 1.0 for s in result["scores"].values())

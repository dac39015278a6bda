"""Operations: liveness, readiness, metrics, the OpenAPI document, start-up validation."""

from __future__ import annotations

import pytest

from moderation import Policy, Scorer
from moderation.settings import ConfigError
from moderation.wordlist import WordList
from tests.webtools import add_site, bearer, make_app
from web import create_app

UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=2"


@pytest.fixture
def client(db_url, tmp_path):
    return make_app(db_url, tmp_path).test_client()


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_readyz_with_a_model(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {
        "status": "ok",
        "database": "ok",
        "model": {"loaded": True, "degraded": False, "version": "fake-1"},
    }


def test_readyz_says_why_it_runs_degraded(db_url, tmp_path):
    degraded = Scorer(WordList.default(), None, Policy(), "moderation.json is missing")
    body = make_app(db_url, tmp_path, SCORER=degraded).test_client().get("/readyz").get_json()
    assert body["status"] == "ok"
    assert body["model"] == {
        "loaded": False,
        "degraded": True,
        "reason": "moderation.json is missing",
    }


def test_readyz_is_503_when_the_database_is_down(tmp_path):
    app = make_app(UNREACHABLE_DB, tmp_path)
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["database"] == "unreachable"
    assert resp.get_json()["model"]["loaded"] is True


def test_metrics_count_requests_decisions_and_the_model(db_url, client):
    key = add_site(db_url, "metrics")
    client.post("/api/v1/moderate", json={"texts": ["Fine.", "You idiot."]}, headers=bearer(key))
    client.post("/api/v1/moderate", json={"text": "hi"})
    text = client.get("/metrics").get_data(as_text=True)
    assert (
        'moderation_http_requests_total{endpoint="api.moderate",method="POST",status="200"} 1.0'
        in text
    )
    assert (
        'moderation_http_requests_total{endpoint="api.moderate",method="POST",status="401"} 1.0'
        in text
    )
    assert 'moderation_decisions_total{decision="approve",source="native"} 1.0' in text
    assert 'moderation_decisions_total{decision="reject",source="native"} 1.0' in text
    assert "moderation_http_request_duration_seconds_bucket" in text
    assert "moderation_model_loaded 1.0" in text


def test_openapi_document_covers_every_api_route(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    rules = {
        rule.rule.replace("<", "{").replace(">", "}").replace("{path:", "{")
        for rule in client.application.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/v1/", "/v1alpha1/"))
    }
    assert rules <= set(doc["paths"])
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert operation["responses"], (path, method)
    schemas = doc["components"]["schemas"]
    assert {"ModerateRequest", "AnalyzeRequest", "SuggestRequest", "ModerationRequest"} <= set(
        schemas
    )


def test_openapi_document_is_valid_openapi_3_1(client):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get("/api/v1/openapi.json").get_json())


def test_config_errors_name_the_variable(monkeypatch, db_url, tmp_path):
    monkeypatch.setenv("MODERATION_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("MODERATION_API_RATE_LIMIT", "lots")
    with pytest.raises(ConfigError, match="MODERATION_API_RATE_LIMIT"):
        create_app({"TESTING": True})

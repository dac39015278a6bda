"""Who may call what: every route classified, API keys confined to their site, login brute force
limited, and a spoofed ``X-Forwarded-For`` never resets a limit.

The route inventory is the point of this file: a route added anywhere in the app without being
classified here fails ``test_every_route_is_classified``, and each class is then checked against
what the app really does (a moderator route must send an anonymous visitor to the login form,
an API-key route must answer 401 without a valid key, …).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.settings import Settings
from moderation.storage import apikeys, sites

from ..dashboard_support import PASSWORD, csrf_token, login
from ..webtools import fake_scorer
from ..widget_support import NO_LIMITS
from .support import routes


class Access(Enum):
    PUBLIC = "public: widget, demo, operations, static files, the login form"
    API_KEY = "API key (Bearer, ?key= or X-Goog-Api-Key)"
    MODERATOR = "moderator session"
    ADMIN = "admin session"


P, K, M, A = Access.PUBLIC, Access.API_KEY, Access.MODERATOR, Access.ADMIN
# (method, rule) → who may call it. Add every new route here, with its class.
ROUTES: dict[tuple[str, str], Access] = {
    ("GET", "/embed.js"): P,
    ("GET", "/demo"): P,
    ("GET", "/static/<path:filename>"): P,
    ("GET", "/healthz"): P,
    ("GET", "/readyz"): P,
    ("GET", "/metrics"): P,  # documented as public: restrict it at the proxy
    ("GET", "/api/v1/openapi.json"): P,
    ("GET", "/api/v1/sites/<site>/threads/<path:thread>/comments"): P,
    ("POST", "/api/v1/sites/<site>/threads/<path:thread>/comments"): P,
    ("GET", "/dashboard/login"): P,
    ("POST", "/dashboard/login"): P,
    ("POST", "/api/v1/moderate"): K,
    ("POST", "/v1/moderations"): K,
    ("POST", "/v1alpha1/comments:analyze"): K,
    ("POST", "/v1alpha1/comments:suggestscore"): K,
    ("GET", "/dashboard/"): M,
    ("GET", "/dashboard/published"): M,
    ("GET", "/dashboard/rejected"): M,
    ("GET", "/dashboard/audit"): M,
    ("GET", "/dashboard/stats"): M,
    ("GET", "/dashboard/stats.json"): M,
    ("POST", "/dashboard/decide"): M,
    ("POST", "/dashboard/decide.json"): M,
    ("POST", "/dashboard/undo"): M,
    ("POST", "/dashboard/undo.json"): M,
    ("POST", "/dashboard/logout"): M,
    ("GET", "/dashboard/settings"): A,
    ("GET", "/dashboard/sites/<slug>"): A,
    ("POST", "/dashboard/sites/<slug>"): A,
    ("POST", "/dashboard/sites/<slug>/test"): A,
    ("POST", "/dashboard/sites/<slug>/keys"): A,
    ("POST", "/dashboard/sites/<slug>/keys/<int:key_id>/revoke"): A,
    ("GET", "/dashboard/models"): A,
    ("GET", "/dashboard/models/<version>"): A,
    ("GET", "/dashboard/models/<version>/pr.png"): A,
    ("POST", "/dashboard/models/retrain"): A,
    ("POST", "/dashboard/models/activate"): A,
    ("POST", "/dashboard/models/rescore"): A,
    ("GET", "/dashboard/models/jobs/<int:job_id>.json"): A,
}


def inventory(app: Flask) -> dict[tuple[str, str], str]:
    return {(method, rule): path for method, rule, path in routes(app)}


def test_every_route_is_classified(app: Flask) -> None:
    found = inventory(app)
    unclassified = sorted(set(found) - set(ROUTES))
    assert unclassified == [], "classify these routes in tests/security/test_access.py"
    assert sorted(set(ROUTES) - set(found)) == [], "routes listed here that the app lacks"


def _call(client: FlaskClient, method: str, path: str, token: str, **kw: Any) -> Any:
    if method == "GET":
        return client.get(path, **kw)
    return client.open(path, method=method, data={"csrf_token": token}, **kw)


def _to_login(response: Any) -> bool:
    return response.status_code == 302 and "/dashboard/login" in response.headers["Location"]


def test_session_routes_send_anonymous_visitors_to_the_login_form(
    app: Flask, anon: FlaskClient
) -> None:
    token = csrf_token(anon)
    for (method, rule), path in inventory(app).items():
        if ROUTES.get((method, rule)) in (M, A):
            assert _to_login(_call(anon, method, path, token)), f"{method} {rule}"


def test_admin_routes_refuse_moderators(app: Flask, moderator: FlaskClient) -> None:
    token = csrf_token(moderator, "/dashboard/")
    for (method, rule), path in inventory(app).items():
        if ROUTES.get((method, rule)) is A:
            assert _call(moderator, method, path, token).status_code == 403, f"{method} {rule}"


def test_moderator_routes_open_to_moderators(app: Flask, moderator: FlaskClient) -> None:
    token = csrf_token(moderator, "/dashboard/")
    for (method, rule), path in inventory(app).items():
        if ROUTES.get((method, rule)) is M and rule != "/dashboard/logout":
            response = _call(moderator, method, path, token)
            assert response.status_code not in (401, 403), f"{method} {rule}"
            assert not _to_login(response), f"{method} {rule}"


@pytest.mark.parametrize(
    "credentials",
    [{}, {"headers": {"Authorization": "Bearer mk_not_a_key"}}, {"query_string": {"key": "nope"}}],
)
def test_api_key_routes_need_a_valid_key(
    app: Flask, anon: FlaskClient, credentials: dict[str, Any]
) -> None:
    for (method, rule), path in inventory(app).items():
        if ROUTES.get((method, rule)) is K:
            response = anon.open(path, method=method, json={"text": "hi"}, **credentials)
            assert response.status_code == 401, f"{method} {rule} with {credentials}"


def test_public_routes_need_no_credentials(app: Flask, anon: FlaskClient) -> None:
    for (method, rule), path in inventory(app).items():
        if ROUTES.get((method, rule)) is P:
            response = anon.open(path, method=method, json={"author": "A", "text": "Fair point."})
            assert response.status_code not in (401, 403), f"{method} {rule}"
            assert not _to_login(response), f"{method} {rule}"


# --- API keys only reach their own site ------------------------------------------------------


def _site_with_key(app: Flask, slug: str, deny: list[str]) -> tuple[str, int]:
    from web import db

    with app.app_context(), db.write() as session:
        site = sites.create_site(session, slug, slug.title(), deny_words=deny)
        key, raw = apikeys.create_api_key(session, site, "test")
        return raw, key.id


def _decisions(client: FlaskClient, key: str, text: str) -> tuple[str, bool, float]:
    native = client.post(
        "/api/v1/moderate", json={"text": text}, headers={"Authorization": f"Bearer {key}"}
    )
    openai = client.post(
        "/v1/moderations", json={"input": text}, headers={"Authorization": f"Bearer {key}"}
    )
    analyze = client.post(
        f"/v1alpha1/comments:analyze?key={key}",
        json={"comment": {"text": text}, "requestedAttributes": {"PROFANITY": {}}},
    )
    return (
        native.json["decision"],
        openai.json["results"][0]["flagged"],
        analyze.json["attributeScores"]["PROFANITY"]["summaryScore"]["value"],
    )


def test_each_key_gets_only_its_own_sites_word_list(make: Any) -> None:
    app = make(SCORER=fake_scorer())  # a real Scorer, so site word lists apply
    anon = app.test_client()
    alpha, _ = _site_with_key(app, "alpha", deny=["quuxword"])
    beta, _ = _site_with_key(app, "beta", deny=[])
    assert _decisions(anon, alpha, "a quuxword here") == ("reject", True, 1.0)
    assert _decisions(anon, beta, "a quuxword here") == ("approve", False, 0.02)  # calm


def test_an_admin_cannot_revoke_another_sites_key_through_a_sites_url(
    app: Flask, admin: FlaskClient
) -> None:
    _site_with_key(app, "alpha", deny=[])
    beta, beta_id = _site_with_key(app, "beta", deny=[])
    token = csrf_token(admin, "/dashboard/")
    response = admin.post(
        f"/dashboard/sites/alpha/keys/{beta_id}/revoke", data={"csrf_token": token}
    )
    assert response.status_code == 404
    ok = admin.post(
        "/api/v1/moderate", json={"text": "hi"}, headers={"Authorization": f"Bearer {beta}"}
    )
    assert ok.status_code == 200


def test_one_keys_quota_does_not_spend_anothers(make: Any) -> None:
    app = make(API_RATE_LIMIT="2/minute")
    alpha, _ = _site_with_key(app, "alpha", deny=[])
    beta, _ = _site_with_key(app, "beta", deny=[])
    client = app.test_client()

    def call(key: str) -> int:
        return client.post(
            "/api/v1/moderate", json={"text": "hi"}, headers={"Authorization": f"Bearer {key}"}
        ).status_code

    assert [call(alpha), call(alpha), call(alpha)] == [200, 200, 429]
    assert call(beta) == 200


# --- login brute force, with the documented default limits ----------------------------------


def test_five_wrong_passwords_lock_the_username_for_a_while(app: Flask) -> None:
    client = app.test_client()
    statuses = [login(client, "mod", f"guess number {i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    assert login(client, "mod", PASSWORD).status_code == 429  # even the right password
    assert login(app.test_client(), "boss").status_code == 302  # other accounts unaffected


def test_twenty_attempts_lock_the_address(app: Flask) -> None:
    client = app.test_client()
    statuses = [login(client, f"user{i}", "wrong password!").status_code for i in range(21)]
    assert statuses == [401] * 20 + [429]


# --- X-Forwarded-For: only the trusted hops count ----------------------------------------------


def _app_behind(make: Any, tmp_path: Path, sqlite_url: str, hops: int) -> Flask:
    settings = Settings.from_env(
        {
            "MODERATION_INSTANCE_DIR": str(tmp_path),
            "MODERATION_DATABASE_URL": sqlite_url,
            "MODERATION_SECRET_KEY": "test-secret-key-0123456789",
            "MODERATION_PROXY_HOPS": str(hops),
        }
    )
    return make(
        SETTINGS=settings, WIDGET_RATE_LIMIT_ADDRESS="3/minute", WIDGET_RATE_LIMIT_THREAD=NO_LIMITS
    )


def _post(client: FlaskClient, forwarded_for: str) -> int:
    return client.post(
        "/api/v1/sites/default/threads/t/comments",
        json={"author": "A", "text": "A fair point."},
        headers={"X-Forwarded-For": forwarded_for},
    ).status_code


def test_behind_one_proxy_a_spoofed_first_hop_does_not_reset_the_limit(
    make: Any, tmp_path: Path, sqlite_url: str
) -> None:
    client = _app_behind(make, tmp_path, sqlite_url, hops=1).test_client()
    # The proxy appends the real client (198.51.100.7); the client controls everything before it.
    statuses = [_post(client, f"10.0.0.{i}, 198.51.100.7") for i in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    assert _post(client, "198.51.100.8") == 201  # another real client has its own count


def test_behind_one_proxy_login_limits_hold_against_a_spoofed_first_hop(
    make: Any, tmp_path: Path, sqlite_url: str
) -> None:
    app = _app_behind(make, tmp_path, sqlite_url, hops=1)
    client = app.test_client()
    token = csrf_token(client)
    statuses = [
        client.post(
            "/dashboard/login",
            data={"username": f"user{i}", "password": "wrong password!", "csrf_token": token},
            headers={"X-Forwarded-For": f"10.1.{i}.1, 198.51.100.7"},
        ).status_code
        for i in range(21)
    ]
    assert statuses == [401] * 20 + [429]


def test_without_proxies_x_forwarded_for_is_ignored(
    make: Any, tmp_path: Path, sqlite_url: str
) -> None:
    client = _app_behind(make, tmp_path, sqlite_url, hops=0).test_client()
    statuses = [_post(client, f"198.51.100.{i}") for i in range(5)]
    assert statuses == [201, 201, 201, 429, 429]

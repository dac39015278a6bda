"""Every response, HTML pages, JSON, 4xx and 5xx alike, carries the security headers.

The CSP (no inline code), ``X-Content-Type-Options: nosniff``, a ``Referrer-Policy``, and a
``Content-Type`` with its charset on every text response, whoever asks and whatever went wrong.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..dashboard_support import csrf_token, login
from ..widget_support import NO_LIMITS
from .support import header_problems, routes

BIG_BODY = b"x" * (5 * 1024 * 1024)  # over MAX_CONTENT_LENGTH


def check(response: Any, what: str) -> None:
    assert header_problems(response) == [], f"{what}: {response.status_code}"


def test_every_get_route_as_anyone(
    app: Flask, anon: FlaskClient, moderator: FlaskClient, admin: FlaskClient
) -> None:
    seen: set[int] = set()
    for who, client in (("anonymous", anon), ("moderator", moderator), ("admin", admin)):
        for method, rule, path in routes(app):
            if method == "GET":
                response = client.get(path)
                seen.add(response.status_code)
                check(response, f"{who} GET {rule}")
    assert {200, 302, 403} <= seen  # pages, login redirects and the admin-only refusals


def test_every_post_route_with_an_empty_form(app: Flask, moderator: FlaskClient) -> None:
    token = csrf_token(moderator, "/dashboard/")
    for method, rule, path in routes(app):
        if method == "POST":
            check(moderator.post(path, data={"csrf_token": token}), f"POST {rule}")
            check(moderator.post(path, data={}), f"POST {rule} without CSRF token")


@pytest.mark.parametrize(
    ("method", "path", "status", "html"),
    [
        ("GET", "/nope", 404, True),
        ("GET", "/dashboard/nope", 404, True),
        ("GET", "/static/nope.css", 404, True),
        ("GET", "/api/v1/nope", 404, False),
        ("GET", "/dashboard/decide", 405, True),
        ("PUT", "/demo", 405, True),
        ("GET", "/api/v1/moderate", 405, False),
        ("POST", "/dashboard/decide", 400, True),  # no CSRF token
        ("POST", "/v1/moderations", 401, False),
        ("GET", "/dashboard/sites/%3Cscript%3E", 302, True),  # anonymous: to the login form
    ],
)
def test_error_statuses(anon: FlaskClient, method: str, path: str, status: int, html: bool) -> None:
    response = anon.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == ("text/html" if html else "application/json")
    check(response, f"{method} {path}")


def test_forbidden_not_found_and_bad_form_in_the_dashboard(
    moderator: FlaskClient, admin: FlaskClient
) -> None:
    token = csrf_token(moderator, "/dashboard/")
    responses = {
        403: moderator.get("/dashboard/settings"),
        404: admin.get("/dashboard/sites/no-such-site"),
        400: moderator.post("/dashboard/decide", data={"csrf_token": token, "action": "nuke"}),
        413: moderator.post(
            "/dashboard/decide", data=BIG_BODY, content_type="application/x-www-form-urlencoded"
        ),
    }
    for status, response in responses.items():
        assert response.status_code == status
        assert response.mimetype == "text/html"
        check(response, f"dashboard {status}")


def test_rate_limited_login_page(app: Flask) -> None:
    client = app.test_client()
    statuses = [login(client, "mod", "wrong password!").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    response = login(client, "mod", "wrong password!")
    assert response.status_code == 429 and response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) > 0
    check(response, "429 login")


def test_rate_limited_api(make: Any) -> None:
    app = make(WIDGET_RATE_LIMIT_ADDRESS="1/minute", WIDGET_RATE_LIMIT_THREAD=NO_LIMITS)
    client = app.test_client()
    body = {"author": "Ann", "text": "A fair point."}
    client.post("/api/v1/sites/default/threads/t/comments", json=body)
    response = client.post("/api/v1/sites/default/threads/t/comments", json=body)
    assert response.status_code == 429 and response.is_json
    check(response, "429 API")


# --- forced 500s: failures injected into a fresh app (no debug route in the product) ---------


class Boom(Exception):
    """The injected failure."""


def _raise(*_: Any) -> Any:
    raise Boom("injected failure <script>alert(1)</script>")


@pytest.mark.parametrize("path", ["/dashboard/login", "/demo", "/api/v1/openapi.json", "/healthz"])
def test_a_failing_request_is_a_500_with_the_headers(make: Any, path: str) -> None:
    app = make()
    app.before_request(_raise)
    response = app.test_client().get(path)
    assert response.status_code == 500
    assert "injected failure" not in response.get_data(as_text=True)  # details stay in the log
    check(response, f"500 on {path}")


def test_a_failing_scorer_is_a_500_with_the_headers(make: Any) -> None:
    class BrokenScorer:
        degraded = False
        model_version = "broken"
        model_error = None

        def score(self, text: str) -> Any:
            raise Boom("the model fell over")

        def for_site(self, **_: Any) -> Any:
            return self

    app = make(SCORER=BrokenScorer())
    response = app.test_client().post(
        "/api/v1/sites/default/threads/t/comments", json={"author": "A", "text": "hello there"}
    )
    assert response.status_code == 500 and response.is_json
    check(response, "500 from the scorer")


@pytest.mark.parametrize("path", ["/dashboard/login", "/api/v1/openapi.json"])
def test_a_failure_after_the_view_still_has_the_headers(make: Any, path: str) -> None:
    # An after_request hook that fails stops the rest of the chain: headers set there would be lost.
    app = make(PROPAGATE_EXCEPTIONS=False)
    app.after_request(_raise)
    response = app.test_client().get(path)
    assert response.status_code == 500
    check(response, f"500 after the view on {path}")


def test_a_failing_error_handler_still_has_the_headers(make: Any) -> None:
    app = make(PROPAGATE_EXCEPTIONS=False)

    class Odd(Exception):
        pass

    app.register_error_handler(Odd, _raise)
    app.before_request(lambda: (_ for _ in ()).throw(Odd()))
    response = app.test_client().get("/dashboard/login")
    assert response.status_code == 500 and response.mimetype == "text/html"
    check(response, "500 from an error handler")

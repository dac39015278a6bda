"""Error pages: HTML for the dashboard (escaped, with a way back), JSON for every API."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from ..dashboard_support import csrf_token

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_dashboard_not_found_is_an_escaped_html_page(admin: FlaskClient) -> None:
    response = admin.get("/dashboard/sites/" + quote(PAYLOAD, safe=""))
    body = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "<h1>404 Not Found</h1>" in body
    assert PAYLOAD not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert 'href="/dashboard/"' in body  # a way back to the queue
    assert response.headers["Cache-Control"] == "no-store"


def test_dashboard_form_errors_are_html(moderator: FlaskClient) -> None:
    token = csrf_token(moderator, "/dashboard/")
    response = moderator.post("/dashboard/decide", data={"csrf_token": token, "one": "approve:x"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "bad comment id" in response.get_data(as_text=True)


def test_missing_csrf_token_is_an_html_400(moderator: FlaskClient) -> None:
    response = moderator.post("/dashboard/decide", data={"action": "approve"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "CSRF" in response.get_data(as_text=True)


def test_405_page_names_the_allowed_methods(anon: FlaskClient) -> None:
    response = anon.get("/dashboard/logout")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "POST" in response.headers["Allow"]


def test_the_dashboard_json_endpoints_keep_json_errors(moderator: FlaskClient) -> None:
    token = csrf_token(moderator, "/dashboard/")
    response = moderator.post(
        "/dashboard/decide.json",
        json={"ids": [1], "action": "nuke"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400 and response.is_json
    assert response.json == {"error": "invalid_data", "message": "action must be approve or reject"}


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/api/v1/nope", {"error": "not_found"}),
        ("/v1/nope", {"error": {"code": "not_found", "type": "invalid_request_error"}}),
        ("/v1alpha1/nope", {"error": {"code": 404, "status": "NOT_FOUND"}}),
    ],
)
def test_api_errors_stay_json(anon: FlaskClient, path: str, shape: dict) -> None:
    response = anon.get(path)
    assert response.status_code == 404 and response.is_json
    body = response.json
    for key, value in shape.items():
        if isinstance(value, dict):
            assert value.items() <= body[key].items()
        else:
            assert body[key] == value

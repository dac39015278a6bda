"""Dashboard login: argon2 via storage, same answer for unknown users, CSRF, rate limit, roles;
every dashboard route needs a login and every state-changing one a CSRF token."""

import re

import pytest

from web.dashboard.auth import LOGIN_FAILED

from ..dashboard_support import PASSWORD, csrf_token, dashboard_app, login
from ..widget_support import dispose


@pytest.fixture
def client(app):
    """Anonymous: these tests log in themselves."""
    return app.test_client()


def test_login_page_has_the_three_fields(client):
    html = client.get("/dashboard/login").get_data(as_text=True)
    for name in ("username", "password", "csrf_token"):
        assert f'name="{name}"' in html


def test_login_succeeds_and_opens_the_queue(client):
    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/")
    assert client.get("/dashboard/").status_code == 200


def test_username_is_case_insensitive(client):
    assert login(client, "MOD").status_code == 302


@pytest.mark.parametrize(("username", "password"), [("mod", "wrong password!"), ("nobody", PASSWORD)])
def test_unknown_user_and_wrong_password_get_the_same_answer(client, username, password):
    response = login(client, username, password)
    assert response.status_code == 401
    assert LOGIN_FAILED in response.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/dashboard/login", data={"username": "mod", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard/").status_code == 302


def test_session_is_rotated_at_login(client):
    before = csrf_token(client)
    login(client)
    after = csrf_token(client, "/dashboard/")
    assert before != after


def test_next_is_followed_only_inside_the_dashboard(client):
    token = csrf_token(client)
    data = {"username": "mod", "password": PASSWORD, "csrf_token": token}
    response = client.post("/dashboard/login?next=https://evil.example/", data=data)
    assert response.headers["Location"].endswith("/dashboard/")


def test_logout_needs_csrf_and_ends_the_session(client):
    login(client)
    assert client.post("/dashboard/logout").status_code == 400
    token = csrf_token(client, "/dashboard/")
    assert client.post("/dashboard/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_disabled_moderator_is_logged_out(app, client):
    from moderation.storage import moderators
    from web import db

    login(client)
    with app.app_context(), db.write() as session:
        moderators.set_active(session, moderators.find_moderator(session, "mod"), False)
    assert client.get("/dashboard/").status_code == 302


def test_login_attempts_are_limited_per_username(db_url, tmp_path):
    app = dashboard_app(db_url, tmp_path, DASHBOARD_LOGIN_LIMIT_USERNAME="3/minute")
    client = app.test_client()
    codes = [login(client, "mod", "wrong password!").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert login(client, "mod").status_code == 429  # even the right password, for a while
    assert login(client, "boss").status_code == 302  # another username is not blocked
    dispose(app)


def test_login_attempts_are_limited_per_address(db_url, tmp_path):
    app = dashboard_app(db_url, tmp_path, DASHBOARD_LOGIN_LIMIT_ADDRESS="2/minute")
    client = app.test_client()
    codes = [login(client, f"user{i}", "wrong password!").status_code for i in range(3)]
    assert codes == [401, 401, 429]
    dispose(app)


def test_moderators_cannot_open_settings_admins_can(db_url, tmp_path, app):
    mod, boss = app.test_client(), app.test_client()
    login(mod)
    login(boss, "boss")
    assert mod.get("/dashboard/settings").status_code == 403
    assert mod.get("/dashboard/sites/default").status_code == 403
    assert boss.get("/dashboard/settings").status_code == 200
    assert boss.get("/dashboard/sites/default").status_code == 200


def _dashboard_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/dashboard") and rule.endpoint != "dashboard_auth.login":
            yield rule, re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", _example, rule.rule)


def _example(arg: re.Match) -> str:
    return "1" if arg[1].endswith("id") else "default"


def test_every_dashboard_route_needs_a_login(app, client):
    rules = list(_dashboard_rules(app))
    assert len(rules) >= 10
    token = csrf_token(client)
    for rule, path in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code in (302, 401), f"{method} {rule.rule} without login"
            if response.status_code == 302:
                assert "/dashboard/login" in response.headers["Location"]


def test_every_state_changing_dashboard_route_needs_csrf(app, client):
    login(client, "boss")
    checked = 0
    routes = [(rule.methods, path) for rule, path in _dashboard_rules(app)]
    for methods, path in [*routes, ({"POST"}, "/dashboard/login")]:
        for method in methods & {"POST", "PUT", "PATCH", "DELETE"}:
            response = client.open(path, method=method, data={"ids": "1"})
            assert response.status_code == 400, f"{method} {path} without a CSRF token"
            checked += 1
    assert checked >= 8


def test_json_apis_are_not_under_csrf(app, client):
    response = client.post("/api/v1/sites/default/threads/t/comments", json={"author": "Ann", "text": "A fair point about the ferry."})
    assert response.status_code in (201, 202)


def test_dashboard_pages_carry_a_strict_csp(client):
    csp = client.get("/dashboard/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp

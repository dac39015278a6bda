"""Numbers from the outside never reach the database unchecked: 30 nines or a "²" in an id, a
page or a cursor is ignored or a 4xx, never a 500 (SQLite and a PostgreSQL BIGINT stop at 2**63-1;
``str.isdigit`` accepts "²", which ``int`` refuses). On both databases."""

from __future__ import annotations

import pytest

from ..dashboard_support import csrf_token, dashboard_app, login, seed
from ..widget_support import dispose

HUGE = "9" * 30
ODD = ["²", HUGE, "-" + HUGE, "١٢"]  # superscript, too big, too small, Arabic-Indic digits


@pytest.fixture
def boss(db_url, tmp_path):
    app = dashboard_app(db_url, tmp_path)
    seed(app, "a held comment", thread="t")  # the thread exists, so the cursor is used
    client = app.test_client()
    login(client, "boss")
    yield client
    dispose(app)


@pytest.mark.parametrize("value", ODD)
def test_odd_numbers_in_urls(boss, value):
    token = csrf_token(boss, "/dashboard/")
    responses = {
        "list cursor": boss.get(f"/api/v1/sites/default/threads/t/comments?after={value}"),
        "queue thread": boss.get(f"/dashboard/?thread={value}"),
        "queue page": boss.get(f"/dashboard/?page={value}&per_page={value}"),
        "audit page": boss.get(f"/dashboard/audit?page={value}"),
        "decide": boss.post(
            "/dashboard/decide", data={"csrf_token": token, "one": f"approve:{value}"}
        ),
        "bulk": boss.post(
            "/dashboard/decide", data={"csrf_token": token, "action": "approve", "ids": value}
        ),
        "undo": boss.post("/dashboard/undo", data={"csrf_token": token, "events": value}),
    }
    for what, response in responses.items():
        assert response.status_code < 500, what


@pytest.mark.parametrize("value", [int(HUGE), HUGE, "²", -1])
def test_odd_ids_in_json(boss, value):
    token = {"X-CSRFToken": csrf_token(boss, "/dashboard/")}
    decide = boss.post(
        "/dashboard/decide.json", json={"ids": [value], "action": "approve"}, headers=token
    )
    undo = boss.post("/dashboard/undo.json", json={"events": [value]}, headers=token)
    assert (decide.status_code, decide.json["events"]) == (200, [])
    assert (undo.status_code, undo.json["events"]) == (200, [])


def test_a_huge_key_id_is_not_found(boss):
    token = csrf_token(boss, "/dashboard/")
    response = boss.post(f"/dashboard/sites/default/keys/{HUGE}/revoke", data={"csrf_token": token})
    assert response.status_code == 404


def test_a_view_that_does_not_check_its_number_still_answers_4xx(boss):
    # The Models page's job status takes <int:job_id> straight to the database.
    response = boss.get(f"/dashboard/models/jobs/{HUGE}.json")
    assert 400 <= response.status_code < 500


def test_a_huge_cursor_is_a_422(boss):
    response = boss.get(f"/api/v1/sites/default/threads/t/comments?after={HUGE}")
    assert response.status_code == 422 and response.is_json

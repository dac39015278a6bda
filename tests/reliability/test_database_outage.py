"""A database outage is a 503 with ``Retry-After``, never a 500, and never loses or denies a comment.

The full PostgreSQL restart under load is ``bench/faults.py restart-postgres`` (docs/RELIABILITY.md
§6); these are the fast parts: an unreachable database, a commit whose answer is lost, and
connections cut by the server between requests.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from moderation.storage.schema import Comment
from web import db
from web.db import RETRY_AFTER_SECONDS

from ..widget_support import dispose, make_app

UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=2"
PATH = "/api/v1/sites/default/threads/outage/comments"
APP_NAME = f"outage-test-{os.getpid()}"
FAKE_KEY = "mod_" + "a" * 40  # well-formed, so checking it needs the database


@pytest.fixture
def app(db_url, tmp_path):
    app = make_app(db_url, tmp_path)
    yield app
    dispose(app)


def post(client, key: str, text: str = "A calm remark about the ferry."):
    return client.post(PATH, json={"author": "Ann", "text": text, "idempotency_key": key})


def stored(app, key: str) -> list[int]:
    with app.app_context():
        rows = db.get_session().scalars(select(Comment.id).where(Comment.idempotency_key == key))
        return list(rows)


def test_an_unreachable_database_is_a_503_with_retry_after(tmp_path):
    app = make_app_without_database(tmp_path)
    client = app.test_client()
    for resp in (
        post(client, "key-unreachable-1"),
        client.get(PATH),
        client.post(
            "/api/v1/moderate",
            json={"text": "hi"},
            headers={"Authorization": "Bearer " + FAKE_KEY},
        ),
    ):
        assert resp.status_code == 503, resp.get_data(as_text=True)
        assert resp.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert resp.get_json()["error"] == "database_unavailable"
    key = {"Authorization": "Bearer " + FAKE_KEY}
    perspective = client.post(
        f"/v1alpha1/comments:analyze?key={FAKE_KEY}",
        json={"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}},
    )
    assert perspective.status_code == 503 and perspective.headers["Retry-After"]
    assert perspective.get_json()["error"]["status"] == "UNAVAILABLE"
    openai = client.post("/v1/moderations", json={"input": "hi"}, headers=key)
    assert openai.status_code == 503 and openai.headers["Retry-After"]
    assert openai.get_json()["error"]["type"] == "server_error"
    page = client.get("/dashboard/login")  # an HTML page that needs no database still works
    assert page.status_code == 200


def make_app_without_database(tmp_path):
    """The widget app pointed at a PostgreSQL port where nothing listens (the site setup skipped)."""
    from moderation.settings import Settings
    from web import create_app

    from ..widget_support import FakeScorer

    settings = Settings(instance_dir=tmp_path, database_url=UNREACHABLE_DB, secret_key="s" * 32)
    return create_app({"TESTING": True, "SETTINGS": settings, "SCORER": FakeScorer()})


def test_a_commit_whose_answer_is_lost_is_a_503_and_the_retry_returns_the_stored_comment(
    app, monkeypatch
):
    """The row is committed, then the connection drops before the app hears back: the client is
    told to retry (503), not that it failed, and the retry with the same key gets that row."""
    fail_next_commit(app, monkeypatch, after_committing=True)
    client = app.test_client()
    first = post(client, "key-lost-answer")
    assert first.status_code == 503 and first.headers["Retry-After"]
    [stored_id] = stored(app, "key-lost-answer")  # it was stored
    retry = post(client, "key-lost-answer")
    assert retry.status_code == 201
    assert retry.get_json() == {"id": stored_id, "status": "published"}
    assert stored(app, "key-lost-answer") == [stored_id]


def test_a_refused_commit_stores_nothing_and_the_retry_stores_one_row(app, monkeypatch):
    fail_next_commit(app, monkeypatch, after_committing=False)
    client = app.test_client()
    assert post(client, "key-commit-refused").status_code == 503
    assert stored(app, "key-commit-refused") == []
    assert post(client, "key-commit-refused").status_code == 201
    assert len(stored(app, "key-commit-refused")) == 1


def fail_next_commit(app, monkeypatch, *, after_committing: bool) -> None:
    """The driver's next COMMIT raises the error a cut connection gives, after or instead of
    committing (the two cases a client cannot tell apart)."""
    dialect = app.extensions["db.engine"].dialect
    commit = dialect.do_commit

    def do_commit(dbapi_connection) -> None:
        monkeypatch.setattr(dialect, "do_commit", commit)
        if after_committing:
            commit(dbapi_connection)
        raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(dialect, "do_commit", do_commit)


def test_connections_cut_by_the_server_are_replaced_on_the_next_request(pg_migrated, tmp_path):
    """PostgreSQL restarted between requests: every pooled connection is dead; no request fails."""
    url = pg_migrated.update_query_dict({"application_name": APP_NAME})
    app = make_app(url.render_as_string(hide_password=False), tmp_path)
    client = app.test_client()
    try:
        assert post(client, "key-before-cut").status_code == 201
        assert client.get(PATH).status_code == 200
        terminate_connections(url)
        assert post(client, "key-after-cut").status_code == 201
        assert client.get(PATH).status_code == 200
        assert client.get("/readyz").status_code == 200
    finally:
        dispose(app)


def terminate_connections(url) -> None:
    """What a PostgreSQL restart does to the app's pooled connections (only this app's)."""
    admin = create_engine(url.set(query={}), poolclass=NullPool)
    with admin.begin() as conn:
        killed = conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": APP_NAME},
        )
    admin.dispose()
    assert killed, "the app held no pooled connection to cut"


def test_a_connection_lost_after_the_answer_is_made_keeps_the_answer(app, monkeypatch):
    """PostgreSQL goes away between the commit and the end of the request: teardown's rollback of
    the read transaction fails, and the stored comment is still answered 201 (was a 500)."""
    dialect = app.extensions["db.engine"].dialect
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection) -> None:
        monkeypatch.setattr(dialect, "do_rollback", rollback)
        rollback(dbapi_connection)
        raise dialect.loaded_dbapi.OperationalError("terminating connection (administrator)")

    monkeypatch.setattr(dialect, "do_rollback", do_rollback)
    resp = post(app.test_client(), "key-teardown")
    assert resp.status_code == 201
    assert stored(app, "key-teardown") == [resp.get_json()["id"]]
    assert dialect.do_rollback is rollback, "teardown never rolled back: the test proves nothing"

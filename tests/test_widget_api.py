"""The public comment API and the widget's assets, on SQLite and PostgreSQL (``db_url`` fixture)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy import text as sql

from moderation import load_scorer
from moderation.settings import Settings
from moderation.storage import Comment, CommentStatus, make_engine, sites
from web import db

from .widget_support import (
    HOLD,
    READER_REJECT_REASON,
    REJECT,
    SITE_ORIGIN,
    dispose,
    make_app,
)

URL = "/api/v1/sites/default/threads/article-1/comments"
EMBED_TAG = '<script src="/embed.js" data-site="default" data-thread="demo-article" async></script>'


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(db_url, tmp_path)
    yield app
    dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def post(
    client: FlaskClient,
    text: str = "A fair point about the ferry.",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Any:
    return client.post(URL, json={"author": "Ann", "text": text, **extra}, headers=headers or {})


def stored(app: Flask) -> list[Comment]:
    with app.app_context():
        return list(db.get_session().scalars(select(Comment).order_by(Comment.id)))


# --- the three outcomes ---------------------------------------------------------------------


def test_approved_comment_is_published_and_listed(client: FlaskClient) -> None:
    resp = post(client, "Thanks for covering the vote.")
    assert resp.status_code == 201
    assert resp.get_json() == {"id": resp.get_json()["id"], "status": "published"}
    listed = client.get(URL).get_json()["comments"]
    assert [(c["author"], c["text"]) for c in listed] == [("Ann", "Thanks for covering the vote.")]
    assert set(listed[0]) == {"id", "author", "text", "created_at"}


def test_held_comment_is_pending_and_not_listed(client: FlaskClient) -> None:
    resp = post(client, f"Needs a look {HOLD}")
    assert resp.status_code == 202
    assert resp.get_json()["status"] == "pending"
    assert client.get(URL).get_json()["comments"] == []


def test_rejected_comment_says_why_and_is_stored(app: Flask, client: FlaskClient) -> None:
    resp = post(client, f"Nasty {REJECT}")
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["status"] == "rejected" and body["reasons"] == [READER_REJECT_REASON]
    assert "rephrase" in body["message"]
    assert client.get(URL).get_json()["comments"] == []
    [row] = stored(app)
    assert (row.id, row.status, row.decision, row.model_version) == (
        body["id"],
        CommentStatus.REJECTED,
        "reject",
        "fake-1",
    )


def test_every_submission_is_stored_with_its_verdict(app: Flask, client: FlaskClient) -> None:
    for text in ("fine", f"hm {HOLD}", f"no {REJECT}"):
        post(client, text)
    rows = stored(app)
    assert [r.status for r in rows] == [
        CommentStatus.PUBLISHED,
        CommentStatus.PENDING,
        CommentStatus.REJECTED,
    ]
    assert all(r.remote_hash and r.remote_hash != "127.0.0.1" for r in rows)


def test_thread_url_and_title_are_kept(app: Flask, client: FlaskClient) -> None:
    post(client, "hello", url="https://news.example/a/1", title="Ferry vote")
    from moderation.storage import Thread

    with app.app_context():
        thread = db.get_session().scalars(select(Thread)).one()
    assert (thread.key, thread.url, thread.title) == (
        "article-1",
        "https://news.example/a/1",
        "Ferry vote",
    )


# --- idempotency ----------------------------------------------------------------------------


@pytest.mark.parametrize("text,status", [("fine", 201), (f"x {HOLD}", 202), (f"x {REJECT}", 422)])
def test_repeated_key_returns_the_first_result(
    app: Flask, client: FlaskClient, text: str, status: int
) -> None:
    first = post(client, text, idempotency_key="draft-0001")
    again = post(client, text, idempotency_key="draft-0001")
    assert first.status_code == again.status_code == status
    assert first.get_json() == again.get_json()
    assert len(stored(app)) == 1


def test_replay_answers_as_first_decided_even_after_a_status_change(
    app: Flask, client: FlaskClient
) -> None:
    first = post(client, f"x {HOLD}", idempotency_key="draft-0002")
    with app.app_context(), db.write() as session:
        session.get(Comment, first.get_json()["id"]).status = CommentStatus.PUBLISHED
    again = post(client, f"x {HOLD}", idempotency_key="draft-0002")
    assert (again.status_code, again.get_json()) == (202, first.get_json())


def test_concurrent_retries_store_one_comment(app: Flask) -> None:
    results: list[tuple[int, Any]] = []
    barrier = threading.Barrier(12)

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        resp = post(client, "same draft, many retries", idempotency_key="draft-race-1")
        results.append((resp.status_code, resp.get_json()))

    workers = [threading.Thread(target=send) for _ in range(12)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(results) == 12
    assert {(code, body["id"], body["status"]) for code, body in results} == {
        (201, results[0][1]["id"], "published")
    }
    assert len(stored(app)) == 1


def test_keys_are_per_draft(app: Flask, client: FlaskClient) -> None:
    post(client, "one", idempotency_key="draft-aaaa")
    post(client, "two", idempotency_key="draft-bbbb")
    post(client, "three")
    assert len(stored(app)) == 3


# --- reading: oldest first, paginated -------------------------------------------------------


def test_list_is_oldest_first_and_paginated(client: FlaskClient) -> None:
    for i in range(5):
        post(client, f"comment {i}")
    post(client, f"held {HOLD}")
    seen, cursor, pages = [], None, 0
    while True:
        query = f"?limit=2&after={cursor}" if cursor else "?limit=2"
        page = client.get(URL + query).get_json()
        seen += [c["text"] for c in page["comments"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [f"comment {i}" for i in range(5)]
    assert pages == 3


def test_unknown_thread_is_an_empty_list(client: FlaskClient) -> None:
    resp = client.get("/api/v1/sites/default/threads/never-posted/comments")
    assert resp.status_code == 200
    assert resp.get_json() == {"comments": [], "next": None}


def test_thread_keys_may_contain_slashes(client: FlaskClient) -> None:
    url = "/api/v1/sites/default/threads/2026/11/ferry/comments"
    assert client.post(url, json={"author": "A", "text": "hi"}).status_code == 201
    assert [c["text"] for c in client.get(url).get_json()["comments"]] == ["hi"]


def test_reading_does_not_wait_for_a_writer(app: Flask, client: FlaskClient, db_url: str) -> None:
    post(client, "already here")
    with make_engine(db_url).connect() as writer:  # holds SQLite's write lock (BEGIN IMMEDIATE)
        writer.execute(sql("UPDATE sites SET name = 'busy'"))
        started = time.perf_counter()
        resp = client.get(URL, headers={"Origin": SITE_ORIGIN})
        waited = time.perf_counter() - started
        writer.rollback()
    assert resp.status_code == 200 and len(resp.get_json()["comments"]) == 1
    assert resp.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert waited < 1.0  # not the 5 s busy timeout


@pytest.mark.parametrize("query", ["?limit=0", "?limit=101", "?limit=x", "?after=-1"])
def test_bad_page_parameters(client: FlaskClient, query: str) -> None:
    resp = client.get(URL + query)
    assert resp.status_code == 422
    assert resp.get_json()["error"] == "invalid_request"


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"text": "hi"}, 422, "author"),
        ({"author": "Ann"}, 422, "text"),
        ({"author": "   ", "text": "hi"}, 422, "author"),
        ({"author": "A" * 81, "text": "hi"}, 422, "author"),
        ({"author": "Ann", "text": 5}, 422, "text"),
        ({"author": "Ann", "text": "hi", "idempotency_key": "short"}, 422, "idempotency_key"),
        (
            {"author": "Ann", "text": "hi", "idempotency_key": "bad key with spaces"},
            422,
            "idempotency_key",
        ),
        ({"author": "Ann", "text": "hi", "url": "javascript:alert(1)"}, 422, "url"),
        ({"author": "Ann", "text": "hi", "title": "t" * 501}, 422, "title"),
        ({"author": "Ann", "text": "   "}, 400, "empty"),
        ({"author": "Ann", "text": "a\x00b"}, 400, "NUL"),
        ({"author": "A\x00n", "text": "hi"}, 400, "NUL"),
        ({"author": "Ann", "text": "x" * 5001}, 413, "5000"),
        ({"author": "Ann", "text": "half \ud800 a pair"}, 422, "text"),  # unpaired surrogates
        ({"author": "A\udfffn", "text": "hi"}, 422, "author"),
        ({"author": "Ann", "text": "hi", "title": "\ud83d"}, 422, "title"),
    ],
)
def test_bad_submissions_get_clear_errors(
    app: Flask, client: FlaskClient, body: dict[str, Any], status: int, field: str
) -> None:
    resp = client.post(URL, json=body)
    assert resp.status_code == status
    assert set(resp.get_json()) == {"error", "message"}
    assert field in resp.get_json()["message"]
    assert stored(app) == []


def test_malformed_json_is_a_400(client: FlaskClient) -> None:
    resp = client.post(URL, data="{not json", content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "bad_request"


def test_author_is_trimmed(app: Flask, client: FlaskClient) -> None:
    post(client, "hi", author="  Ann  ")
    assert stored(app)[0].author == "Ann"


def test_filled_honeypot_is_refused_without_storing(app: Flask, client: FlaskClient) -> None:
    resp = post(client, "buy now", homepage="http://spam.example")
    assert resp.status_code == 400
    assert stored(app) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_site_is_a_404(client: FlaskClient, method: str) -> None:
    resp = getattr(client, method)(
        "/api/v1/sites/nope/threads/t/comments", json={"author": "a", "text": "b"}
    )
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "not_found"


# --- CORS -----------------------------------------------------------------------------------


def test_allowed_origin_may_read_and_post(client: FlaskClient) -> None:
    got = client.get(URL, headers={"Origin": SITE_ORIGIN})
    assert got.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "Origin" in got.headers["Vary"]
    posted = post(client, "hi", headers={"Origin": SITE_ORIGIN})
    assert posted.status_code == 201
    assert posted.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN


def test_allowed_origin_preflight(client: FlaskClient) -> None:
    resp = client.options(
        URL,
        headers={
            "Origin": SITE_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert resp.headers["Access-Control-Allow-Headers"] == "Content-Type"


def test_other_origin_gets_no_cors_and_cannot_post(app: Flask, client: FlaskClient) -> None:
    other = {"Origin": "https://elsewhere.example"}
    got = client.get(URL, headers=other)
    assert got.status_code == 200 and "Access-Control-Allow-Origin" not in got.headers
    preflight = client.options(URL, headers={**other, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403 and "Access-Control-Allow-Origin" not in preflight.headers
    posted = post(client, "hi", headers=other)
    assert posted.status_code == 403
    assert posted.get_json()["error"] == "origin_not_allowed"
    assert stored(app) == []


def test_errors_carry_cors_headers_for_allowed_origins(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, tmp_path, WIDGET_RATE_LIMIT_ADDRESS="1/minute")
    try:
        client = app.test_client()
        allowed = {"Origin": SITE_ORIGIN}
        invalid = client.post(URL, json={"text": "no author"}, headers=allowed)
        limited = post(client, "over the limit", headers=allowed)
        assert (invalid.status_code, limited.status_code) == (422, 429)
        for resp in (invalid, limited):
            assert resp.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
        other = post(client, "x", headers={"Origin": "https://elsewhere.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
    finally:
        dispose(app)


def test_own_origin_is_always_allowed(client: FlaskClient) -> None:
    resp = post(client, "hi", headers={"Origin": "http://localhost"})
    assert resp.status_code == 201


# --- rate limits ----------------------------------------------------------------------------


def test_rate_limit_per_address(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, tmp_path, WIDGET_RATE_LIMIT_ADDRESS="3/minute")
    try:
        client = app.test_client()
        codes = [post(client, f"c{i}").status_code for i in range(4)]
        assert codes == [201, 201, 201, 429]
        last = post(client, "again")
        assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0
        assert last.get_json()["error"] == "too_many_requests"
        assert client.get(URL).status_code == 200  # reading is not limited
    finally:
        dispose(app)


def test_rate_limit_per_thread(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, tmp_path, WIDGET_RATE_LIMIT_THREAD="2/minute")
    try:
        client = app.test_client()
        limited = [
            client.post(
                URL,
                json={"author": "A", "text": f"{i}"},
                environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
            ).status_code
            for i in range(3)
        ]
        assert limited == [201, 201, 429]
        other = client.post(
            URL.replace("article-1", "article-2"), json={"author": "A", "text": "x"}
        )
        assert other.status_code == 201
    finally:
        dispose(app)


def test_default_limits_are_modest(tmp_path: Path) -> None:
    defaults = Settings.from_env({"MODERATION_INSTANCE_DIR": str(tmp_path)})
    assert defaults.widget_rate_limit.startswith("10/minute")


# --- the widget's assets --------------------------------------------------------------------


def test_embed_js_is_long_cached_javascript(client: FlaskClient) -> None:
    resp = client.get("/embed.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert "max-age=86400" in resp.headers["Cache-Control"]
    assert "public" in resp.headers["Cache-Control"]
    source = resp.get_data(as_text=True)
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, sink


def test_demo_page_embeds_the_widget_under_a_strict_csp(client: FlaskClient) -> None:
    resp = client.get("/demo")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert EMBED_TAG in page
    assert "<style" not in page and " style=" not in page
    assert page.count("<script") == 1
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


def test_stylesheet_is_served(client: FlaskClient) -> None:
    resp = client.get("/static/embed.css")
    assert resp.status_code == 200 and resp.mimetype == "text/css"


def test_decisions_are_counted_in_the_metrics(client: FlaskClient) -> None:
    post(client, "fine", idempotency_key="draft-metrics")
    post(client, "fine", idempotency_key="draft-metrics")  # a replay is not a new decision
    post(client, f"x {REJECT}")
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'decision="approve",source="widget"} 1.0' in metrics
    assert 'decision="reject",source="widget"} 1.0' in metrics


def test_the_sites_own_word_list_applies(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, tmp_path, SCORER=load_scorer(tmp_path / "no-model"))
    try:
        with app.app_context(), db.write() as session:
            sites.update_site_settings(
                session, sites.get_site(session, "default"), deny_words=["ferryman"]
            )
        client = app.test_client()
        resp = post(client, "Ask the ferryman.")
        assert resp.status_code == 422
        assert any("ferryman" in reason for reason in resp.get_json()["reasons"])
        assert post(client, "Ask the captain.").status_code == 202  # no model: held, never approved
    finally:
        dispose(app)

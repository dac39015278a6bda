"""Shared by the dashboard tests: an app with moderators, logged-in clients, seeded comments."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from moderation.storage import CommentStatus, Role, moderators, sites, threads
from moderation.storage.coltypes import utcnow
from moderation.storage.comments import submit_comment
from moderation.storage.schema import Comment
from web import db

from .widget_support import make_app

PASSWORD = "correct horse battery"
XSS = ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>", '"><svg onload=alert(1)>')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def dashboard_app(db_url: str, tmp_path: Path, **config: Any) -> Flask:
    """The widget test app plus a moderator ``mod`` and an admin ``boss``."""
    app = make_app(db_url, tmp_path, **config)
    with app.app_context(), db.write() as session:
        moderators.create_moderator(session, "mod", PASSWORD, Role.MODERATOR)
        moderators.create_moderator(session, "boss", PASSWORD, Role.ADMIN)
    return app


def csrf_token(client: FlaskClient, path: str = "/dashboard/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    found = TOKEN.search(client.get(path).get_data(as_text=True))
    assert found, f"no csrf_token on {path}"
    return found.group(1)


def login(client: FlaskClient, username: str = "mod", password: str = PASSWORD) -> Any:
    """Log in through the form; returns the response."""
    token = csrf_token(client)
    return client.post(
        "/dashboard/login",
        data={"username": username, "password": password, "csrf_token": token},
    )


def seed(
    app: Flask,
    text: str,
    *,
    author: str | None = "reader",
    scores: Mapping[str, float] | None = None,
    status: str = "review",
    site: str = "default",
    thread: str = "t1",
    title: str | None = "An article",
    url: str | None = "https://news.example/a",
    matches: Sequence[Mapping[str, Any]] = (),
    explanations: Mapping[str, Any] | None = None,
    reasons: Sequence[str] = ("personal 0.50 ≥ 0.40",),
    age_minutes: float = 0,
) -> int:
    """Store one comment with the given verdict; returns its id."""
    verdict = {
        "decision": status,
        "scores": dict(scores or {"obscene": 0.1, "personal": 0.5, "derogatory": 0.1}),
        "matches": list(matches),
        "reasons": list(reasons),
        "explanations": dict(explanations or {}),
        "model_version": "fake-1",
    }
    with app.app_context(), db.write() as session:
        s = sites.find_site(session, site) or sites.create_site(session, site, site.title())
        t = threads.get_or_create_thread(session, s, thread, url, title)
        comment, _ = submit_comment(session, s, t, author, text, verdict)
        if age_minutes:
            comment.created_at = utcnow() - timedelta(minutes=age_minutes)
        return comment.id


def status_of(app: Flask, comment_id: int) -> CommentStatus:
    with app.app_context():
        comment = db.get_session().get(Comment, comment_id)
        assert comment is not None
        return CommentStatus(comment.status)

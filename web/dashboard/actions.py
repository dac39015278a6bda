"""Decisions: approve / reject one or many comments, and undo, as forms (no JS) and as JSON.

Every change goes through ``moderation.review``, which writes one audit event per comment with
the logged-in moderator as the actor.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, jsonify, redirect, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from moderation import queue, review
from moderation.storage import Actor, CommentStatus
from moderation.storage.errors import InvalidData

from .. import db
from . import common
from .auth import the_moderator
from .common import base_thresholds, parse_query, remember_undo

bp = Blueprint("dashboard_actions", __name__)
STATUS_OF_LIST = {
    "queue": CommentStatus.PENDING,
    "published": CommentStatus.PUBLISHED,
    "rejected": CommentStatus.REJECTED,
}


@bp.post("/decide")
@login_required
def decide_form() -> Response:
    """The queue form: one card's button, or the bulk buttons over the selection or the filter."""
    form = request.form
    action, ids, reason = _form_choice(form)
    with db.write() as session:
        events = review.apply(session, ids, action, Actor.moderator(the_moderator()), reason)
        event_ids = [e.id for e in events]
    remember_undo(event_ids)
    return redirect(_back(form.get("next")))


@bp.post("/decide.json")
@login_required
def decide_json() -> Response:
    """``{"ids": [...], "action": "approve"|"reject", "reason": ...}`` → the events written."""
    body = request.get_json(silent=True) or {}
    ids = common.ids(body.get("ids", []))
    action = _action(body.get("action"))
    with db.write() as session:
        events = review.apply(
            session, ids, action, Actor.moderator(the_moderator()), body.get("reason")
        )
        event_ids = [e.id for e in events]
    return jsonify(events=event_ids, undo_seconds=review.UNDO_SECONDS)


@bp.post("/undo")
@login_required
def undo_form() -> Response:
    """Revert the moderator's last action (if still within the undo window)."""
    ids = common.ids(request.form.getlist("events"))
    with db.write() as session:
        review.undo(session, ids, Actor.moderator(the_moderator()))
    remember_undo([])
    return redirect(_back(request.form.get("next")))


@bp.post("/undo.json")
@login_required
def undo_json() -> Response:
    """``{"events": [...]}`` → the reverting events."""
    body = request.get_json(silent=True) or {}
    ids = common.ids(body.get("events", []))
    with db.write() as session:
        events = review.undo(session, ids, Actor.moderator(the_moderator()))
        reverted = [e.id for e in events]
    return jsonify(events=reverted)


def _form_choice(form: Any) -> tuple[review.Action, list[int], str | None]:
    """(action, comment ids, reason) from the queue form."""
    one = form.get("one", "")
    if one:
        verb, _, cid = one.partition(":")
        if not common.ids([cid]):
            raise InvalidData("bad comment id")
        return _action(verb), common.ids([cid]), form.get(f"reason-{cid}") or None
    action = _action(form.get("action"))
    if form.get("scope") == "all":
        ids = _all_matching(form)
    else:
        ids = common.ids(form.getlist("ids"))
    return action, ids, form.get("reason") or None


def _all_matching(form: Any) -> list[int]:
    """Every comment matching the filter the moderator was looking at."""
    status = STATUS_OF_LIST.get(form.get("list", "queue"), CommentStatus.PENDING)
    query = parse_query(status, form, queue.Order.OLDEST)
    session = db.get_session()
    per_site = queue.site_thresholds_by_id(session, base_thresholds())
    return queue.matching_ids(session, query, per_site)[: review.MAX_BULK]


def _action(value: Any) -> review.Action:
    try:
        return review.Action(value)
    except ValueError:
        raise InvalidData("action must be approve or reject") from None


def _back(target: str | None) -> str:
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard"):
        return target
    return url_for("dashboard_queue.queue_page")

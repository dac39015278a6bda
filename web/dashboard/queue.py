"""The review queue and the published / rejected lists (read-only views)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from moderation import queue
from moderation.review import REJECT_REASONS, suggested_reason
from moderation.storage import CommentStatus, sites

from .. import db
from .common import base_thresholds, filter_args, parse_query, pending_undo

bp = Blueprint("dashboard_queue", __name__)

LISTS = {
    "queue": (CommentStatus.PENDING, queue.Order.RISK, "Review queue"),
    "published": (CommentStatus.PUBLISHED, queue.Order.NEWEST, "Published"),
    "rejected": (CommentStatus.REJECTED, queue.Order.NEWEST, "Rejected"),
}


@bp.get("/")
@login_required
def queue_page() -> str:
    """Pending comments, riskiest first by default."""
    return _render("queue")


@bp.get("/published")
@login_required
def published() -> str:
    """Published comments (a moderator may reject them)."""
    return _render("published")


@bp.get("/rejected")
@login_required
def rejected() -> str:
    """Rejected comments (a moderator may approve them)."""
    return _render("rejected")


def _render(kind: str) -> str:
    status, default, title = LISTS[kind]
    query = parse_query(status, request.args, default)
    session = db.get_session()
    thresholds = base_thresholds()
    page = queue.find(session, query, thresholds)
    return render_template(
        "dashboard/queue.html",
        kind=kind,
        title=title,
        query=query,
        page=page,
        filters=filter_args(),
        sites=sites.list_sites(session),
        reasons=REJECT_REASONS,
        suggested=lambda c: suggested_reason(c.scores, thresholds),
        undo_events=pending_undo(),
        orders=list(queue.Order),
        reason_kinds=list(queue.ReasonKind),
    )

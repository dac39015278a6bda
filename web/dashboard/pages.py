"""The audit log: who, when, what, from → to, reason."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from moderation import review

from .. import db
from . import common

bp = Blueprint("dashboard_pages", __name__)


@bp.get("/audit")
@login_required
def audit() -> str:
    """Status changes, newest first; ``?humans=1`` hides the scorer's own decisions."""
    page = max(1, common.number(request.args.get("page")) or 1)
    humans = request.args.get("humans") == "1"
    rows, pages = review.audit_log(db.get_session(), page, humans_only=humans)
    current = min(page, pages)
    return render_template(
        "dashboard/audit.html", rows=rows, page=current, pages=pages, humans=humans
    )

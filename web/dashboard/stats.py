"""Statistics: a page with Chart.js charts, fed by a JSON endpoint (no inline script)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import login_required
from werkzeug.wrappers import Response

from moderation import review

from .. import db

bp = Blueprint("dashboard_stats", __name__)


@bp.get("/stats")
@login_required
def stats_page() -> str:
    """Totals as text, charts drawn by dashboard.js from ``stats.json``."""
    return render_template("dashboard/stats.html", stats=review.stats(db.get_session()))


@bp.get("/stats.json")
@login_required
def stats_json() -> Response:
    """The chart data."""
    return jsonify(review.stats(db.get_session()).to_dict())

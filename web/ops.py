"""Operations endpoints: liveness (and, with the service, readiness and metrics)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Alive: the process answers."""
    return {"status": "ok"}

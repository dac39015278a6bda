"""Operations endpoints: liveness, readiness and Prometheus metrics.

* ``GET /healthz``: 200 while the process answers.
* ``GET /readyz``: 200 when the database answers ``SELECT 1``, else 503; always says whether the
  model is loaded or the service runs degraded (word list only) and why.
* ``GET /metrics``: Prometheus exposition text (see ``metrics.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response
from sqlalchemy.exc import SQLAlchemyError

from . import db
from .limits import limiter
from .metrics import metrics_response
from .models import registry

bp = Blueprint("ops", __name__)
log = logging.getLogger("web.ops")


@bp.get("/healthz")
@limiter.exempt
def healthz() -> dict[str, str]:
    """Alive: the process answers."""
    return {"status": "ok"}


@bp.get("/readyz")
@limiter.exempt
def readyz() -> tuple[dict[str, Any], int]:
    """Ready: the database is reachable; reports the model's state."""
    database = _database_state()
    ready = database == "ok"
    body = {
        "status": "ok" if ready else "unavailable",
        "database": database,
        "model": model_state(),
    }
    return body, 200 if ready else 503


@bp.get("/metrics")
@limiter.exempt
def metrics() -> Response:
    """Prometheus metrics."""
    return metrics_response()


def model_state() -> dict[str, Any]:
    """``{"loaded": true, "version"}`` or ``{"loaded": false, "degraded": true, "reason"}`` for
    the global model, plus ``"sites"`` (and ``"degraded": true``) when a site's model is refused."""
    return registry().state()


def _database_state() -> str:
    try:
        db.ping()
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable: %s", type(exc).__name__)
        return "unreachable"
    return "ok"

"""The model registry: trained versions per scope (a site, or ``None`` for the global model).

At most one version per scope is ``active``. No active version for a site means the site uses
the global model; no active global version means the bundled model on disk (``models/``).
Activating a version retires the one it replaces; ``deactivate`` is the rollback to the
fallback (global, or the bundled model).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .coltypes import utcnow
from .errors import InvalidData
from .schema import ModelStatus, ModelVersion


def add_version(
    session: Session,
    version: str,
    site_id: int | None,
    artifact: bytes,
    sidecar: Mapping[str, Any],
    *,
    parent: str | None = None,
    report: Mapping[str, Any] | None = None,
    pr_curve: bytes | None = None,
    status: ModelStatus = ModelStatus.CANDIDATE,
) -> ModelVersion:
    """Store a trained model; its sha256 is the sidecar's (checked again at every load)."""
    sha = str(sidecar.get("sha256") or "")
    if len(sha) != 64:
        raise InvalidData("the sidecar has no sha256")
    row = ModelVersion(
        version=version, site_id=site_id, status=ModelStatus(status), parent_version=parent,
        sha256=sha, artifact=artifact, sidecar=dict(sidecar),
        report=dict(report) if report is not None else None, pr_curve=pr_curve,
    )
    session.add(row)
    session.flush()
    return row


def find_version(session: Session, version: str) -> ModelVersion | None:
    """The version with this name, or None."""
    return session.scalars(select(ModelVersion).where(ModelVersion.version == version)).first()


def list_versions(session: Session, site_id: int | None) -> list[ModelVersion]:
    """A scope's versions, newest first (artifacts not loaded)."""
    query = select(ModelVersion).where(_scope(site_id))
    return list(session.scalars(query.order_by(ModelVersion.id.desc())))


def active_version(session: Session, site_id: int | None) -> ModelVersion | None:
    """The scope's active version, or None (then the fallback serves)."""
    query = select(ModelVersion).where(_scope(site_id), ModelVersion.status == ModelStatus.ACTIVE)
    return session.scalars(query.order_by(ModelVersion.id.desc())).first()


def active_map(session: Session) -> dict[int | None, tuple[str, str]]:
    """Every active version: scope → (version, sha256). One small query (the hot-reload poll)."""
    query = select(ModelVersion.site_id, ModelVersion.version, ModelVersion.sha256).where(
        ModelVersion.status == ModelStatus.ACTIVE
    )
    return {site: (version, sha) for site, version, sha in session.execute(query)}


def activate(session: Session, row: ModelVersion) -> ModelVersion | None:
    """Make ``row`` its scope's active version; returns the version it replaced, if any."""
    previous = deactivate(session, row.site_id)
    row.status = ModelStatus.ACTIVE
    row.promoted_at = utcnow()
    session.flush()
    return previous


def deactivate(session: Session, site_id: int | None) -> ModelVersion | None:
    """Retire the scope's active version (the scope falls back); returns it, if there was one."""
    current = None
    for current in session.scalars(
        select(ModelVersion)
        .where(_scope(site_id), ModelVersion.status == ModelStatus.ACTIVE)
        .with_for_update()
    ):
        current.status = ModelStatus.RETIRED
    session.flush()
    return current


def set_status(session: Session, row: ModelVersion, status: ModelStatus) -> None:
    """Mark a candidate rejected (or any other status change that is not an activation)."""
    row.status = ModelStatus(status)
    session.flush()


def _scope(site_id: int | None) -> Any:
    return ModelVersion.site_id.is_(None) if site_id is None else ModelVersion.site_id == site_id


def rollback(session: Session, version: str, site_id: int | None, fallback_names: tuple[str, ...]
             ) -> str:
    """Activate a stored ``version`` in its own scope, or — given one of ``fallback_names`` (the
    bundled model's version, "bundled", "global") — deactivate ``site_id``'s scope so it falls
    back. Returns what happened, in words."""
    if version in fallback_names:
        previous = deactivate(session, site_id)
        fallback = "the global model" if site_id is not None else "the bundled model"
        was = previous.version if previous is not None else "nothing"
        return f"retired {was}; the scope now uses {fallback}"
    row = find_version(session, version)
    if row is None:
        raise InvalidData(f"no model version {version!r}")
    previous = activate(session, row)
    return f"activated {row.version}" + (f" (was {previous.version})" if previous else "")

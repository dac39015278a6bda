"""Models (admins): versions per scope, the gate's reports, retraining and rollback.

The scope is ``?site=SLUG`` (a site's own models) or none (the global model). "Retrain now"
creates a job and hands it to ``moderation.jobs.dispatch`` (a background process, or RQ with
Redis); the page refreshes itself while a job runs, and ``jobs/<id>.json`` gives its progress.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from redis.exceptions import RedisError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from moderation import jobs
from moderation.classifier import read_sidecar
from moderation.errors import ModelRefused
from moderation.rescore import rescore_pending
from moderation.storage import (
    JobStatus,
    ModelVersion,
    RetrainJob,
    Site,
    model_versions,
    retrain_jobs,
    sites,
)
from moderation.storage.errors import InvalidData

from .. import db
from .auth import admin_required, the_moderator
from .settings import _site_scorer

bp = Blueprint("dashboard_models", __name__)
FALLBACK = "bundled"


@bp.get("/models")
@admin_required
def models_page() -> str:
    """The scope's versions (active marked), recent jobs, and the retrain button."""
    session = db.get_session()
    site = _scope(session, request.args.get("site"))
    site_id = site.id if site else None
    with db.write() as tx:
        retrain_jobs.expire_stale(tx)
    recent = retrain_jobs.list_jobs(session, site_id)
    return render_template(
        "dashboard/models.html", site=site, sites=sites.list_sites(session),
        versions=model_versions.list_versions(session, site_id), jobs=recent,
        running=any(j.status in retrain_jobs.OPEN for j in recent), bundled=_bundled(),
        message=request.args.get("message"),
    )


@bp.get("/models/<version>")
@admin_required
def version_page(version: str) -> str:
    """One version's report: the gate's figures, the decision mix, the PR curve."""
    row = _version(db.get_session(), version)
    site = db.get_session().get(Site, row.site_id) if row.site_id else None
    return render_template("dashboard/model.html", row=row, site=site, report=row.report or {})


@bp.get("/models/<version>/pr.png")
@admin_required
def pr_curve(version: str) -> Response:
    """The version's precision–recall curves (PNG)."""
    row = _version(db.get_session(), version)
    if not row.pr_curve:
        abort(404)
    return Response(row.pr_curve, mimetype="image/png")


@bp.post("/models/retrain")
@admin_required
def retrain() -> Response:
    """Start a retrain job for the scope (or show the one already running)."""
    slug = request.form.get("site") or None
    with db.write() as session:
        site = _scope(session, slug)
        job, created = retrain_jobs.create_job(session, site.id if site else None,
                                               the_moderator().username)
    if created:
        _dispatch(job.id)
    return redirect(url_for(".models_page", site=slug))


@bp.post("/models/activate")
@admin_required
def activate() -> Response:
    """Roll back (or forward) to a version, or fall back to the global / bundled model."""
    slug = request.form.get("site") or None
    version = request.form.get("version", "")
    with db.write() as session:
        site = _scope(session, slug)
        try:
            message = model_versions.rollback(session, version, site.id if site else None,
                                              (FALLBACK, _bundled()))
        except InvalidData as exc:
            abort(404, str(exc))
    return redirect(url_for(".models_page", site=slug, message=message))


@bp.post("/models/rescore")
@admin_required
def rescore() -> Response:
    """Re-score the pending queue of the scope's sites with the model serving each now."""
    slug = request.form.get("site") or None
    done = []
    with db.write() as session:
        site = _scope(session, slug)
        for target in [site] if site else sites.list_sites(session):
            scorer = _site_scorer(target)
            count = rescore_pending(session, target, scorer)
            done.append(f"{target.slug}: {count} with {scorer.model_version}")
    message = "re-scored pending comments: " + "; ".join(done)
    return redirect(url_for(".models_page", site=slug, message=message))


@bp.get("/models/jobs/<int:job_id>.json")
@admin_required
def job_json(job_id: int) -> Response:
    """A job's status and progress (for polling)."""
    with db.write() as session:
        retrain_jobs.expire_stale(session)
        job = session.get(RetrainJob, job_id)
        if job is None:
            abort(404)
        return jsonify(id=job.id, status=str(job.status), progress=job.progress,
                       message=job.message, candidate=job.candidate_version, error=job.error)


def _dispatch(job_id: int) -> None:
    """Hand the job to its runner; a runner that cannot start fails the job at once."""
    settings = current_app.config["SETTINGS"]
    url = current_app.config.get("DATABASE_URL") or settings.database_url
    try:
        runner = jobs.dispatch(settings, job_id, url)
    except (OSError, RedisError) as exc:  # Redis down, fork refused: said on the job, no 500
        with db.write() as session:
            retrain_jobs.finish(session, retrain_jobs.get_job(session, job_id), JobStatus.FAILED,
                                f"could not start: {type(exc).__name__}", error=str(exc))
        return
    current_app.logger.info("retrain job %s started: %s", job_id, runner)


def _scope(session: Session, slug: str | None) -> Any:
    return sites.get_site(session, slug) if slug else None


def _version(session: Session, version: str) -> ModelVersion:
    row = model_versions.find_version(session, version)
    if row is None:
        abort(404)
    return row


def _bundled() -> str:
    """The bundled (base) model's version."""
    from moderation.scorer import default_model_dir

    settings = current_app.config["SETTINGS"]
    try:
        return str(read_sidecar(settings.model_dir or default_model_dir()).get("version"))
    except ModelRefused:
        return FALLBACK

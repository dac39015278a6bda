"""Retrain jobs: queued → running (with progress and a heartbeat) → succeeded/rejected/failed.

A running job's process writes ``heartbeat_at`` every few seconds. A job whose heartbeat is
older than ``STALE_SECONDS`` (its process died: a killed worker, a restarted host) is marked
failed the next time anyone looks (``expire_stale``), so it never stays "running" forever and a
new job for its scope can start; so is a job still queued after ``QUEUED_STALE_SECONDS``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .coltypes import utcnow
from .errors import InvalidData
from .schema import JobStatus, RetrainJob

STALE_SECONDS = 120
QUEUED_STALE_SECONDS = 1800  # a queued job nobody started in 30 minutes (no RQ worker running)
OPEN = (JobStatus.QUEUED, JobStatus.RUNNING)
MESSAGE_MAX = 500


def create_job(session: Session, site_id: int | None, requested_by: str) -> tuple[RetrainJob, bool]:
    """A new queued job for the scope, or the one already queued or running: ``(job, created)``."""
    expire_stale(session)
    query = select(RetrainJob).where(_scope(site_id), RetrainJob.status.in_(OPEN))
    existing = session.scalars(query.with_for_update()).first()
    if existing is not None:
        return existing, False
    job = RetrainJob(site_id=site_id, status=JobStatus.QUEUED, progress=0, message="queued",
                     requested_by=requested_by[:100])
    session.add(job)
    session.flush()
    return job, True


def get_job(session: Session, job_id: int) -> RetrainJob:
    """The job with this id; InvalidData when there is none."""
    job = session.get(RetrainJob, job_id)
    if job is None:
        raise InvalidData(f"no retrain job {job_id}")
    return job


def start(session: Session, job: RetrainJob, runner: str) -> None:
    """Mark the job running on ``runner`` (host:pid)."""
    if job.status is not JobStatus.QUEUED:
        raise InvalidData(f"retrain job {job.id} is {job.status}, not queued")
    now = utcnow()
    job.status, job.runner, job.started_at, job.heartbeat_at = JobStatus.RUNNING, runner, now, now
    session.flush()


def report_progress(session: Session, job: RetrainJob, progress: int, message: str) -> None:
    """Progress 0–100 and a one-line message; also a heartbeat."""
    job.progress = max(0, min(100, int(progress)))
    job.message = message[:MESSAGE_MAX]
    job.heartbeat_at = utcnow()
    session.flush()


def beat(session: Session, job_id: int) -> None:
    """Only the heartbeat (from the job's heartbeat thread)."""
    job = session.get(RetrainJob, job_id)
    if job is not None and job.status is JobStatus.RUNNING:
        job.heartbeat_at = utcnow()
        session.flush()


def finish(
    session: Session,
    job: RetrainJob,
    status: JobStatus,
    message: str,
    *,
    candidate: str | None = None,
    error: str | None = None,
) -> None:
    """Close the job: succeeded, rejected (by the gate) or failed."""
    if status in OPEN:
        raise InvalidData("a finished job is succeeded, rejected or failed")
    job.status, job.message, job.error = status, message[:MESSAGE_MAX], error
    job.candidate_version = candidate or job.candidate_version
    job.progress = 100
    job.finished_at = utcnow()
    session.flush()


def expire_stale(session: Session, stale_seconds: float = STALE_SECONDS) -> int:
    """Fail running jobs whose heartbeat stopped; returns how many."""
    cutoff = utcnow() - timedelta(seconds=stale_seconds)
    query = select(RetrainJob).where(
        RetrainJob.status == JobStatus.RUNNING,
        or_(RetrainJob.heartbeat_at.is_(None), RetrainJob.heartbeat_at < cutoff),
    )
    stale = list(session.scalars(query))
    for job in stale:
        finish(session, job, JobStatus.FAILED, "the worker stopped answering",
               error=f"no heartbeat for more than {stale_seconds:.0f} s (process ended?)")
    waited = utcnow() - timedelta(seconds=QUEUED_STALE_SECONDS)
    never = list(session.scalars(select(RetrainJob).where(
        RetrainJob.status == JobStatus.QUEUED, RetrainJob.created_at < waited)))
    for job in never:
        finish(session, job, JobStatus.FAILED, "no worker started the job",
               error=f"still queued after {QUEUED_STALE_SECONDS} s (is a worker running?)")
    return len(stale) + len(never)


def list_jobs(session: Session, site_id: int | None, limit: int = 10) -> list[RetrainJob]:
    """The scope's most recent jobs, newest first."""
    query = select(RetrainJob).where(_scope(site_id)).order_by(RetrainJob.id.desc())
    return list(session.scalars(query.limit(limit)))


def _scope(site_id: int | None) -> Any:
    return RetrainJob.site_id.is_(None) if site_id is None else RetrainJob.site_id == site_id

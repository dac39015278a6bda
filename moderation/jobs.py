"""Where retrain jobs run.

* Without ``MODERATION_REDIS_URL`` the service runs each job in a **background process** it
  starts itself (``python -m moderation.jobs JOB_ID``, a new session, so training never competes
  with request threads for the GIL and survives a worker's restart).
* With ``MODERATION_REDIS_URL`` the job is put on the RQ queue ``QUEUE`` and whichever
  ``moderation worker`` takes it runs it, so several web hosts share one queue.
* ``moderation retrain`` runs the job in its own foreground process.

Every runner calls ``run_job`` → ``retraining.Retrainer.run``, which records progress and a
heartbeat in the job row; a job whose process died is failed by ``retrain_jobs.expire_stale``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .settings import Settings

QUEUE = "moderation-retrain"
JOB_TIMEOUT = 3600  # seconds an RQ worker lets one job run


def dispatch(settings: Settings, job_id: int, database_url: str | None = None) -> str:
    """Start the job on RQ (with Redis) or in a background process; says which."""
    if settings.redis_url:
        return enqueue(settings.redis_url, job_id)
    process = spawn(settings, job_id, database_url)
    return f"process {process.pid}"


def enqueue(redis_url: str, job_id: int) -> str:
    """Put the job on the RQ queue."""
    from redis import Redis
    from rq import Queue

    queue = Queue(QUEUE, connection=Redis.from_url(redis_url))
    job = queue.enqueue(run_job, job_id, job_timeout=JOB_TIMEOUT, result_ttl=86400)
    return f"rq {job.id}"


def spawn(settings: Settings, job_id: int, database_url: str | None = None) -> subprocess.Popen[bytes]:
    """``python -m moderation.jobs JOB_ID`` in a new session, output to the instance's log."""
    env = {**os.environ, **settings_env(settings, database_url)}
    log_dir = Path(settings.instance_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"retrain-{job_id}.log").open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "moderation.jobs", str(job_id)],
                                   env=env, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    threading.Thread(target=process.wait, daemon=True).start()  # reap it: no zombie
    return process


def settings_env(settings: Settings, database_url: str | None = None) -> dict[str, str]:
    """The variables that make a child process see the same configuration."""
    env = {"MODERATION_INSTANCE_DIR": str(settings.instance_dir),
           "MODERATION_DATABASE_URL": database_url or settings.database_url,
           "MODERATION_SECRET_KEY": settings.secret_key,
           "MODERATION_MAX_LENGTH": str(settings.max_length)}
    if settings.model_dir:
        env["MODERATION_MODEL_DIR"] = str(settings.model_dir)
    if settings.data_dir:
        env["MODERATION_DATA_DIR"] = str(settings.data_dir)
    return env


def run_job(job_id: int, environ: Mapping[str, str] | None = None, **overrides: Any) -> str:
    """Run one job with the configuration of ``environ`` (default: this process's)."""
    from .retraining import Retrainer
    from .storage import make_engine, session_factory

    settings = Settings.from_env(environ)
    engine = make_engine(settings.database_url)
    try:
        retrainer = Retrainer.from_settings(settings, session_factory(engine), **overrides)
        return str(retrainer.run(job_id))
    finally:
        engine.dispose()


def work(redis_url: str, *, burst: bool = False) -> None:
    """Run an RQ worker on ``QUEUE`` (``moderation worker``)."""
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(redis_url)
    Worker([Queue(QUEUE, connection=connection)], connection=connection).work(burst=burst)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m moderation.jobs JOB_ID``: the service's background process for one job."""
    import logging

    args = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    status = run_job(int(args[0]))
    return 0 if status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())

"""``moderation serve``: the app under gunicorn, started from code (no gunicorn.conf.py).

Before any worker starts, the master validates the settings, creates or migrates the database and
makes sure the ``default`` site exists (its own origin allowed), so a fresh checkout serves the
demo at once. Each worker then builds its own app with ``create_app()`` (no preloading: engines
and connection pools are never shared across a fork). With more than one worker, Prometheus runs
in multiprocess mode in a fresh temporary directory, so ``/metrics`` sums all workers.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from typing import Any

from gunicorn.app.base import BaseApplication

from moderation.settings import Settings
from moderation.storage import make_engine, session_factory, sites, transaction
from moderation.storage.migrate import upgrade

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def default_workers() -> int:
    """Gunicorn's rule of thumb: two per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def own_origin(host: str, port: int) -> str:
    """The origin a browser uses to reach this server (a wildcard bind means localhost)."""
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def prepare(settings: Settings, origin: str) -> None:
    """Create or migrate the database and ensure the ``default`` site."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with transaction(session_factory(engine)) as session:
            sites.ensure_default_site(session, origin)
    finally:
        engine.dispose()


class Server(BaseApplication):  # type: ignore[misc]
    """A gunicorn application whose workers call ``web.create_app()``."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        from web import create_app

        return create_app()


def _child_exit(_server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (prometheus multiprocess mode)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def options(host: str, port: int, workers: int) -> dict[str, Any]:
    """Gunicorn settings for ``serve``."""
    opts: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": None,  # the app writes its own JSON access line
        "errorlog": "-",
        "proc_name": "moderation",
        # gunicorn ≥ 25 opens a control socket at one fixed path per user ($HOME/.gunicorn);
        # two instances on one host (ports 8000 and 8001, or the tests) would fight over it.
        "control_socket_disable": True,
    }
    if os.environ.get(MULTIPROC_ENV):
        opts["child_exit"] = _child_exit
    return opts


def run(host: str, port: int, workers: int | None = None) -> int:
    """Prepare the database and serve until stopped."""
    settings = Settings.from_env()
    origin = own_origin(host, port)
    prepare(settings, origin)
    workers = workers or default_workers()
    metrics_dir = None
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        metrics_dir = tempfile.mkdtemp(prefix="moderation-metrics-")
        os.environ[MULTIPROC_ENV] = metrics_dir  # before any worker imports prometheus_client
    print(
        f"moderation: serving {origin} with {workers} workers; demo at {origin}/demo",
        file=sys.stderr,
    )
    master = os.getpid()
    try:
        Server(options(host, port, workers)).run()
    finally:
        # Workers are forked from here and leave through this frame too (gunicorn ends them
        # with SystemExit): only the master may remove the directory they all write to.
        if metrics_dir and os.getpid() == master:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0

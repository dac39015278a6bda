"""One retrain job, start to finish: decisions → candidate → gate → registry.

``Retrainer(...).run(job_id)`` is what every runner calls (``moderation retrain`` in the
foreground, the service's background process, an RQ worker):

1. collect the scope's labelled decisions (``decisions.collect``); fewer than
   ``MIN_DECISIONS`` → the job fails and the scope keeps its current model (a site: the global);
2. hold out the most recent ``HELD_OUT_SHARE`` (at least ``MIN_HELD_OUT``) for the gate;
3. train a candidate on the bundled data (the public sets in ``MODERATION_DATA_DIR`` when set,
   and the news corpus) plus the remaining decisions, without the out-of-fold threshold search;
   its thresholds then carry the serving model's operating point over (``gate.calibrate``);
4. compare it with the serving model (``gate``), store it with its report and PR-curve PNG,
   and activate it when the gate says so.

Progress (0–100 and a message) and a heartbeat go to the job row as it runs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from . import classifier, datasets, decisions, gate, model_store
from .policy import DEFAULT_MAX_LENGTH, Thresholds
from .scorer import Scorer, load_scorer
from .storage import model_versions, retrain_jobs, transaction
from .storage.coltypes import utcnow
from .storage.schema import JobStatus, ModelStatus, Site
from .storage.sites import site_thresholds

MIN_DECISIONS = 50
HELD_OUT_SHARE = 0.2
MIN_HELD_OUT = 10
HEARTBEAT_SECONDS = 10.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Serving:
    """The model a scope uses now: its version and directory (a cached version or the bundled)."""

    version: str
    directory: Path


@dataclass(frozen=True)
class Retrainer:
    """Everything a job needs; build one with ``from_settings``."""

    sessions: sessionmaker[Session]
    instance_dir: Path
    bundled_dir: Path
    data_dir: Path | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    corpus: Path | None = None  # the news corpus to train on (default: the bundled one)
    seed: int = 0
    echo: Callable[[int, str], Any] = field(default=lambda progress, message: None)

    @classmethod
    def from_settings(cls, settings: Any, sessions: sessionmaker[Session],
                      **overrides: Any) -> Retrainer:
        """From ``moderation.settings.Settings``."""
        from .scorer import default_model_dir

        return cls(sessions, settings.instance_dir, settings.model_dir or default_model_dir(),
                   settings.data_dir, settings.max_length, **overrides)

    @property
    def cache(self) -> Path:
        return model_store.cache_root(self.instance_dir)

    def run(self, job_id: int) -> JobStatus:
        """Run the job to its end; returns its final status (never raises for a failed job)."""
        with transaction(self.sessions) as s:
            retrain_jobs.start(s, retrain_jobs.get_job(s, job_id), _runner())
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job_id, stop), daemon=True)
        beat.start()
        try:
            return self._run(job_id)
        except Exception as exc:  # the job records any failure; the runner stays alive
            log.exception("retrain job %s failed", job_id)
            self._finish(job_id, JobStatus.FAILED, f"failed: {type(exc).__name__}: {exc}",
                         error=repr(exc))
            return JobStatus.FAILED
        finally:
            stop.set()
            beat.join(timeout=5)

    def _run(self, job_id: int) -> JobStatus:
        self._progress(job_id, 2, "collecting decisions")
        with transaction(self.sessions) as s:
            site_id = retrain_jobs.get_job(s, job_id).site_id
            site = s.get(Site, site_id) if site_id is not None else None
            scope = site.slug if site is not None else "global"
            overrides = site_overrides(site)
            rows = decisions.collect(s, site_id)
            serving = self.serving(s, site_id)
        if len(rows) < MIN_DECISIONS:
            message = (f"too few decisions for {scope}: {len(rows)} < {MIN_DECISIONS}; it keeps "
                       f"using {serving.version}")
            self._finish(job_id, JobStatus.FAILED, message)
            return JobStatus.FAILED
        train_rows, held = decisions.split_recent(rows, HELD_OUT_SHARE, MIN_HELD_OUT)
        version = f"{scope}-{utcnow():%Y%m%d-%H%M%S}-j{job_id}"
        with self._workdir(job_id) as work:
            self._train(job_id, work, train_rows, serving, version)
            self._progress(job_id, 75, "evaluating: the held-out decisions and reference sets")
            report, png = self._evaluate(work, serving, held, train_rows, overrides)
            return self._register(job_id, site_id, version, work, serving, report, png)

    def serving(self, session: Session, site_id: int | None) -> Serving:
        """The scope's model now: its active version, else the global one, else the bundled."""
        row = model_versions.active_version(session, site_id)
        if row is None and site_id is not None:
            row = model_versions.active_version(session, None)
        if row is None:
            version = str(classifier.read_sidecar(self.bundled_dir).get("version", "bundled"))
            return Serving(version, self.bundled_dir)
        return Serving(row.version, model_store.materialize(session, self.cache, row.version,
                                                            row.sha256))

    def _train(self, job_id: int, work: Path, rows: list[decisions.Decided], serving: Serving,
               version: str) -> None:
        extra = decisions.as_training_set(rows, "site-decisions")
        thresholds = classifier.read_sidecar(serving.directory).get("thresholds") or None
        data = self.data_dir or work / "no-public-data"
        if self.data_dir is None:
            self._progress(job_id, 5, "MODERATION_DATA_DIR is not set: training on the news "
                           "corpus and the decisions only")
        lines = iter(range(10, 70, 2))
        self._progress(job_id, 8, f"training {version} on {len(rows)} decisions + bundled data")
        datasets_log = lambda line: self._progress(job_id, next(lines, 70), str(line)[:200])
        from .training import train

        train(data, work, seed=self.seed, log=datasets_log, corpus=self.corpus,
              extra=[extra], thresholds=thresholds, version=version)

    def _evaluate(self, work: Path, serving: Serving, held: list[decisions.Decided],
                  train_rows: list[decisions.Decided],
                  overrides: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
        base = load_scorer(serving.directory, max_length=self.max_length)
        thresholds = self._calibrate(work, base)
        current = base.for_site(**overrides)
        candidate = load_scorer(work, max_length=self.max_length).for_site(**overrides)
        site_now, site_new = gate.site_metrics(current, held), gate.site_metrics(candidate, held)
        ref_now, _ = gate.reference_aucs(serving.directory, self.data_dir)
        ref_new = gate.headline_aucs(classifier.read_sidecar(work).get("metrics") or {})
        promote, reasons = gate.decide(site_now, site_new, ref_now, ref_new)
        report = {
            "promote": promote, "reasons": reasons, "tolerance": gate.REFERENCE_TOLERANCE,
            "parent": serving.version, "decisions": {"trained": len(train_rows),
                                                     "held_out": len(held)},
            "sources": _sources(train_rows + held),
            "site": {"current": site_now, "candidate": site_new},
            "reference": {"current": ref_now, "candidate": ref_new},
            "thresholds": thresholds,
            "parent_thresholds": {str(c): [t.review_at, t.reject_at]
                                  for c, t in base.policy.thresholds.items()},
            "data_dir": str(self.data_dir) if self.data_dir else None,
        }
        return report, _png(current, candidate, held)

    def _calibrate(self, work: Path, base: Scorer) -> dict[str, list[float]]:
        """Give the candidate the parent's operating point (``gate.calibrate``): its sidecar's
        thresholds are rewritten (the sidecar is not covered by the artifact's sha256)."""
        candidate = classifier.load(work)
        texts = [t for ds in (datasets.news_dev(), datasets.news_test()) if ds is not None
                 for t in ds.texts]
        assert base.classifier is not None, "a refused parent fails the job before this"
        parent = {str(c): t for c, t in base.policy.thresholds.items()}
        thresholds = gate.calibrate(base.classifier, candidate, texts, parent)
        sidecar = work / f"{classifier.MODEL_NAME}.json"
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        meta["thresholds"] = thresholds
        meta["threshold_selection"] = {"data": "the parent's operating point carried over: "
                                       "same held and rejected shares of the news evaluation "
                                       "comments (texts only)", "parent": base.model_version}
        sidecar.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return thresholds

    def _register(self, job_id: int, site_id: int | None, version: str, work: Path,
                  serving: Serving, report: dict[str, Any], png: bytes | None) -> JobStatus:
        artifact, sidecar = model_store.read_model_dir(work)
        with transaction(self.sessions) as s:
            row = model_versions.add_version(s, version, site_id, artifact, sidecar,
                                             parent=serving.version, report=report, pr_curve=png)
            job = retrain_jobs.get_job(s, job_id)
            if report["promote"]:
                model_versions.activate(s, row)
                retrain_jobs.finish(s, job, JobStatus.SUCCEEDED, f"promoted {version}",
                                    candidate=version)
                status = JobStatus.SUCCEEDED
            else:
                model_versions.set_status(s, row, ModelStatus.REJECTED)
                retrain_jobs.finish(s, job, JobStatus.REJECTED,
                                    f"{version} refused by the gate; {serving.version} stays",
                                    candidate=version)
                status = JobStatus.REJECTED
        self.echo(100, f"{status}: " + "; ".join(report["reasons"]))
        return status

    @contextmanager
    def _workdir(self, job_id: int) -> Iterator[Path]:
        self.cache.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".train-{job_id}-", dir=self.cache))
        try:
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _progress(self, job_id: int, progress: int, message: str) -> None:
        self.echo(progress, message)
        with transaction(self.sessions) as s:
            retrain_jobs.report_progress(s, retrain_jobs.get_job(s, job_id), progress, message)

    def _finish(self, job_id: int, status: JobStatus, message: str,
                error: str | None = None) -> None:
        self.echo(100, message)
        with transaction(self.sessions) as s:
            retrain_jobs.finish(s, retrain_jobs.get_job(s, job_id), status, message, error=error)

    def _heartbeat(self, job_id: int, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                with transaction(self.sessions) as s:
                    retrain_jobs.beat(s, job_id)
            except Exception:  # a missed beat is harmless; the next one may get through
                log.warning("retrain job %s: heartbeat failed", job_id, exc_info=True)


def site_overrides(site: Site | None) -> dict[str, Any]:
    """The site's word lists and thresholds (applied to both models in the gate)."""
    if site is None:
        return {}
    thresholds: dict[str, Thresholds] = {str(k): v for k, v in site_thresholds(site).items()}
    return {"deny": tuple(site.deny_words or ()), "allow": tuple(site.allow_words or ()),
            "thresholds": thresholds or None}


def _sources(rows: list[decisions.Decided]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r.source] = out.get(r.source, 0) + 1
    return out


def _png(current: Scorer, candidate: Scorer, held: list[decisions.Decided]) -> bytes | None:
    """PR curves of both models on the held-out decisions and on dev_news."""
    try:
        dev = datasets.news_dev()
        if dev is None:
            return None
        now = utcnow()
        dev_rows = [decisions.Decided(t, tuple(row), 1.0, now, "dev")  # type: ignore[arg-type]
                    for t, row in zip(dev.texts, dev.labels.tolist(), strict=True)]
        panels = {"held-out decisions": held, "reference: dev_news": dev_rows}
        return gate.pr_curve_png({
            panel: {"current": gate.curve_data(current, rows),
                    "candidate": gate.curve_data(candidate, rows)}
            for panel, rows in panels.items()})
    except ImportError:  # matplotlib missing: the report stays, without the picture
        return None


def _runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]

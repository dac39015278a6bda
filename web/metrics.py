"""Prometheus metrics: requests by endpoint and status, latency, decisions by outcome, model loaded.

Each app gets its own registry (tests build many apps in one process). Under ``moderation serve``
with several workers, ``PROMETHEUS_MULTIPROC_DIR`` is set before the workers start; the metric
values then live in files in that directory and ``/metrics`` sums every worker's (prometheus
client's multiprocess mode). Without it, ``/metrics`` shows the answering worker only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from moderation import Verdict

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True)
class Metrics:
    """The app's metric objects and the registry they belong to."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    decisions: Counter
    model_loaded: Gauge

    @classmethod
    def create(cls) -> Metrics:
        """Fresh metrics in a fresh registry."""
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            requests=Counter(
                "moderation_http_requests_total",
                "HTTP requests by endpoint, method and status.",
                ["endpoint", "method", "status"],
                registry=registry,
            ),
            latency=Histogram(
                "moderation_http_request_duration_seconds",
                "Time spent answering a request, by endpoint.",
                ["endpoint"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            decisions=Counter(
                "moderation_decisions_total",
                "Scorer decisions by outcome (approve, review, reject) and by API family.",
                ["decision", "source"],
                registry=registry,
            ),
            model_loaded=Gauge(
                "moderation_model_loaded",
                "1 when the trained model is loaded, 0 when running on the word list alone.",
                registry=registry,
                multiprocess_mode="max",
            ),
        )

    def render(self) -> bytes:
        """The exposition text: every worker's values in multiprocess mode, else this registry."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def record_decisions(verdicts: Iterable[Verdict], source: str) -> None:
    """Count decisions (for any blueprint that scores text)."""
    counter = current_app.extensions["metrics"].decisions
    for verdict in verdicts:
        counter.labels(str(verdict.decision), source).inc()


def metrics_response() -> Response:
    """The ``/metrics`` body."""
    metrics: Metrics = current_app.extensions["metrics"]
    return Response(metrics.render(), mimetype=CONTENT_TYPE_LATEST)


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    metrics: Metrics = current_app.extensions["metrics"]
    endpoint = request.endpoint or "unmatched"  # bounded label values: route names, not paths
    started = g.get("metrics_started", time.perf_counter())
    metrics.requests.labels(endpoint, request.method, str(response.status_code)).inc()
    metrics.latency.labels(endpoint).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask, *, model_loaded: bool) -> None:
    """Create the app's metrics and time every request."""
    metrics = Metrics.create()
    metrics.model_loaded.set(1 if model_loaded else 0)
    app.extensions["metrics"] = metrics
    app.before_request(_start)
    app.after_request(_observe)

"""Two app servers, one PostgreSQL, one Redis: what one host does, the other sees.

Two ``moderation serve`` processes on different ports stand for two machines behind a load
balancer (each with its own instance directory, so nothing is shared through the disk), with
the same ``MODERATION_SECRET_KEY``, database and Redis. One reader's submissions alternate
between them and meet one rate limit; a comment submitted on A is in B's review queue, a
moderator logged in on A decides on B, and A shows the decision; a model promoted on A's
dashboard is picked up by both, and a damaged one promoted on B leaves both up, degraded and
publishing nothing on their own until it is rolled back. docs/DEPLOY.md describes the setup.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from moderation.storage import (
    Role,
    make_engine,
    model_versions,
    moderators,
    session_factory,
    sites,
    transaction,
)
from moderation.storage.migrate import upgrade
from moderation.storage.schema import ModelStatus

from ..conftest import _pg_database
from ..test_cli_service import wait_ready
from .serving import serve

REDIS_URL = "redis://127.0.0.1:6379/13"
BUNDLED = Path(__file__).resolve().parents[2] / "models"
PASSWORD = "correct horse battery"
MODERATOR = f"mod-{uuid.uuid4().hex[:8]}"  # login limits live in the shared Redis: new each run
SITE = "multi"
CALM = "Thanks for the clear reporting on the ferry timetable."
HOLD_EVERYTHING = {
    c: {"review_at": 0.0, "reject_at": 1.0} for c in ("obscene", "personal", "derogatory")
}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Host:
    base: str
    instance: Path
    proc: subprocess.Popen[str]


@pytest.fixture(scope="module")
def redis_up() -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Redis at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")


@pytest.fixture(scope="module")
def cluster(pg_server: URL, redis_up: None, tmp_path_factory) -> Iterator[tuple[Host, Host, str]]:
    """Hosts A and B on a fresh PostgreSQL database; yields them and the database URL."""
    with _pg_database(pg_server) as url:
        db_url = url.render_as_string(hide_password=False)
        upgrade(db_url)
        seed(db_url)
        env = {
            **os.environ,
            "MODERATION_DATABASE_URL": db_url,
            "MODERATION_REDIS_URL": REDIS_URL,
            "MODERATION_SECRET_KEY": "one-secret-for-every-host-" + uuid.uuid4().hex,
            "MODERATION_PROXY_HOPS": "1",
            "MODERATION_WIDGET_RATE_LIMIT": "4/minute",
            "MODERATION_MODEL_CHECK_SECONDS": "1",
            "MODERATION_LOG_LEVEL": "WARNING",
        }
        hosts = [start(env, tmp_path_factory.mktemp(name)) for name in ("host-a", "host-b")]
        try:
            for host in hosts:
                wait_ready(host.base, host.proc)
            yield hosts[0], hosts[1], db_url
        finally:
            for host in hosts:
                host.proc.terminate()
            for host in hosts:
                host.proc.communicate(timeout=30)


def start(env: dict[str, str], instance: Path) -> Host:
    base, proc = serve({**env, "MODERATION_INSTANCE_DIR": str(instance)}, workers=1)
    return Host(base, instance, proc)


def seed(db_url: str) -> None:
    """A site that holds every comment for review, and an admin (who may also promote models)."""
    engine = make_engine(db_url)
    with transaction(session_factory(engine)) as session:
        sites.create_site(session, SITE, "Multi", thresholds=HOLD_EVERYTHING)
        moderators.create_moderator(session, MODERATOR, PASSWORD, Role.ADMIN)
    engine.dispose()


class Browser:
    """One moderator's browser: a cookie jar shared by both hosts (as behind one domain)."""

    def __init__(self) -> None:
        self.address = fresh_address()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, url: str, data: bytes | None = None, headers: dict[str, str] | None = None):
        headers = {"X-Forwarded-For": self.address, **(headers or {})}
        req = urllib.request.Request(url, data=data, headers=headers)
        try:
            with self.opener.open(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def token(self, url: str) -> str:
        found = TOKEN.search(self.request(url)[1])
        assert found, f"no csrf_token on {url}"
        return found.group(1)

    def login(self, base: str) -> None:
        form = {
            "username": MODERATOR,
            "password": PASSWORD,
            "csrf_token": self.token(f"{base}/dashboard/login"),
        }
        status, _ = self.request(f"{base}/dashboard/login", urllib.parse.urlencode(form).encode())
        assert status == 200


def submit(base: str, address: str, thread: str, text: str, site: str = SITE) -> tuple[int, dict]:
    body = json.dumps({"author": "Reader", "text": text, "idempotency_key": uuid.uuid4().hex})
    req = urllib.request.Request(
        f"{base}/api/v1/sites/{site}/threads/{thread}/comments",
        data=body.encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": address},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def fresh_address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def test_one_rate_limit_across_hosts(cluster):
    a, b, _ = cluster
    address, thread = fresh_address(), uuid.uuid4().hex
    statuses = [
        submit(host.base, address, thread, f"Remark {i}.")[0] for i, host in enumerate([a, b] * 3)
    ]
    assert statuses == [202, 202, 202, 202, 429, 429]  # 4/minute for the reader, wherever it lands


def test_queue_and_decisions_are_the_same_on_both_hosts(cluster):
    a, b, _ = cluster
    thread, text = uuid.uuid4().hex, f"A remark to review {uuid.uuid4().hex[:8]}"
    status, body = submit(a.base, fresh_address(), thread, text)
    assert status == 202 and body["status"] == "pending"
    browser = Browser()
    browser.login(a.base)  # the session cookie is good on B too (one secret key)
    status, queue_on_b = browser.request(f"{b.base}/dashboard/?site={SITE}")
    card = f'value="approve:{body["id"]}"'  # the card's approve button
    assert status == 200 and card in queue_on_b and text in queue_on_b
    decide = json.dumps({"ids": [body["id"]], "action": "approve"}).encode()
    headers = {
        "Content-Type": "application/json",
        "X-CSRFToken": browser.token(f"{b.base}/dashboard/"),
    }
    status, _ = browser.request(f"{b.base}/dashboard/decide.json", decide, headers)
    assert status == 200
    published = json.loads(
        urllib.request.urlopen(f"{a.base}/api/v1/sites/{SITE}/threads/{thread}/comments").read()
    )
    assert [c["id"] for c in published["comments"]] == [body["id"]]
    status, queue_on_a = browser.request(f"{a.base}/dashboard/?site={SITE}")
    assert status == 200 and card not in queue_on_a


def test_a_model_promoted_on_one_host_is_picked_up_by_every_host(cluster):
    """A candidate version (what ``moderation retrain`` stores; training itself is too slow for
    the normal run) is activated by an admin on host A's dashboard; A and B both serve it."""
    a, b, db_url = cluster
    version = f"promoted-{uuid.uuid4().hex[:6]}"
    store_candidate(db_url, version, *bundled())
    promoted = activate_on(a, version)
    for host in (a, b):
        wait_for(host, lambda model: model.get("version") == version, promoted)
        cached = host.instance / "models" / version / "moderation.skops"
        assert cached.is_file()  # written from the database: the hosts share no disk
        print(f"{host.base} serves {version} {time.monotonic() - promoted:.1f} s after promotion")


def test_a_bad_model_promoted_on_one_host_degrades_every_host_safely(cluster):
    """A truncated artifact activated on B: both hosts stay up, say degraded, publish nothing
    on their own; rolling back to the bundled model on A puts both back."""
    a, b, db_url = cluster
    bad = f"bad-{uuid.uuid4().hex[:6]}"
    artifact, sidecar = bundled()
    half = artifact[: len(artifact) // 2]
    store_candidate(db_url, bad, half, {**sidecar, "sha256": hashlib.sha256(half).hexdigest()})
    promoted = activate_on(b, bad)
    for host in (a, b):
        model = wait_for(host, lambda model: model["degraded"], promoted)
        assert "truncated" in model["reason"]
        status, body = submit(host.base, fresh_address(), uuid.uuid4().hex, CALM, "default")
        assert status == 202 and body["status"] == "pending"  # held, never auto-approved
    rolled_back = activate_on(a, "bundled", expect="retired " + bad)
    for host in (a, b):
        wait_for(host, lambda model: model.get("version") == sidecar["version"], rolled_back)


def bundled() -> tuple[bytes, dict]:
    return (BUNDLED / "moderation.skops").read_bytes(), json.loads(
        (BUNDLED / "moderation.json").read_text()
    )


def store_candidate(db_url: str, version: str, artifact: bytes, sidecar: dict) -> None:
    """``artifact`` stored as a candidate version named ``version``."""
    engine = make_engine(db_url)
    with transaction(session_factory(engine)) as session:
        model_versions.add_version(
            session,
            version,
            None,
            artifact,
            {**sidecar, "version": version},
            status=ModelStatus.CANDIDATE,
        )
    engine.dispose()


def activate_on(host: Host, version: str, expect: str | None = None) -> float:
    """An admin activates ``version`` (or ``bundled``, the rollback) on ``host``'s dashboard;
    the moment it was done."""
    browser = Browser()
    browser.login(host.base)
    form = {"version": version, "site": "", "csrf_token": browser.token(f"{host.base}/dashboard/")}
    status, page = browser.request(
        f"{host.base}/dashboard/models/activate", urllib.parse.urlencode(form).encode()
    )
    assert status == 200 and (expect or f"activated {version}") in page, page[-2000:]
    return time.monotonic()


def wait_for(host: Host, ready: Callable[[dict], bool], since: float) -> dict:
    """Poll the host's ``/readyz`` model state until ``ready`` (30 s at most)."""
    while True:
        model = readyz_model(host)
        if ready(model):
            return model
        assert time.monotonic() < since + 30, f"{host.base}: {model}"
        time.sleep(0.2)


def readyz_model(host: Host) -> dict:
    with urllib.request.urlopen(f"{host.base}/readyz", timeout=10) as resp:
        model: dict = json.loads(resp.read())["model"]
        return model

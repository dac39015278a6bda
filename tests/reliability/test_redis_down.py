"""Redis down: the widget keeps accepting comments and rate limits still hold, per worker.

With ``MODERATION_REDIS_URL`` pointing at a Redis that does not answer, or refuses writes, each
worker counts in its own memory (see ``web/limits.py``): the limit still applies to a client
that reaches the same worker, nothing answers 500, and the worker goes back to Redis once it
answers. The shared Redis is never stopped here (a private ``redis-server`` is, when installed);
``bench/faults.py redis-down`` stops and restarts the real one under load.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from moderation.settings import Settings

from ..test_cli_service import free_port
from ..widget_support import dispose, make_app

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
LIVE_REDIS = "redis://127.0.0.1:6379/15"


def app_with_redis(db_url, tmp_path, redis_url: str):
    settings = Settings.from_env(
        {
            "MODERATION_INSTANCE_DIR": str(tmp_path),
            "MODERATION_SECRET_KEY": "test-secret-key-0123456789",
            "MODERATION_REDIS_URL": redis_url,
        }
    )
    return make_app(db_url, tmp_path, SETTINGS=settings, WIDGET_RATE_LIMIT_ADDRESS="3/minute")


def submit(client, address: str, n: int) -> list[int]:
    thread = uuid.uuid4().hex  # the per-thread limit stays out of the way
    statuses = []
    for i in range(n):
        resp = client.post(
            f"/api/v1/sites/default/threads/{thread}/comments",
            json={
                "author": "Ann",
                "text": f"Calm remark {i}.",
                "idempotency_key": f"k-{thread}-{i}",
            },
            environ_base={"REMOTE_ADDR": address},
        )
        statuses.append(resp.status_code)
    return statuses


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_widget_accepts_comments_and_limits_per_worker_when_redis_is_down(db_url, tmp_path, caplog):
    app = app_with_redis(db_url, tmp_path, DEAD_REDIS)
    try:
        with caplog.at_level(logging.WARNING, logger="flask-limiter"):
            statuses = submit(app.test_client(), "192.0.2.7", 5)
        assert statuses == [201, 201, 201, 429, 429]
        assert "falling back to in-memory storage" in caplog.text
        assert submit(app.test_client(), "192.0.2.8", 1) == [201]  # another reader is not limited
    finally:
        dispose(app)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_with_redis_up_the_limit_is_counted_there(db_url, tmp_path):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(LIVE_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {LIVE_REDIS}: {exc}")
    app = app_with_redis(db_url, tmp_path, LIVE_REDIS)
    address = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"  # new each run
    try:
        assert submit(app.test_client(), address, 4) == [201, 201, 201, 429]
        keys = redis.Redis.from_url(LIVE_REDIS).keys(f"*{address}*")
        assert keys, "the counter is not in Redis"
    finally:
        dispose(app)


class PrivateRedis:
    """A ``redis-server`` of this test's own, to stop, start and break."""

    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = shutil.which("redis-server")
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            [str(exe), *args, "--dir", str(self.dir)], stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while not self.alive():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1)

    def alive(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    pytest.importorskip("redis")
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server to start")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_redis_that_refuses_writes_is_a_redis_that_is_down(
    db_url, tmp_path, private_redis, caplog
):
    private_redis.client().config_set("maxmemory", "1")  # every write: "OOM command not allowed"
    app = app_with_redis(db_url, tmp_path, private_redis.url)
    try:
        with caplog.at_level(logging.WARNING, logger="flask-limiter"):
            assert submit(app.test_client(), "192.0.2.9", 5) == [201, 201, 201, 429, 429]
        assert "falling back to in-memory storage" in caplog.text
    finally:
        dispose(app)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_limits_go_back_to_redis_when_it_answers_again(db_url, tmp_path, private_redis):
    app = app_with_redis(db_url, tmp_path, private_redis.url)
    client = app.test_client()
    try:
        assert submit(client, "192.0.2.10", 1) == [201]
        assert private_redis.client().keys("*192.0.2.10*")
        private_redis.stop()
        assert submit(client, "192.0.2.11", 2) == [201, 201]  # counted in memory
        private_redis.start()  # empty: a restarted Redis without persistence
        # The worker tries Redis again 1 s after finding it down, doubling the wait (to 32 s at
        # most) each time it is still down, so poll with fresh addresses rather than sleep once.
        deadline = time.monotonic() + 40
        for n in range(12, 250):
            address = f"192.0.2.{n}"
            assert submit(client, address, 1) == [201]
            if private_redis.client().keys(f"*{address}*"):
                break
            assert time.monotonic() < deadline, "still counting in memory 40 s after Redis returned"
            time.sleep(0.25)
        else:
            pytest.fail("still counting in memory")
    finally:
        dispose(app)

"""Redis down: the widget keeps accepting comments and rate limits still hold, per worker.

With ``MODERATION_REDIS_URL`` pointing at a Redis that does not answer, each worker counts in its
own memory (see ``web/limits.py``): the limit still applies to a client that reaches the same
worker, nothing answers 500. The shared Redis is never stopped here; ``bench/faults.py
redis-down`` stops and restarts the real one under load.
"""

from __future__ import annotations

import logging
import uuid

import pytest

from moderation.settings import Settings

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

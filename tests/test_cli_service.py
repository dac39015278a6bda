"""The service commands: create-site, create-api-key, and serve (a real gunicorn in a subprocess)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from moderation.cli import main
from moderation.storage import apikeys, make_engine, session_factory, sites

BIN = Path(sys.executable).parent


@pytest.fixture
def env(monkeypatch, db_url, tmp_path) -> dict[str, str]:
    """The MODERATION_* variables every command reads, pointed at the test database."""
    values = {"MODERATION_DATABASE_URL": db_url, "MODERATION_INSTANCE_DIR": str(tmp_path)}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_site_then_a_key_printed_alone_on_the_last_line(env, capsys, db_url):
    code, out, _ = run(capsys, "create-site", "news", "--origin", "https://News.example/")
    assert code == 0
    assert "https://news.example" in out
    code, out, _ = run(capsys, "create-api-key", "--site", "news", "--name", "cms")
    assert code == 0
    raw = out.splitlines()[-1]
    assert raw.startswith("mod_") and raw == raw.strip() and " " not in raw
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        key = apikeys.verify_api_key(session, raw)
        assert key is not None and key.name == "cms"
        assert sites.get_site(session, "news").origins == ["https://news.example"]
    engine.dispose()


def test_errors_are_one_line_and_exit_2(env, capsys):
    assert run(capsys, "create-site", "news")[0] == 0
    code, _, err = run(capsys, "create-site", "news")
    assert code == 2 and "already exists" in err
    code, out, err = run(capsys, "create-api-key", "--site", "nowhere")
    assert code == 2 and "nowhere" in err and out == ""
    code, _, err = run(capsys, "create-site", "Bad Slug!")
    assert code == 2 and "slug" in err


def test_commands_read_the_same_variables(monkeypatch, env, capsys):
    monkeypatch.setenv("MODERATION_DATABASE_URL", "mysql://nope")
    code, _, err = run(capsys, "create-site", "news")
    assert code == 2 and "MODERATION_DATABASE_URL" in err


# --- serve ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, body: dict | None = None, key: str | None = None) -> tuple[int, dict | str]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            raw = resp.read().decode()
            status = resp.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read().decode(), exc.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "server exited"
        try:
            status, body = get(f"{base}/readyz")
            if status == 200:
                return body  # type: ignore[return-value]
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("moderation serve did not become ready")


def test_serve_migrates_a_fresh_database_and_serves(tmp_path, capsys, monkeypatch):
    fresh = f"sqlite:///{tmp_path / 'fresh' / 'moderation.db'}"
    env = {**os.environ, "MODERATION_DATABASE_URL": fresh, "MODERATION_INSTANCE_DIR": str(tmp_path)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "moderation"), "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    try:
        ready = wait_ready(base, proc)
        assert ready["database"] == "ok"
        assert "loaded" in ready["model"]
        for name, value in env.items():
            if name.startswith("MODERATION_"):
                monkeypatch.setenv(name, value)
        code, out, _ = run(capsys, "create-api-key", "--site", "default")
        assert code == 0
        key = out.splitlines()[-1]
        for _ in range(4):  # reach both workers
            status, body = get(f"{base}/api/v1/moderate", {"text": "fuck this"}, key)
            assert status == 200 and body["decision"] == "reject"
        status, _ = get(f"{base}/api/v1/moderate", {"text": "hi"}, "mod_wrong")
        assert status == 401
        status, metrics = get(f"{base}/metrics")
        assert 'decision="reject",source="native"} 4.0' in metrics  # summed over workers
        engine = make_engine(fresh)
        with session_factory(engine)() as session:
            assert sites.get_site(session, "default").origins == [base]
        engine.dispose()
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr[-3000:]
    assert "Control socket" not in stderr  # one per user and path: instances would collide


def test_a_worker_that_dies_is_replaced_and_metrics_survive(tmp_path):
    env = {**os.environ, "MODERATION_INSTANCE_DIR": str(tmp_path)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "moderation"), "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_ready(base, proc)
        first = worker_pids(proc.pid, 2)
        os.kill(first[0], signal.SIGTERM)  # the worker leaves through the master's frames
        deadline = time.monotonic() + 30
        while set(worker_pids(proc.pid, 0)) & {first[0]} or len(worker_pids(proc.pid, 0)) < 2:
            assert time.monotonic() < deadline, "the worker was not replaced"
            time.sleep(0.2)
        for _ in range(6):  # every worker, the new one included, still writes its metrics
            assert get(f"{base}/metrics")[0] == 200
            assert wait_ready(base, proc)["database"] == "ok"
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]


def worker_pids(master: int, at_least: int) -> list[int]:
    """The master's child processes (gunicorn workers), waiting until there are ``at_least``."""
    deadline = time.monotonic() + 30
    while True:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if len(children) >= at_least or time.monotonic() > deadline:
            return [int(pid) for pid in children]
        time.sleep(0.2)


def test_serve_refuses_bad_settings_before_starting(monkeypatch, env, capsys):
    monkeypatch.setenv("MODERATION_API_RATE_LIMIT", "lots")
    code, _, err = run(capsys, "serve", "--port", str(free_port()))
    assert code == 2 and "MODERATION_API_RATE_LIMIT" in err

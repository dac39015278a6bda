"""Faults under load: the submission load of ``submit_load.py`` while something breaks.

    python bench/faults.py kill-worker                    # SIGKILL a worker every 2 s (SQLite)
    python bench/faults.py kill-worker --database-url postgresql://postgres@127.0.0.1:5432/test
    python bench/faults.py restart-postgres --database-url postgresql://postgres@127.0.0.1:5432/test
    python bench/faults.py redis-down                     # stop the local Redis for 10 s

Every mode runs the widget load (default 10,000 submissions from 64 clients, 4 workers) and
then checks the database as ``submit_load.py`` does: nothing acknowledged is lost, nothing is
duplicated, every stored comment was acknowledged to its client (nothing stored is reported as
failed), each comment has its event, SQLite's integrity check passes. Clients retry a
transport error or a 503 with the same idempotency key, as the widget does; a 503 is allowed
only in ``restart-postgres``, any other 5xx fails the run.

* ``kill-worker``: SIGKILL a random gunicorn worker at once, then every ``--every`` seconds (2).
* ``restart-postgres``: ``pg_ctlcluster 15 main restart`` (``--pg-restart``) ``--restarts``
  times (3) during the load; reports how long after PostgreSQL was back the service answered
  again (``/readyz`` 200, and the first accepted submission): must be ≤ 5 s.
* ``redis-down``: the service with ``MODERATION_REDIS_URL``; a probe address counts how many
  submissions pass before its first 429 with Redis up (the limit, 10/minute by default) and down
  (per-worker counts: between 10 and workers × 10); Redis is stopped (``redis-cli shutdown``)
  for ``--down-for`` seconds and started again (``--redis-start``); reports when the workers'
  counters are back in Redis. Redis is always left running.

PostgreSQL and Redis are restarted even when the run fails. Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import submit_load as load

PROBE_TRIES = 60
RECOVERY_LIMIT_S = 5.0


@dataclass
class Fault:
    """One fault's thread: it acts until ``stop`` is set, then reports lines and failures."""

    stop: threading.Event = field(default_factory=threading.Event)
    lines: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    down_at: list[float] = field(default_factory=list)  # restart-postgres: restart began
    back_at: list[float] = field(default_factory=list)  # restart-postgres: it was back


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The load's options (``submit_load.py``) and each fault's."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=sorted(MODES))
    load.add_load_arguments(parser)
    parser.add_argument(
        "--every", type=float, default=2.0, help="kill-worker: seconds between kills"
    )
    parser.add_argument("--pg-restart", default="pg_ctlcluster 15 main restart")
    parser.add_argument("--pg-start", default="pg_ctlcluster 15 main start")
    parser.add_argument("--restarts", type=int, default=3, help="restart-postgres: how many")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument(
        "--redis-start",
        default=(  # as .ci/run starts it (the init script's Redis runs as a user that cannot save)
            'redis-server --daemonize yes --bind "127.0.0.1 -::1" --port 6379 --save "" '
            "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
        ),
    )
    parser.add_argument("--down-for", type=float, default=10.0, help="redis-down: seconds down")
    args = parser.parse_args(argv)
    if args.mode == "restart-postgres" and not args.database_url:
        parser.error("restart-postgres needs --database-url postgresql://…")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    setup, action = MODES[args.mode]

    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix=f"faults-{args.mode}-") as tmp:
        instance = Path(tmp)
        url = load.database_url(args, instance)
        subs = load.build(run, args.submissions, args.threads)
        server = load.start_server(url, instance, args.port, args.workers, setup(args))
        fault = Fault()
        try:
            print(
                f"{args.mode} on {url.split(':', 1)[0]}: {args.submissions} submissions from "
                f"{args.clients} clients, {args.workers} workers (run {run})"
            )
            worker = threading.Thread(target=action, args=(fault, args, server), daemon=True)
            worker.start()
            totals, seconds = load.run_clients(subs, args.clients, args.port, args)
            fault.stop.set()
            worker.join(timeout=120)
            print(f"load average (1 min) after {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        finally:
            fault.stop.set()
            load.stop_server(server)
            restore(args)
        stored = load.stored_rows(url, run)
        failures = load.check(totals, stored, allow_503=args.mode == "restart-postgres")
        load.report(args.submissions, totals, seconds, len(stored.rows), failures)
        if args.mode == "restart-postgres":
            fault.lines.append(recovery_from_answers(totals, fault))
        for line in fault.lines:
            print(line)
        failures.update(fault.failures)
        if fault.failures:
            print("fault checks: " + ", ".join(f"{k} {v}" for k, v in fault.failures.items()))
        if any(failures.values()):
            kept = Path(tempfile.gettempdir()) / f"faults-{args.mode}-{run}.log"
            shutil.copyfile(instance / "serve.log", kept)
            print(f"the server's log: {kept}")
    return 1 if any(failures.values()) else 0


# --- kill-worker ------------------------------------------------------------------------------


def kill_workers(fault: Fault, args: argparse.Namespace, server: subprocess.Popen[bytes]) -> None:
    """SIGKILL a random worker at once, then every ``--every`` seconds (gunicorn's master starts
    another)."""
    rng = random.Random(0)
    kills = 0
    while True:
        workers = children(server.pid)
        if workers:
            try:
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills += 1
            except ProcessLookupError:
                pass
        if fault.stop.wait(args.every):
            break
    fault.lines.append(f"workers killed (SIGKILL): {kills}")
    fault.failures["no worker killed"] = int(kills == 0)


def children(pid: int) -> list[int]:
    """A process's children (gunicorn's workers)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# --- restart-postgres -------------------------------------------------------------------------


def restart_postgres(fault: Fault, args: argparse.Namespace, _: subprocess.Popen[bytes]) -> None:
    """Restart PostgreSQL ``--restarts`` times; time until the service is ready again."""
    fault.lines.append("PostgreSQL restarts:")
    fault.failures["recovery over 5 s"] = 0
    for n in range(args.restarts):
        if fault.stop.wait(4.0):
            break
        started = time.monotonic()
        fault.down_at.append(started)
        subprocess.run(shlex.split(args.pg_restart), check=True, capture_output=True)
        back = time.monotonic()
        ready = wait_ready(args.port, deadline=back + 30)
        fault.back_at.append(back)
        recovery = ready - back
        fault.lines.append(
            f"  #{n + 1}: restart took {back - started:.1f} s; /readyz 200 again "
            f"{recovery:.2f} s after PostgreSQL was back"
        )
        fault.failures["recovery over 5 s"] += int(recovery > RECOVERY_LIMIT_S)


def wait_ready(port: int, deadline: float) -> float:
    """Poll ``/readyz`` every 50 ms; the moment it answered 200 (or the deadline)."""
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return time.monotonic()
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    return deadline


def recovery_from_answers(totals: load.Totals, fault: Fault) -> str:
    """After each restart, the clients' first accepted submission and their last 503."""
    answers = sorted(totals.answered_at)
    parts = []
    ends = [*fault.down_at[1:], float("inf")]
    for n, (down, back, end) in enumerate(zip(fault.down_at, fault.back_at, ends), 1):
        first = next((t for t, s in answers if t >= back and s in (201, 202, 422)), None)
        last_503 = max((t for t, s in answers if s == 503 and down <= t < end), default=None)
        shown = [f"#{n}:"]
        if first is not None:
            shown.append(f"first accepted submission {first - back:+.2f} s")
            fault.failures["recovery over 5 s"] += int(first - back > RECOVERY_LIMIT_S)
        if last_503 is not None:
            shown.append(f"last 503 {last_503 - back:+.2f} s")
            fault.failures["recovery over 5 s"] += int(last_503 - back > RECOVERY_LIMIT_S)
        parts.append(" ".join(shown))
    return "clients, relative to PostgreSQL being back: " + "; ".join(parts)


# --- redis-down -------------------------------------------------------------------------------


def redis_env(args: argparse.Namespace) -> dict[str, str]:
    return {"MODERATION_REDIS_URL": args.redis_url}


def redis_down(fault: Fault, args: argparse.Namespace, _: subprocess.Popen[bytes]) -> None:
    """Probe the limit with Redis up, stop Redis, probe again, start it, time the return."""
    redis = redis_client(args.redis_url)
    if fault.stop.wait(2.0):
        return
    up = probe_limit(args.port)
    fault.lines.append(f"probe address, Redis up: {up} submissions before the first 429")
    subprocess.run(
        ["redis-cli", "-u", args.redis_url, "shutdown"], check=False, capture_output=True
    )
    down_at = time.monotonic()
    assert not redis_alive(redis), "Redis did not stop"
    down = probe_limit(args.port)
    fault.lines.append(
        f"probe address, Redis down: {down} submissions before the first 429 "
        f"(per-worker counts; {args.workers} workers)"
    )
    fault.stop.wait(max(0.0, args.down_for - (time.monotonic() - down_at)))
    subprocess.run(shlex.split(args.redis_start), check=True, capture_output=True)
    back = time.monotonic()
    first, settled = time_until_shared(args.port, redis, back)
    fault.lines.append(
        f"Redis down {back - down_at:.1f} s; after it was back, the first counter reached Redis "
        f"after {first:.1f} s and 8 fresh addresses in a row after {settled:.1f} s"
    )
    fault.failures["limit not applied with Redis down"] = int(down >= PROBE_TRIES)
    fault.failures["limit not shared with Redis up"] = int(up != 10)


def probe_limit(port: int) -> int:
    """Submissions one fresh address gets through before its first 429."""
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"
    for n in range(PROBE_TRIES):
        if post_probe(port, address) == 429:
            return n
    return PROBE_TRIES


def post_probe(port: int, address: str) -> int:
    """One submission from ``address`` on its own thread; the status."""
    key = uuid.uuid4().hex
    body = json.dumps({"author": "Probe", "text": "A calm probe remark.", "idempotency_key": key})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "POST",
            f"/api/v1/sites/default/threads/probe-{key}/comments",
            body=body,
            headers={"Content-Type": "application/json", "X-Forwarded-For": address},
        )
        return conn.getresponse().status
    finally:
        conn.close()


def time_until_shared(port: int, redis: Callable[..., object], back: float) -> tuple[float, float]:
    """Seconds after ``back`` until one, then eight fresh addresses in a row, count in Redis."""
    first = settled = -1.0
    streak = 0
    while time.monotonic() - back < 90 and settled < 0:
        address = f"2001:db8::{uuid.uuid4().hex[:4]}"
        post_probe(port, address)
        landed = bool(redis("keys", f"*{address}*"))
        now = time.monotonic() - back
        if landed and first < 0:
            first = now
        streak = streak + 1 if landed else 0
        if streak == 8:
            settled = now
        time.sleep(0.25)
    return first, settled


def redis_client(url: str) -> Callable[..., object]:
    """``redis-cli -u URL`` as a function."""

    def call(*command: str) -> object:
        out = subprocess.run(
            ["redis-cli", "-u", url, *command], check=False, capture_output=True, text=True
        )
        return out.stdout.strip() if out.returncode == 0 else None

    return call


def redis_alive(redis: Callable[..., object]) -> bool:
    return redis("ping") == "PONG"


# --- restore and modes ------------------------------------------------------------------------


def restore(args: argparse.Namespace) -> None:
    """Leave PostgreSQL and Redis running, whatever happened."""
    pg_down = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode
    if args.mode == "restart-postgres" and pg_down:
        subprocess.run(shlex.split(args.pg_start), check=False, capture_output=True)
    if args.mode == "redis-down" and not redis_alive(redis_client(args.redis_url)):
        subprocess.run(shlex.split(args.redis_start), check=False, capture_output=True)


def no_env(_: argparse.Namespace) -> dict[str, str]:
    return {}


MODES: dict[str, tuple[Callable[[argparse.Namespace], dict[str, str]], Callable[..., None]]] = {
    "kill-worker": (no_env, kill_workers),
    "restart-postgres": (no_env, restart_postgres),
    "redis-down": (redis_env, redis_down),
}


if __name__ == "__main__":
    sys.exit(main())

"""Widget submissions under load: N submissions from C concurrent clients against ``moderation serve``.

    python bench/submit_load.py                                   # SQLite in a temporary instance dir
    python bench/submit_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Starts ``moderation serve --workers 4``, posts 10,000 submissions from 64 clients like the
widget does (JSON, one idempotency key per draft; a transport error or a 503 is retried with the
same key, after ``Retry-After``), and includes deliberate retries: some
submissions are re-sent after their answer (it must be the same answer), and some have their
first answer thrown away by closing the connection before reading it (the widget's "network
failure" path; the retry must not duplicate). Then it checks the database itself:

* lost       acknowledged ids (a 201/202/422 answer was read) missing from the database: must be 0
* duplicated more than one row for one submission (by idempotency key or by the text's ref): 0
* 5xx        responses with a 5xx status: must be 0 (``bench/faults.py`` allows 503, never 500)
* stored but not acknowledged: a row whose client never got its answer (gave up): must be 0
* without event: a comment stored without its system event (half a transaction): must be 0
* integrity  SQLite's ``PRAGMA integrity_check``: must be ok

Readers are simulated with distinct addresses (``X-Forwarded-For`` behind
``MODERATION_PROXY_HOPS=1``) and spread over many articles, as on a real site, so the per-address
and per-thread rate limits do not cap the run; any 429 is counted and reported. Exit status 1 if a
check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
SUBMISSIONS_PER_READER = 5
TEXTS = [
    "Thanks for covering the council vote, this matters to a lot of commuters.",
    "I take that ferry every day. Twenty minutes versus an hour is not a small thing.",
    "The rate rise is modest compared to what a bus contract would have cost.",
    "Will the quarterly reliability reports be published on the council website?",
    "This is a stupid decision and the council knows it.",
    "Whoever voted against this is an idiot.",
    "What a load of shit, the ferry is always late.",
    "Good reporting. I would like to see the operator's cost figures too.",
]


@dataclass
class Totals:
    """What the clients saw (guarded by ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    acknowledged: dict[str, int] = field(default_factory=dict)  # idempotency key → id
    mismatched: list[str] = field(default_factory=list)  # a retry answered differently
    transport_errors: int = 0
    lost_answers: int = 0  # answers thrown away on purpose
    gave_up: int = 0  # submissions never answered within the deadline
    not_sent: int = 0  # submissions left when --max-seconds ran out
    no_retry_after: int = 0  # 503 answers without a Retry-After header
    answered_at: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, status)

    def record(self, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1
            self.answered_at.append((time.monotonic(), status))


@dataclass(frozen=True)
class Submission:
    index: int
    key: str
    thread: str
    address: str
    body: bytes


def build(run: str, count: int, threads: int) -> list[Submission]:
    """The workload: distinct keys and text refs; readers post a few comments each."""
    rng = random.Random(0)
    subs = []
    for i in range(count):
        reader = i // SUBMISSIONS_PER_READER
        key = f"bench-{run}-{i:06d}"
        body = {
            "author": f"Reader {reader}",
            "text": f"{rng.choice(TEXTS)} (ref {run}-{i})",
            "idempotency_key": key,
        }
        address = f"10.{(reader >> 16) & 255}.{(reader >> 8) & 255}.{reader & 255}"
        subs.append(
            Submission(
                i, key, f"bench-{run}-article-{i % threads}", address, json.dumps(body).encode()
            )
        )
    return subs


class Client:
    """One simulated browser: a connection (re-opened when the server closes it)."""

    def __init__(self, port: int, totals: Totals, retry_rate: float, lose_rate: float, seed: int):
        self.port = port
        self.totals = totals
        self.retry_rate = retry_rate
        self.lose_rate = lose_rate
        self.rng = random.Random(seed)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def submit(self, sub: Submission) -> None:
        """Post until an answer is read; then maybe re-send it and compare (a deliberate retry)."""
        if self.rng.random() < self.lose_rate:
            self.throw_away_answer(sub)
        first = self.until_answered(sub)
        if first is not None and self.rng.random() < self.retry_rate:
            again = self.until_answered(sub)
            if again != first:
                with self.totals.lock:
                    self.totals.mismatched.append(sub.key)

    def until_answered(self, sub: Submission, give_up_after: float = 60) -> tuple[int, Any] | None:
        """Post until a final answer: a transport error or a 503 is retried with the same key."""
        deadline = time.monotonic() + give_up_after
        attempt = 0
        while time.monotonic() < deadline:
            try:
                status, body, retry_after = self.post(sub)
            except (OSError, http.client.HTTPException):
                self.reset()
                with self.totals.lock:
                    self.totals.transport_errors += 1
                time.sleep(min(2.0, 0.2 * 2**attempt))
                attempt += 1
                continue
            if status != 503:
                return status, body
            time.sleep(min(retry_after, 5.0))  # the widget waits Retry-After, keeping the draft
        with self.totals.lock:
            self.totals.gave_up += 1
        return None

    def post(self, sub: Submission) -> tuple[int, Any, float]:
        """One request: (status, JSON body, Retry-After seconds or 1)."""
        started = time.perf_counter()
        self.conn.request("POST", path(sub), body=sub.body, headers=headers(sub))
        resp = self.conn.getresponse()
        raw = resp.read()
        self.totals.record(resp.status, time.perf_counter() - started)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        if resp.status in (201, 202, 422) and isinstance(body, dict) and "id" in body:
            with self.totals.lock:
                self.totals.acknowledged.setdefault(sub.key, body["id"])
        retry_after = resp.getheader("Retry-After") or "1"
        if resp.status == 503 and resp.getheader("Retry-After") is None:
            with self.totals.lock:
                self.totals.no_retry_after += 1
        return resp.status, body, float(retry_after) if retry_after.isdigit() else 1.0

    def throw_away_answer(self, sub: Submission) -> None:
        """Send the request and hang up before reading the answer."""
        try:
            self.conn.request("POST", path(sub), body=sub.body, headers=headers(sub))
        except (OSError, http.client.HTTPException):
            pass
        self.reset()
        with self.totals.lock:
            self.totals.lost_answers += 1

    def reset(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)


def path(sub: Submission) -> str:
    return f"/api/v1/sites/default/threads/{sub.thread}/comments"


def headers(sub: Submission) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Forwarded-For": sub.address}


def run_clients(
    subs: list[Submission], clients: int, port: int, args: argparse.Namespace
) -> tuple[Totals, float]:
    """Hand the submissions to ``clients`` threads; the wall time of the whole run."""
    totals = Totals()
    queue = iter(subs)
    take = threading.Lock()
    stop_at = time.monotonic() + args.max_seconds

    def work(seed: int) -> None:
        client = Client(port, totals, args.retry_rate, args.lose_rate, seed)
        while True:
            with take:
                sub = next(queue, None)
            if sub is None:
                return
            if time.monotonic() > stop_at:  # bounded in time: the rest is never sent
                with totals.lock:
                    totals.not_sent += 1
                continue
            client.submit(sub)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return totals, time.perf_counter() - started


# --- the server -------------------------------------------------------------------------------


def start_server(
    database_url: str,
    instance: Path,
    port: int,
    workers: int | None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """``moderation serve`` with this database, logging to a file in the instance dir."""
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": database_url,
        "MODERATION_INSTANCE_DIR": str(instance),
        "MODERATION_PROXY_HOPS": "1",
        "MODERATION_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    cmd = [str(Path(sys.executable).parent / "moderation"), "serve", "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    with open(instance / "serve.log", "wb") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_healthy(proc, port, instance / "serve.log")
    return proc


def wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(
                f"moderation serve exited ({proc.returncode}); see {log}:\n{log.read_text()[-2000:]}"
            )
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"moderation serve did not become ready in {timeout:.0f} s; see {log}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- the checks -------------------------------------------------------------------------------


@dataclass
class Stored:
    """What the database holds for this run."""

    rows: list[tuple[int, str | None, str]]  # (id, idempotency key, text)
    without_event: int  # comments with no system event
    integrity: str  # SQLite's integrity_check, "ok" on PostgreSQL (its constraints hold)


def stored_rows(database_url: str, run: str) -> Stored:
    """This run's comments, read from the database itself, and the integrity checks."""
    engine = create_engine(database_url)
    ref = {"ref": f"%(ref {run}-%"}
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, idempotency_key, text FROM comments WHERE text LIKE :ref"), ref
            )
            orphans = conn.scalar(
                text(
                    "SELECT count(*) FROM comments c WHERE c.text LIKE :ref AND NOT EXISTS "
                    "(SELECT 1 FROM moderation_events e WHERE e.comment_id = c.id)"
                ),
                ref,
            )
            integrity = "ok"
            if engine.dialect.name == "sqlite":
                integrity = str(conn.scalar(text("PRAGMA integrity_check")))
            return Stored([(r[0], r[1], r[2]) for r in rows], int(orphans or 0), integrity)
    finally:
        engine.dispose()


def check(totals: Totals, stored: Stored, *, allow_503: bool = False) -> dict[str, int]:
    """Lost, duplicated, 5xx and mismatched retries, …: each must be 0."""
    rows = stored.rows
    by_key = Counter(key for _, key, _ in rows)
    by_ref = Counter(t.rsplit("(ref ", 1)[1] for _, _, t in rows)
    ids = {(key, cid) for cid, key, _ in rows}
    lost = sum(1 for key, cid in totals.acknowledged.items() if (key, cid) not in ids)
    duplicated = sum(n - 1 for n in by_key.values() if n > 1) + sum(
        n - 1 for n in by_ref.values() if n > 1
    )
    failing = {s for s in totals.statuses if s >= 500 and not (allow_503 and s == 503)}
    return {
        "lost": lost,
        "duplicated": duplicated,
        ("5xx other than 503" if allow_503 else "5xx"): sum(totals.statuses[s] for s in failing),
        "retry answered differently": len(totals.mismatched),
        "stored but not acknowledged": sum(
            1 for _, key, _ in rows if key not in totals.acknowledged
        ),
        "never answered": totals.gave_up,
        "not sent (time ran out)": totals.not_sent,
        "503 without Retry-After": totals.no_retry_after,
        "without event": stored.without_event,
        "integrity not ok": int(stored.integrity != "ok"),
    }


def report(subs: int, totals: Totals, seconds: float, rows: int, failures: dict[str, int]) -> None:
    lat = sorted(totals.latencies)
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    print(
        f"submissions {subs}, requests answered {len(lat)}, answers thrown away {totals.lost_answers}, "
        f"transport errors {totals.transport_errors}"
    )
    print(f"status codes: {dict(sorted(totals.statuses.items()))}")
    print(
        f"wall {seconds:.1f} s: {len(lat) / seconds:.0f} req/s, {subs / seconds:.0f} submissions/s; "
        f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(f"stored rows {rows}, acknowledged {len(totals.acknowledged)}")
    if totals.statuses.get(503):
        print(f"503 answers (retried after Retry-After): {totals.statuses[503]}")
    print("checks: " + ", ".join(f"{name} {n}" for name, n in failures.items()))


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    """The workload's options (shared with ``bench/faults.py``)."""
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary dir")
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument(
        "--threads", type=int, default=250, help="articles the comments spread over"
    )
    parser.add_argument(
        "--retry-rate", type=float, default=0.10, help="share re-sent after the answer"
    )
    parser.add_argument(
        "--lose-rate", type=float, default=0.02, help="share whose first answer is dropped"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--max-seconds", type=float, default=1200, help="stop sending after this long"
    )


def database_url(args: argparse.Namespace, instance: Path) -> str:
    """``--database-url`` (plain postgresql:// means psycopg 3) or SQLite in ``instance``."""
    url: str = args.database_url or f"sqlite:///{instance / 'moderation.db'}"
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_arguments(parser)
    args = parser.parse_args(argv)

    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="submit-load-") as tmp:
        instance = Path(tmp)
        url = database_url(args, instance)
        subs = build(run, args.submissions, args.threads)
        server = start_server(url, instance, args.port, args.workers)
        try:
            print(
                f"{url.split(':', 1)[0]}: {args.submissions} submissions from {args.clients} "
                f"clients, {args.workers} workers (run {run})"
            )
            load_before = os.getloadavg()[0]
            totals, seconds = run_clients(subs, args.clients, args.port, args)
            print(
                f"load average (1 min) before {load_before:.1f}, after {os.getloadavg()[0]:.1f}"
                f" on {os.cpu_count()} cores"
            )
        finally:
            stop_server(server)
        stored = stored_rows(url, run)
        failures = check(totals, stored)
        report(args.submissions, totals, seconds, len(stored.rows), failures)
    return 1 if any(failures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

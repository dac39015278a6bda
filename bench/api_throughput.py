"""Moderation API throughput against a trivial Flask JSON endpoint, both under gunicorn.

    .venv/bin/python bench/api_throughput.py [--duration 10] [--connections 32] [--workers N]

Starts ``moderation serve`` with its defaults (fresh instance directory, SQLite, the bundled
model or degraded mode, a key from ``moderation create-api-key``) and a one-route Flask app served
the same way (same gunicorn options and worker count), loads each in turn with ``wrk`` (a Python
thread client when wrk is missing) and prints req/s for both and their ratio (target ≥ 50%).
Rate limiting stays on for the API, with ``MODERATION_API_RATE_LIMIT`` set high enough never to
trigger: the cost of counting is part of the figure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BODY = json.dumps({"text": "Thanks for the clear reporting on the council budget vote."})


def trivial_app():
    """The baseline: one JSON route, nothing else."""
    from flask import Flask

    app = Flask("trivial")

    @app.post("/")
    def index() -> dict[str, bool]:
        return {"ok": True}

    return app


def serve_trivial(port: int, workers: int) -> None:
    """Serve the baseline with the same gunicorn options as ``moderation serve``."""
    from web.serve import Server, options

    class Trivial(Server):
        def load(self):
            return trivial_app()

    Trivial(options("127.0.0.1", port, workers)).run()


def wait_ready(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET" if path != "/" else "POST", path, body="{}")
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not become ready")


def load_wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> float:
    script = (
        "wrk.method = 'POST'\nwrk.body = [["
        + BODY
        + "]]\n"
        + "".join(f"wrk.headers['{k}'] = '{v}'\n" for k, v in headers.items())
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", f.name, url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} non-2xx responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def load_threads(url: str, headers: dict[str, str], duration: int, connections: int) -> float:
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    path = "/" + url.split("/", 3)[3]
    count = [0] * connections
    stop = time.monotonic() + duration

    def worker(i: int) -> None:
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("POST", path, body=BODY, headers=headers)
            if conn.getresponse().status != 200:
                raise SystemExit("non-200 response")
            count[i] += 1
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(count) / duration


def api_key(env: dict[str, str]) -> str:
    out = subprocess.run(
        [BIN / "moderation", "create-api-key", "--site", "default", "--name", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=None, help="default: serve's default")
    parser.add_argument("--serve-trivial", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from web.serve import default_workers

    workers = args.workers or default_workers()
    if args.serve_trivial:
        serve_trivial(args.serve_trivial, workers)
        return
    load = load_wrk if shutil.which("wrk") else load_threads
    instance = tempfile.mkdtemp(prefix="moderation-bench-")
    env = {
        **os.environ,
        "MODERATION_INSTANCE_DIR": instance,
        "MODERATION_API_RATE_LIMIT": "1000000000/minute",
    }
    serve = [BIN / "moderation", "serve", "--port", "18081"]
    if args.workers:
        serve += ["--workers", str(workers)]
    trivial = [sys.executable, __file__, "--serve-trivial", "18082", "--workers", str(workers)]
    procs = [subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL) for cmd in (serve, trivial)]
    try:
        wait_ready(18081, "/readyz")
        wait_ready(18082, "/")
        key = api_key(env)
        json_type = {"Content-Type": "application/json"}
        headers = {**json_type, "Authorization": f"Bearer {key}"}
        load("http://127.0.0.1:18081/api/v1/moderate", headers, 2, args.connections)  # warm up
        api = load(
            "http://127.0.0.1:18081/api/v1/moderate", headers, args.duration, args.connections
        )
        base = load("http://127.0.0.1:18082/", json_type, args.duration, args.connections)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        shutil.rmtree(instance, ignore_errors=True)
    client = "wrk" if load is load_wrk else "python threads"
    print(
        f"client: {client}, {args.connections} connections, {args.duration}s each; "
        f"gunicorn sync, {workers} workers, {os.cpu_count()} CPUs"
    )
    print(f"trivial Flask JSON endpoint: {base:9.1f} req/s")
    print(f"POST /api/v1/moderate:       {api:9.1f} req/s")
    print(f"ratio: {api / base:.1%} (target ≥ 50%)")


if __name__ == "__main__":
    main()

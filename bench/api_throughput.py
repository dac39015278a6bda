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
from collections.abc import Callable
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


Load = tuple[float, int]  # (requests per second, requests answered)


def load_wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> Load:
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
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return rps, int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]


def load_threads(url: str, headers: dict[str, str], duration: int, connections: int) -> Load:
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
    return sum(count) / duration, sum(count)


def cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of a gunicorn master and its live workers (Linux /proc)."""
    pids = [master_pid]
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def measure(
    load: Callable[..., Load], url: str, headers: dict[str, str], args: argparse.Namespace, pid: int
) -> tuple[float, float]:
    """req/s, and server CPU milliseconds per request (robust to other load on the machine)."""
    before = cpu_seconds(pid)
    rps, count = load(url, headers, args.duration, args.connections)
    return rps, (cpu_seconds(pid) - before) * 1000 / max(count, 1)


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
        api_url, base_url = "http://127.0.0.1:18081/api/v1/moderate", "http://127.0.0.1:18082/"
        load(api_url, headers, 2, args.connections)  # warm up
        load(base_url, json_type, 2, args.connections)
        api, api_cpu = measure(load, api_url, headers, args, procs[0].pid)
        base, base_cpu = measure(load, base_url, json_type, args, procs[1].pid)
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
    print(f"trivial Flask JSON endpoint: {base:9.1f} req/s  {base_cpu:6.3f} CPU ms/request")
    print(f"POST /api/v1/moderate:       {api:9.1f} req/s  {api_cpu:6.3f} CPU ms/request")
    print(
        f"ratio: {api / base:.1%} by req/s (target ≥ 50%); {base_cpu / api_cpu:.1%} by CPU per request"
    )


if __name__ == "__main__":
    main()

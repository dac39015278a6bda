"""The API contract at length: schemathesis, every check, against a live ``moderation serve``.

    .venv/bin/python bench/schemathesis_run.py [--examples 1000] [--workers 2] [--seed N]

Starts ``moderation serve`` on a fresh instance directory (SQLite, the bundled model), creates an
API key, and runs ``schemathesis run`` on ``/api/v1/openapi.json`` with ``--checks all`` and
``--max-examples`` cases per operation (positive and negative data, all phases). The key goes in
``Authorization: Bearer`` and ``X-Goog-Api-Key`` (both documented in the OpenAPI document), so
every operation is exercised past authentication; schemathesis's ``ignored_auth`` check removes
them to prove they are needed. Rate limits are set high enough never to trigger. Exits with
schemathesis's status: 0 means no failure; prints the cases run per operation. The JUnit and
NDJSON reports land in ``bench/out/``.

The fast version of the same run is ``tests/security/test_api_contract.py`` (in-process, 50 cases
per operation).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from api_throughput import api_key  # bench/ is on sys.path when this script runs

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONFIG = REPO / "bench" / "schemathesis.toml"
OUT = REPO / "bench" / "out"
PORT = 18093
HIGH = "1000000/minute"


def environment(instance: Path) -> dict[str, str]:
    """A fresh instance, limits that never trigger, quiet logs."""
    return {
        **os.environ,
        "MODERATION_INSTANCE_DIR": str(instance),
        "MODERATION_API_RATE_LIMIT": HIGH,
        "MODERATION_WIDGET_RATE_LIMIT": HIGH,
        "MODERATION_THREAD_RATE_LIMIT": HIGH,
        "MODERATION_LOG_LEVEL": "WARNING",
    }


def wait_ready(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the service did not become ready at {url}")


def schemathesis(base: str, key: str, args: argparse.Namespace) -> list[str]:
    out = OUT
    out.mkdir(parents=True, exist_ok=True)
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(args.examples),
        "--workers",
        str(args.workers),
        "--header",
        f"Authorization: Bearer {key}",
        "--header",
        f"X-Goog-Api-Key: {key}",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "too_slow",
        "--report",
        "junit,ndjson",
        "--report-junit-path",
        str(out / "schemathesis.xml"),
        "--report-ndjson-path",
        str(out / "schemathesis.ndjson"),
        "--no-color",
    ]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    return command


def cases_per_operation(ndjson: Path) -> dict[str, int]:
    """Test cases run per operation, all phases, from schemathesis's event report."""
    counts: dict[str, int] = {}
    for line in ndjson.read_text(encoding="utf-8").splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if event:
            label = event["recorder"]["label"]
            counts[label] = counts.get(label, 0) + len(event["recorder"].get("cases", ()))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="cases per operation")
    parser.add_argument("--workers", type=int, default=2, help="schemathesis workers")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as tmp:
        env = environment(Path(tmp))
        serve = [BIN / "moderation", "serve", "--port", str(PORT), "--workers", "2"]
        server = subprocess.Popen(serve, env=env, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{PORT}"
            wait_ready(base + "/readyz")
            key = api_key(env)
            started = time.monotonic()
            status = subprocess.run(schemathesis(base, key, args), check=False, env=env).returncode
            print(f"schemathesis exit status {status} in {time.monotonic() - started:.0f} s")
            for label, count in sorted(cases_per_operation(OUT / "schemathesis.ndjson").items()):
                print(f"{count:>7,} cases  {label}")
            return status
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())

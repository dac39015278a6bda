"""Small versions of the load and kill-worker runs (the 10,000-submission runs are in bench/).

They run ``bench/submit_load.py`` and ``bench/faults.py`` as they are, with a few hundred
submissions, so the scripts the figures in docs/RELIABILITY.md come from keep working, and a
lost or duplicated comment, or a 5xx, fails the normal test run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..test_cli_service import free_port

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run(script: str, *args: str) -> str:
    cmd = [sys.executable, str(BENCH / script), *args, "--port", str(free_port())]
    cmd += ["--max-seconds", "60"]  # the script stops itself and reports
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_submissions_under_load_are_neither_lost_nor_duplicated(tmp_path):
    out = run("submit_load.py", "--submissions", "150", "--clients", "12", "--workers", "2")
    assert "lost 0, duplicated 0, 5xx 0" in out
    assert "stored rows 150, acknowledged 150" in out


def test_killing_workers_under_load_loses_nothing(tmp_path):
    out = run(
        "faults.py",
        "kill-worker",
        "--submissions",
        "250",
        "--clients",
        "8",
        "--workers",
        "2",
        "--every",
        "3",  # kills faster than a worker boots (≈ 1.5 s, more on a busy machine) starve it
    )
    assert "lost 0, duplicated 0, 5xx 0" in out
    assert "integrity not ok 0" in out
    assert "no worker killed 0" in out

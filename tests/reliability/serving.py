"""``moderation serve`` in a subprocess, for the tests that need real gunicorn processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..test_cli_service import free_port

MODERATION = Path(sys.executable).parent / "moderation"


def serve(env: dict[str, str], workers: int) -> tuple[str, subprocess.Popen[str]]:
    """Start ``moderation serve`` on a free port with ``env``; its base URL and process."""
    port = free_port()
    cmd = [str(MODERATION), "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    return f"http://127.0.0.1:{port}", proc

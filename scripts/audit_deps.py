"""Supply chain: pip-audit over the installed environment; any known vulnerability fails.

    .venv/bin/python scripts/audit_deps.py        (``make audit``; CI runs it before the tests)

Runs ``pip-audit`` (PyPI's vulnerability data, which comes from the OSV database) on every
installed distribution except our own editable package. A dependency with a known vulnerability
exits 1. When PyPI does not answer pip-audit's per-version query (some mirrors and proxies only
serve a project's main JSON page), the dependency is checked from that page instead: its
``vulnerabilities`` list covers the latest release, so an installed latest release is audited that
way and an older one is reported as not audited. The summary says how many were audited and how.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

PYPI = "https://pypi.org/pypi/{}/json"


def pip_audit() -> list[dict[str, Any]]:
    """pip-audit's JSON report of the environment: one entry per distribution."""
    command = [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off"]
    out = subprocess.run([*command, "-f", "json"], capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):  # 1 means "vulnerabilities found"; anything else broke
        sys.exit(f"pip-audit failed to run:\n{out.stderr}")
    dependencies: list[dict[str, Any]] = json.loads(out.stdout)["dependencies"]
    return dependencies


def latest_release(name: str) -> tuple[str, list[dict[str, Any]]] | None:
    """(latest version, its known vulnerabilities) from PyPI's project page, or None."""
    try:
        with urllib.request.urlopen(PYPI.format(name), timeout=20) as response:
            page = json.load(response)
    except (OSError, ValueError):
        return None
    return page["info"]["version"], page.get("vulnerabilities") or []


def installed_version(entry: dict[str, Any]) -> str:
    """The version pip-audit saw (in the entry, or at the end of its skip reason)."""
    if "version" in entry:
        return str(entry["version"])
    return str(entry.get("skip_reason", "")).rstrip(")").rpartition("(")[2]


def main() -> int:
    vulnerable: list[str] = []
    by_pip_audit, by_project_page, not_audited = 0, 0, []
    for entry in pip_audit():
        name, version = entry["name"], installed_version(entry)
        if "editable" in entry.get("skip_reason", ""):
            continue  # our own package, installed from this checkout
        if "skip_reason" not in entry:
            by_pip_audit += 1
            vulns = entry.get("vulns") or []
        else:
            latest = latest_release(name)
            if latest is None or latest[0] != version:
                not_audited.append(f"{name} {version}")
                continue
            by_project_page += 1
            vulns = latest[1]
        vulnerable += [f"{name} {version}: {v.get('id')} {v.get('aliases', '')}" for v in vulns]
    print(
        f"pip-audit: {by_pip_audit} distributions audited by pip-audit, {by_project_page} from "
        f"PyPI's latest-release data, {len(not_audited)} not audited"
        + (f" (older than their latest release: {', '.join(not_audited)})" if not_audited else "")
    )
    for line in vulnerable:
        print("VULNERABLE", line)
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())

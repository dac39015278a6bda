"""Shared by the security tests: example URLs for every route, and the header checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# A value for each URL variable, so every rule can be requested.
EXAMPLE_ARGS = {
    "site": "default",
    "thread": "t1",
    "slug": "default",
    "key_id": "1",
    "filename": "dashboard/dashboard.css",
    "version": "news-2026.11.2",
    "job_id": "1",
}
UNKNOWN_ARG = "x"  # a variable a new route brings: the route still gets requested and classified


def example_path(rule: Rule) -> str:
    """The rule's path with an example value for each variable."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: EXAMPLE_ARGS.get(m[1], UNKNOWN_ARG), rule.rule)


def routes(app: Flask) -> Iterator[tuple[str, str, str]]:
    """(method, rule, example path) for every route and method the app answers."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            yield method, rule.rule, example_path(rule)


def header_problems(response: Any) -> list[str]:
    """What the security headers of ``response`` lack (an empty list when all is well)."""
    headers = response.headers
    problems = []
    csp = headers.get("Content-Security-Policy", "")
    if "default-src 'self'" not in csp or "frame-ancestors 'none'" not in csp:
        problems.append(f"CSP {csp!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows inline code: {csp!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    content_type = headers.get("Content-Type", "")
    if content_type.startswith("text/") and "charset=utf-8" not in content_type.lower():
        problems.append(f"Content-Type without charset: {content_type!r}")
    return problems

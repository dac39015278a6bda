"""Dashboard speed: server time per keyboard decision, and the queue page with 10,000 pending.

    .venv/bin/python bench/dashboard.py [--db-url URL] [--pending 10000] [--decisions 100]

1. A moderator clears ``--decisions`` queued comments with the keyboard alone (a / r) in Debian
   chromium driven by Playwright; the server time of each ``POST /dashboard/decide.json`` is
   measured in a WSGI wrapper (the request as the server sees it, database commit included).
2. ``--pending`` comments are queued and ``GET /dashboard/`` (risk order, first page of 25) is
   timed 20 times the same way.
Targets (issue #4): decision median ≤ 50 ms; queue page ≤ 300 ms of server time. Without
``--db-url`` a fresh SQLite file is used (``MODERATION_TEST_PG_URL``-style URLs work too; the
database must be empty: it is migrated, and filled).
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server

from moderation.settings import Settings
from moderation.storage import (
    Comment,
    CommentStatus,
    Role,
    moderators,
    sites,
    threads,
    transaction,
    upgrade,
)
from web import create_app, db

PASSWORD = "bench password 123"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


class Timer:
    """WSGI wrapper: server time per (method, path)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.times: dict[str, list[float]] = defaultdict(list)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        body = b"".join(self.app(environ, start_response))
        key = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"
        self.times[key].append((time.perf_counter() - started) * 1000)
        return [body]


def build(db_url: str, instance: Path) -> tuple[Any, Timer]:
    upgrade(db_url)
    settings = Settings(instance_dir=instance, database_url=db_url, secret_key="b" * 32)
    app = create_app({"SETTINGS": settings, "RATELIMIT_ENABLED": False})
    timer = Timer(app.wsgi_app)
    app.wsgi_app = timer  # type: ignore[method-assign]
    with app.app_context(), db.write() as session:
        moderators.create_moderator(session, "bench", PASSWORD, Role.MODERATOR)
        sites.ensure_default_site(session)
    return app, timer


def queue_comments(app: Any, n: int, seed: int = 0) -> None:
    """``n`` pending comments with varied scores, authors and ages, in one transaction."""
    rng = random.Random(seed)
    words = [
        "ferry",
        "council",
        "vote",
        "harbour",
        "bridge",
        "timetable",
        "rates",
        "commuters",
        "students",
        "mainland",
    ]
    with app.app_context(), transaction(app.extensions["db.sessions"]) as session:
        site = sites.get_site(session, "default")
        pool = [
            threads.get_or_create_thread(
                session, site, f"a{i}", f"https://news.example/{i}", f"Article {i}"
            )
            for i in range(50)
        ]
        for i in range(n):
            scores = {c: round(rng.random() ** 2, 4) for c in ("obscene", "personal", "derogatory")}
            text = " ".join(rng.choice(words) for _ in range(rng.randint(8, 40)))
            session.add(
                Comment(
                    site_id=site.id,
                    thread_id=rng.choice(pool).id,
                    author=f"reader{rng.randint(1, 500)}",
                    text=text,
                    status=CommentStatus.PENDING,
                    decision="review",
                    scores=scores,
                    matches=[],
                    reasons=[f"personal {scores['personal']:.2f} ≥ 0.40"],
                    explanations=None,
                    model_version="bench",
                )
            )
            if i % 2000 == 1999:
                session.flush()


def keyboard_flow(app: Any, timer: Timer, n: int) -> dict[str, float]:
    """Decide ``n`` comments with a / r in chromium; server ms per decision and total seconds."""
    from playwright.sync_api import sync_playwright

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(base + "/dashboard/login")
            page.get_by_label("Username").fill("bench")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.goto(base + f"/dashboard/?order=oldest&per_page={n}")
            page.locator("html[data-keys=ready]").wait_for()
            started = time.perf_counter()
            for i in range(n):
                current = page.locator("article.card.current").get_attribute("data-id")
                page.keyboard.press("a" if i % 3 else "r")
                page.locator(f"#c{current}").wait_for(state="detached")
            total = time.perf_counter() - started
            browser.close()
    finally:
        server.shutdown()
    decisions = timer.times["POST /dashboard/decide.json"]
    return {
        "decisions": len(decisions),
        "median_ms": statistics.median(decisions),
        "p95_ms": sorted(decisions)[int(0.95 * len(decisions)) - 1],
        "total_s": total,
    }


def queue_page(app: Any, timer: Timer, runs: int = 20) -> dict[str, float]:
    """Server time of the first queue page (risk order)."""
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dashboard/login").text)[1]
    client.post(
        "/dashboard/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token}
    )
    timer.times.pop("GET /dashboard/", None)
    for _ in range(runs):
        assert client.get("/dashboard/").status_code == 200
    times = timer.times["GET /dashboard/"]
    return {"runs": len(times), "median_ms": statistics.median(times), "max_ms": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=100)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # no access log lines between the figures
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db_url or f"sqlite:///{tmp}/bench.db"
        app, timer = build(url, Path(tmp))
        queue_comments(app, args.decisions)
        flow = keyboard_flow(app, timer, args.decisions)
        print(
            f"keyboard flow: {flow['decisions']} decisions, server median {flow['median_ms']:.1f} ms, "
            f"p95 {flow['p95_ms']:.1f} ms, total {flow['total_s']:.1f} s in the browser (goal: median ≤ 50 ms)"
        )
        queue_comments(app, args.pending, seed=1)
        page = queue_page(app, timer)
        print(
            f"queue page with {args.pending} pending: server median {page['median_ms']:.0f} ms, "
            f"max {page['max_ms']:.0f} ms over {page['runs']} runs (goal: ≤ 300 ms)"
        )
        app.extensions["db.engine"].dispose()


if __name__ == "__main__":
    main()

"""Browser fixtures: the app served on a free port, and Debian's chromium driven by Playwright.

The browser tests skip, saying why, when ``/usr/bin/chromium`` is missing, except under
``CI=true`` where they fail: CI installs chromium with apt. Playwright never downloads a browser.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from moderation.storage import upgrade

from ..widget_support import dispose, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
MOBILE = {"width": 360, "height": 740}
# Runs before the page's own scripts (CDP, so the page's CSP does not apply): record any dialog.
HOOK_ALERT = (
    "window.__alerts = []; window.alert = function (m) { window.__alerts.push(String(m)); };"
)


def _require_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    message = f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One chromium for the session."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The app (fake scorer, fresh SQLite) served by werkzeug in a thread."""
    db_url = f"sqlite:///{tmp_path / 'moderation.db'}"
    upgrade(db_url)
    app = make_app(db_url, tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=5)
    dispose(app)


@dataclass
class PageLog:
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser: Any, page_log: PageLog) -> Iterator[Any]:
    """A fresh page at mobile width, with dialogs, console errors and page errors recorded."""
    context = browser.new_context(viewport=MOBILE)
    context.add_init_script(HOOK_ALERT)
    page = context.new_page()
    page.set_default_timeout(10_000)

    def on_dialog(dialog: Any) -> None:
        page_log.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: m.type == "error" and page_log.console_errors.append(m.text))
    page.on("pageerror", lambda e: page_log.page_errors.append(str(e)))
    yield page
    context.close()

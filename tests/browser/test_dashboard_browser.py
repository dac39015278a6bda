"""The dashboard in a real browser (Debian chromium via Playwright): login, keyboard decisions,
bulk approval, the widget showing an approved comment, and XSS payloads staying inert."""

from __future__ import annotations

from typing import Any

import pytest

from moderation.storage import CommentStatus

from ..dashboard_support import PASSWORD, XSS, seed, status_of
from ..widget_support import SITE_ORIGIN
from .conftest import LiveServer, PageLog

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1200, "height": 900}


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    from moderation.storage import Role, moderators
    from web import db

    with live_server.app.app_context(), db.write() as session:
        moderators.create_moderator(session, "mod", PASSWORD, Role.MODERATOR)
    return live_server


def log_in(page: Any, server: LiveServer) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(server.url + "/dashboard/")  # redirected to the login form
    page.get_by_label("Username").fill("mod")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("html[data-keys=ready]").wait_for()


def held(server: LiveServer, text: str, minutes: float) -> int:
    return seed(
        server.app, text, thread="demo-article", url=SITE_ORIGIN + "/a", age_minutes=minutes
    )


def test_login_and_decide_with_the_keyboard(
    page: Any, server: LiveServer, page_log: PageLog
) -> None:
    first, second, third = (held(server, f"comment number {i}", 30 - i) for i in range(3))
    log_in(page, server)
    cards = page.locator("article.card")
    assert cards.count() == 3
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("?")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("a")  # approve the first (oldest: equal risk)
    page.locator(f"#c{first}").wait_for(state="detached")
    page.keyboard.press("r")  # reject the next one with its preselected reason
    page.locator(f"#c{second}").wait_for(state="detached")
    assert status_of(server.app, first) == CommentStatus.PUBLISHED
    assert status_of(server.app, second) == CommentStatus.REJECTED
    page.keyboard.press("u")  # undo the rejection
    page.locator(f"#c{second}").wait_for()
    assert status_of(server.app, second) == CommentStatus.PENDING
    assert status_of(server.app, third) == CommentStatus.PENDING
    assert page_log.console_errors == [] and page_log.page_errors == []


def test_bulk_approve_then_the_widget_shows_them(
    page: Any, server: LiveServer, page_log: PageLog
) -> None:
    ids = [held(server, f"bulk comment {i}", 10 - i) for i in range(3)]
    log_in(page, server)
    page.locator(f"#c{ids[0]} input[type=checkbox]").check()
    page.locator(f"#c{ids[2]} input[type=checkbox]").check()
    page.locator("#bulk-approve").click()
    page.locator(f"#c{ids[0]}").wait_for(state="detached")
    assert page.locator("article.card").count() == 1
    assert [status_of(server.app, i) for i in ids] == ["published", "pending", "published"]
    page.goto(server.url + "/demo")
    page.locator(".mw-comment").first.wait_for()
    assert page.locator(".mw-text").all_inner_texts() == ["bulk comment 0", "bulk comment 2"]
    assert page_log.console_errors == [] and page_log.page_errors == []


def test_xss_payloads_stay_inert(page: Any, server: LiveServer, page_log: PageLog) -> None:
    for i, payload in enumerate(XSS):
        seed(server.app, payload, author=payload, title=payload, thread=f"x{i}", age_minutes=5)
        seed(server.app, payload, author=payload, title=payload, thread=f"y{i}", status="approve")
    log_in(page, server)
    page.keyboard.press("a")  # one event in the audit log with a payload
    page.locator("article.card").nth(1).wait_for(state="attached")
    for path in ("/dashboard/", "/dashboard/published", "/dashboard/audit", "/dashboard/stats"):
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__alerts") == [], path
        assert page.locator("main img, main svg").count() == 0, path
    assert page.locator("#charts[data-drawn=yes]").count() == 1
    assert page_log.dialogs == [] and page_log.page_errors == []
    assert page_log.console_errors == []

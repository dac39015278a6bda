"""The widget in a real browser (Debian chromium via Playwright), on the /demo page at 360 px."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from moderation.storage import Comment
from web import db

from ..widget_support import HOLD, READER_REJECT_REASON, REJECT
from .conftest import LiveServer, PageLog

pytestmark = pytest.mark.browser

XSS_AUTHOR = "<img src=x onerror=alert(1)>"
XSS_TEXT = "<script>alert(1)</script> and <img src=x onerror=alert(1)>"


def open_demo(page: Any, server: LiveServer) -> None:
    page.goto(server.url + "/demo?utm_source=test#comments")
    page.locator(".mw[data-state=ready]").wait_for()  # the first page of comments is in


def write(page: Any, author: str, text: str) -> None:
    page.get_by_label("Name", exact=True).fill(author)
    page.get_by_label("Comment", exact=True).fill(text)
    page.get_by_role("button", name="Post comment").click()


def status(page: Any, kind: str) -> Any:
    """The status region once it reports ``kind``."""
    region = page.locator(f".mw-status[data-kind={kind}]")
    region.wait_for()
    return region


def status_has_focus(page: Any) -> bool:
    return bool(page.evaluate("document.activeElement.classList.contains('mw-status')"))


def stored(server: LiveServer) -> list[Comment]:
    with server.app.app_context():
        return list(db.get_session().scalars(select(Comment).order_by(Comment.id)))


def test_published_comment_appears_at_once_and_after_reload(
    page: Any, live_server: LiveServer, page_log: PageLog
) -> None:
    open_demo(page, live_server)
    write(page, "Ann", "Good news for the commuters.")
    assert "published" in status(page, "published").inner_text()
    assert status_has_focus(page)
    assert page.locator(".mw-comment .mw-text").all_inner_texts() == [
        "Good news for the commuters."
    ]
    assert page.get_by_label("Comment", exact=True).input_value() == ""
    page.reload()
    page.locator(".mw-comment").first.wait_for()
    assert page.locator(".mw-author").all_inner_texts() == ["Ann"]
    assert page_log.console_errors == [] and page_log.page_errors == []


def test_held_comment_says_awaiting_review(page: Any, live_server: LiveServer) -> None:
    open_demo(page, live_server)
    write(page, "Ben", f"Please check this {HOLD}")
    assert "awaiting review" in status(page, "pending").inner_text()
    assert status_has_focus(page)
    assert page.locator(".mw-comment").count() == 0
    assert [c.status for c in stored(live_server)] == ["pending"]


def test_rejected_comment_shows_reasons_and_keeps_the_text(
    page: Any, live_server: LiveServer
) -> None:
    open_demo(page, live_server)
    draft = f"Something rude {REJECT}"
    write(page, "Cy", draft)
    region = status(page, "rejected")
    assert "not published" in region.inner_text()
    assert region.locator(".mw-reasons li").all_inner_texts() == [READER_REJECT_REASON]
    assert status_has_focus(page)
    assert page.get_by_label("Comment", exact=True).input_value() == draft
    assert page.get_by_label("Name", exact=True).input_value() == "Cy"
    assert page.locator(".mw-comment").count() == 0
    assert [c.status for c in stored(live_server)] == ["rejected"]


def test_xss_payloads_render_as_plain_text(
    page: Any, live_server: LiveServer, page_log: PageLog
) -> None:
    open_demo(page, live_server)
    write(page, XSS_AUTHOR, XSS_TEXT)
    status(page, "published")
    for _ in range(2):  # as posted, then as read back from the API
        page.locator(".mw-comment").first.wait_for()
        assert page.locator(".mw-author").all_inner_texts() == [XSS_AUTHOR]
        assert page.locator(".mw-comment .mw-text").all_inner_texts() == [XSS_TEXT]
        assert page.locator(".mw img, .mw script").count() == 0
        page.reload()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__alerts") == []
    assert page_log.dialogs == []
    assert page_log.console_errors == []  # includes any CSP violation report


def test_network_failure_keeps_the_draft_and_retries_with_the_same_key(
    page: Any, live_server: LiveServer
) -> None:
    open_demo(page, live_server)
    bodies = fail_first_post(page)
    write(page, "Di", "Posted from a train with bad signal.")
    retry = status(page, "retry")
    assert "kept" in retry.inner_text() and "retrying" in retry.inner_text()
    assert (
        page.get_by_label("Comment", exact=True).input_value()
        == "Posted from a train with bad signal."
    )
    status(page, "published")
    assert len(bodies) == 2
    assert bodies[0]["idempotency_key"] == bodies[1]["idempotency_key"]
    assert bodies[0]["url"] == live_server.url + "/demo"  # no query or fragment
    assert bodies[0]["title"].startswith("Harbour town votes")
    assert len(stored(live_server)) == 1


def test_a_lost_response_is_retried_without_a_duplicate(page: Any, live_server: LiveServer) -> None:
    open_demo(page, live_server)
    calls: list[str] = []

    def lose_first_answer(route: Any) -> None:
        calls.append(json.loads(route.request.post_data)["idempotency_key"])
        if len(calls) == 1:
            route.fetch()  # the server stores the comment…
            route.abort("connectionreset")  # …but the answer never arrives
        else:
            route.continue_()

    page.route(
        "**/comments",
        lambda r: lose_first_answer(r) if r.request.method == "POST" else r.continue_(),
    )
    write(page, "Ed", "Second try should not duplicate.")
    status(page, "published")
    assert calls[0] == calls[1]
    assert len(stored(live_server)) == 1
    assert page.locator(".mw-comment").count() == 1


def test_keyboard_labels_and_honeypot(page: Any, live_server: LiveServer) -> None:
    open_demo(page, live_server)
    page.get_by_label("Name", exact=True).focus()
    page.keyboard.type("Fay")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "mw-text"
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Post comment"
    page.keyboard.press("Enter")
    status(page, "published")
    trap = page.locator("input[name=homepage]")
    assert trap.get_attribute("tabindex") == "-1"
    assert page.locator(".mw-hp").get_attribute("aria-hidden") == "true"
    assert not trap.is_visible() or trap.bounding_box()["x"] < 0
    assert page.locator(".mw-status").get_attribute("aria-live") == "polite"


def test_usable_at_360px_without_horizontal_scrolling(page: Any, live_server: LiveServer) -> None:
    open_demo(page, live_server)
    write(page, "Gus", "A" * 300)  # one long unbroken word must wrap, not widen the page
    status(page, "published")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.get_by_role("button", name="Post comment").bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 360


def test_empty_fields_are_explained_without_posting(page: Any, live_server: LiveServer) -> None:
    open_demo(page, live_server)
    page.get_by_role("button", name="Post comment").click()
    assert "name and a comment" in status(page, "error").inner_text()
    assert stored(live_server) == []


@pytest.mark.parametrize("container", [True, False])
def test_script_in_head_renders_in_the_body(
    page: Any, live_server: LiveServer, container: bool
) -> None:
    host = '<div id="moderation-comments"></div>' if container else ""
    html = (
        '<!doctype html><html><head><script src="/embed.js" data-site="default" '
        f'data-thread="other" async></script></head><body><h1>Elsewhere</h1>{host}<p>end</p>'
        "</body></html>"
    )
    page.route(
        live_server.url + "/elsewhere",
        lambda route: route.fulfill(content_type="text/html", body=html),
    )
    page.goto(live_server.url + "/elsewhere")
    page.locator(".mw[data-state=ready]").wait_for()
    assert page.locator("head .mw").count() == 0
    where = "#moderation-comments > .mw" if container else "body > .mw:last-child"
    assert page.locator(where).count() == 1


def test_show_more_loads_the_next_page(page: Any, live_server: LiveServer) -> None:
    api = live_server.app.test_client()
    url = "/api/v1/sites/default/threads/demo-article/comments"
    for i in range(55):
        assert api.post(url, json={"author": "Reader", "text": f"comment {i}"}).status_code == 201
    open_demo(page, live_server)
    more = page.get_by_role("button", name="Show more comments")
    assert page.locator(".mw-comment").count() == 50 and more.is_visible()
    more.click()
    page.locator(".mw-comment").nth(54).wait_for()
    texts = page.locator(".mw-comment .mw-text").all_inner_texts()
    assert texts == [f"comment {i}" for i in range(55)]
    assert not more.is_visible()


def test_rate_limited_author_is_told_to_wait_and_keeps_the_draft(
    page: Any, live_server: LiveServer
) -> None:
    open_demo(page, live_server)
    page.route(
        "**/comments",
        lambda route: (
            route.fulfill(
                status=429,
                headers={"Retry-After": "42"},
                content_type="application/json",
                body='{"error": "too_many_requests", "message": "10 per 1 minute"}',
            )
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    write(page, "Hal", "One more thought.")
    assert "try again in 42 seconds" in status(page, "error").inner_text()
    assert page.get_by_label("Comment", exact=True).input_value() == "One more thought."


def test_editing_during_a_retry_calls_it_off(page: Any, live_server: LiveServer) -> None:
    open_demo(page, live_server)
    bodies = fail_first_post(page)
    write(page, "Ivy", "first version")
    status(page, "retry")
    page.get_by_label("Comment", exact=True).fill("second version")
    assert "has changed" in status(page, "error").inner_text()
    page.wait_for_timeout(1500)  # past the first retry's delay: nothing is re-sent
    assert len(bodies) == 1
    page.get_by_role("button", name="Post comment").click()
    status(page, "published")
    assert bodies[1]["text"] == "second version"
    assert bodies[1]["idempotency_key"] != bodies[0]["idempotency_key"]
    assert [c.text for c in stored(live_server)] == ["second version"]


def fail_first_post(page: Any) -> list[dict[str, Any]]:
    """Drop the first comment POST as a lost connection; record every POST body sent."""
    bodies: list[dict[str, Any]] = []

    def route_post(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        bodies.append(json.loads(route.request.post_data))
        if len(bodies) == 1:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/comments", route_post)
    return bodies

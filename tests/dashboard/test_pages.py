"""Audit log, statistics, and site settings (origins, thresholds with what-if, words, keys)."""

import re

import pytest

from moderation.storage import apikeys, sites
from web import db

from ..dashboard_support import XSS, csrf_token, login, seed


@pytest.fixture
def admin(app):
    client = app.test_client()
    login(client, "boss")
    return client


def decide(client, cid, verb, reason="spam"):
    token = csrf_token(client, "/dashboard/")
    data = {"csrf_token": token, "one": f"{verb}:{cid}", f"reason-{cid}": reason}
    assert client.post("/dashboard/decide", data=data).status_code == 302


# --- audit log --------------------------------------------------------------------------------


def test_audit_log_shows_who_when_what_from_to_and_reason(app, client):
    cid = seed(app, "buy cheap pills")
    decide(client, cid, "reject", "spam")
    html = client.get("/dashboard/audit").get_data(as_text=True)
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert "moderator: mod" in row and "pending → rejected" in row
    assert "spam" in row and "buy cheap pills" in row and re.search(r"\d{4}-\d\d-\d\d \d\d:", row)
    assert "system: scorer" in html  # the scorer's own decision at submission
    humans = client.get("/dashboard/audit?humans=1").get_data(as_text=True)
    assert "system: scorer" not in humans and "moderator: mod" in humans


# --- statistics -------------------------------------------------------------------------------


def test_stats_json_counts_outcomes_decisions_overturns_and_queue(app, client):
    auto_ok = seed(
        app, "ok", status="approve", scores={"obscene": 0.1, "personal": 0.3, "derogatory": 0.0}
    )
    seed(app, "ok 2", status="approve", scores={"obscene": 0.1, "personal": 0.2, "derogatory": 0.0})
    seed(app, "held", age_minutes=90)
    decide(client, auto_ok, "reject", "personal attack")
    stats = client.get("/dashboard/stats.json").get_json()
    assert len(stats["days"]) == 30
    assert stats["per_day"]["published"][-1] == 1 and stats["per_day"]["rejected"][-1] == 1
    assert stats["per_day"]["pending"][-1] == 1
    assert stats["decisions"]["automatic"][-1] == 2 and stats["decisions"]["human"][-1] == 1
    assert stats["overturn"]["personal"] == {"automatic": 2, "overturned": 1, "rate": 0.5}
    assert stats["queue_size"] == 1 and 5300 < stats["oldest_age_seconds"] < 5500


def test_stats_page_loads_vendored_chart_js_without_inline_script(client):
    html = client.get("/dashboard/stats").get_data(as_text=True)
    assert "/static/vendor/chart.umd.min.js" in html
    assert 'data-src="/dashboard/stats.json"' in html
    assert re.findall(r"<script(?![^>]*src=)", html) == []
    assert client.get("/static/vendor/chart.umd.min.js").status_code == 200


@pytest.mark.parametrize("payload", XSS)
def test_user_strings_are_escaped_in_audit_and_stats(app, client, payload):
    cid = seed(app, payload, author=payload, site="evil", title=payload)
    with app.app_context(), db.write() as session:
        sites.update_site_settings(session, sites.get_site(session, "evil"), name=payload)
    decide(client, cid, "reject", "other")
    for path in ("/dashboard/audit", "/dashboard/stats", "/dashboard/stats.json"):
        text = client.get(path).get_data(as_text=True)
        assert payload not in text, path


# --- settings ---------------------------------------------------------------------------------


def settings_post(client, slug="default", **data):
    token = csrf_token(client, f"/dashboard/sites/{slug}")
    return client.post(f"/dashboard/sites/{slug}", data={"csrf_token": token, **data})


def test_settings_save_origins_thresholds_and_words(app, admin):
    response = settings_post(
        admin,
        action="save",
        origins="https://news.example\nhttps://other.example:8443",
        **{"review_at-personal": "0.3", "reject_at-personal": "0.8"},
        deny_words="ferryman\nbridgekeeper",
        allow_words="scunthorpe",
    )
    assert response.status_code == 302
    with app.app_context():
        site = sites.get_site(db.get_session(), "default")
        assert site.origins == ["https://news.example", "https://other.example:8443"]
        assert site.thresholds == {"personal": {"review_at": 0.3, "reject_at": 0.8}}
        assert site.deny_words == ["ferryman", "bridgekeeper"] and site.allow_words == [
            "scunthorpe"
        ]
    html = admin.get("/dashboard/sites/default").get_data(as_text=True)
    assert 'value="0.3"' in html and "bridgekeeper" in html


def test_settings_refuse_bad_values_with_a_message(app, admin):
    response = settings_post(admin, action="save", origins="ftp://x", deny_words="")
    assert response.status_code == 400 and "origin" in response.get_data(as_text=True)
    response = settings_post(
        admin, action="save", **{"review_at-obscene": "0.9", "reject_at-obscene": "0.2"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert sites.get_site(db.get_session(), "default").thresholds is None


def test_what_if_preview_counts_changed_decisions_without_saving(app, admin):
    for i in range(4):
        seed(
            app,
            f"mild {i}",
            status="approve",
            scores={"obscene": 0.0, "personal": 0.3, "derogatory": 0.0},
        )
    seed(
        app, "calm", status="approve", scores={"obscene": 0.0, "personal": 0.05, "derogatory": 0.0}
    )
    response = settings_post(
        admin, action="preview", **{"review_at-personal": "0.25", "reject_at-personal": "0.9"}
    )
    html = response.get_data(as_text=True)
    assert "of the last 5 comments" in html
    assert "4 more would be held" in html and "4 fewer auto-approved" in html
    assert 'value="0.25"' in html  # the form keeps what was typed
    with app.app_context():
        assert sites.get_site(db.get_session(), "default").thresholds is None


def test_word_test_box_uses_the_saved_lists(app, admin):
    settings_post(admin, action="save", deny_words="ferryman")
    token = csrf_token(admin, "/dashboard/sites/default")
    html = admin.post(
        "/dashboard/sites/default/test", data={"csrf_token": token, "text": "hello ferryman"}
    ).get_data(as_text=True)
    assert 'id="verdict"' in html and "hello ferryman" in html


def test_api_keys_created_shown_once_listed_and_revoked(app, admin):
    token = csrf_token(admin, "/dashboard/sites/default")
    html = admin.post(
        "/dashboard/sites/default/keys", data={"csrf_token": token, "name": "cms"}
    ).get_data(as_text=True)
    raw = re.search(r'<code id="new-key">([^<]+)</code>', html).group(1)
    again = admin.get("/dashboard/sites/default").get_data(as_text=True)
    assert raw not in again and raw[:12] in again and "never" in again
    with app.app_context(), db.write() as session:
        key = apikeys.verify_api_key(session, raw)
        assert key is not None
        key_id = key.id
    assert (
        "never"
        not in admin.get("/dashboard/sites/default")
        .get_data(as_text=True)
        .split("cms")[1]
        .split("</tr>")[0]
    )
    token = csrf_token(admin, "/dashboard/sites/default")
    assert (
        admin.post(
            f"/dashboard/sites/default/keys/{key_id}/revoke", data={"csrf_token": token}
        ).status_code
        == 302
    )
    with app.app_context():
        assert apikeys.verify_api_key(db.get_session(), raw) is None


def test_revoking_another_sites_key_is_not_found(app, admin):
    with app.app_context(), db.write() as session:
        other = sites.create_site(session, "other", "Other")
        key, _ = apikeys.create_api_key(session, other, "k")
        key_id = key.id
    token = csrf_token(admin, "/dashboard/sites/default")
    assert (
        admin.post(
            f"/dashboard/sites/default/keys/{key_id}/revoke", data={"csrf_token": token}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("payload", XSS)
def test_site_name_and_key_name_are_escaped_in_settings(app, admin, payload):
    with app.app_context(), db.write() as session:
        site = sites.get_site(session, "default")
        sites.update_site_settings(session, site, name=payload, deny_words=[payload])
        apikeys.create_api_key(session, site, payload)
    for path in ("/dashboard/settings", "/dashboard/sites/default"):
        assert payload not in admin.get(path).get_data(as_text=True)

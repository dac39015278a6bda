"""Approve / reject one or many, undo, the audit events, and the widget seeing approvals at once."""

from sqlalchemy import select

from moderation.review import UNDO_SECONDS
from moderation.storage import ModerationEvent
from web import db

from ..dashboard_support import csrf_token, login, seed, status_of

WIDGET_LIST = "/api/v1/sites/default/threads/t1/comments"


def events(app, comment_id):
    with app.app_context():
        stmt = select(ModerationEvent).where(ModerationEvent.comment_id == comment_id)
        return list(db.get_session().scalars(stmt.order_by(ModerationEvent.id)))


def form_post(client, data):
    return client.post(
        "/dashboard/decide", data={"csrf_token": csrf_token(client, "/dashboard/"), **data}
    )


def json_post(client, path, body):
    token = csrf_token(client, "/dashboard/")
    return client.post(path, json=body, headers={"X-CSRFToken": token})


def test_approve_one_by_form_publishes_audits_and_shows_in_the_widget(app, client):
    cid = seed(app, "a fine comment")
    assert client.get(WIDGET_LIST).get_json()["comments"] == []
    response = form_post(client, {"one": f"approve:{cid}", "next": "/dashboard/?order=oldest"})
    assert (
        response.status_code == 302 and response.headers["Location"] == "/dashboard/?order=oldest"
    )
    assert status_of(app, cid) == "published"
    last = events(app, cid)[-1]
    assert (last.actor_kind, last.actor_name, last.from_status, last.to_status) == (
        "moderator",
        "mod",
        "pending",
        "published",
    )
    assert [c["text"] for c in client.get(WIDGET_LIST).get_json()["comments"]] == ["a fine comment"]


def test_reject_one_needs_a_listed_reason(app, client):
    cid = seed(app, "spammy")
    assert form_post(client, {"one": f"reject:{cid}", f"reason-{cid}": "spam"}).status_code == 302
    assert status_of(app, cid) == "rejected"
    assert events(app, cid)[-1].reason == "spam"
    other = seed(app, "other")
    assert (
        form_post(
            client, {"one": f"reject:{other}", f"reason-{other}": "i feel like it"}
        ).status_code
        == 400
    )
    assert status_of(app, other) == "pending"


def test_bulk_approve_selected(app, client):
    a, b, c = (seed(app, f"comment {i}") for i in range(3))
    form_post(client, {"action": "approve", "scope": "selected", "ids": [str(a), str(c)]})
    assert [status_of(app, i) for i in (a, b, c)] == ["published", "pending", "published"]


def test_bulk_reject_all_matching_the_filter(app, client):
    spam = [seed(app, f"buy pills {i}") for i in range(3)]
    keep = seed(app, "a real comment")
    form_post(
        client,
        {"action": "reject", "scope": "all", "q": "pills", "reason": "spam", "list": "queue"},
    )
    assert {status_of(app, i) for i in spam} == {"rejected"}
    assert status_of(app, keep) == "pending"


def test_json_decide_and_undo(app, client):
    cid = seed(app, "x")
    response = json_post(
        client, "/dashboard/decide.json", {"ids": [cid], "action": "reject", "reason": "other"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["undo_seconds"] == UNDO_SECONDS and len(body["events"]) == 1
    assert status_of(app, cid) == "rejected"
    undone = json_post(client, "/dashboard/undo.json", {"events": body["events"]}).get_json()
    assert len(undone["events"]) == 1
    assert status_of(app, cid) == "pending"
    last = events(app, cid)[-1]
    assert last.from_status == "rejected" and last.to_status == "pending"
    assert last.reason == f"undo of event {body['events'][0]}"


def test_json_decide_without_csrf_header_is_refused(app, client):
    cid = seed(app, "x")
    assert (
        client.post("/dashboard/decide.json", json={"ids": [cid], "action": "approve"}).status_code
        == 400
    )
    assert status_of(app, cid) == "pending"


def test_form_undo_is_offered_and_works(app, client):
    cid = seed(app, "x")
    form_post(client, {"one": f"approve:{cid}"})
    html = client.get("/dashboard/").get_data(as_text=True)
    assert 'id="undo-form"' in html
    event_id = events(app, cid)[-1].id
    client.post(
        "/dashboard/undo",
        data={"csrf_token": csrf_token(client, "/dashboard/"), "events": str(event_id)},
    )
    assert status_of(app, cid) == "pending"


def test_undo_is_refused_for_another_moderators_or_stale_events(app, client):
    from datetime import timedelta

    cid = seed(app, "x")
    form_post(client, {"one": f"approve:{cid}"})
    event_id = events(app, cid)[-1].id
    other = app.test_client()
    login(other, "boss")
    json_post(other, "/dashboard/undo.json", {"events": [event_id]})
    assert status_of(app, cid) == "published"
    with app.app_context(), db.write() as session:
        event = session.get(ModerationEvent, event_id)
        event.created_at = event.created_at - timedelta(seconds=UNDO_SECONDS + 1)
    json_post(client, "/dashboard/undo.json", {"events": [event_id]})
    assert status_of(app, cid) == "published"


def test_overturn_an_automatic_decision_from_the_lists(app, client):
    auto_ok = seed(app, "approved by the scorer", status="approve")
    auto_no = seed(app, "rejected by the scorer", status="reject")
    assert f'value="reject:{auto_ok}"' in client.get("/dashboard/published").get_data(as_text=True)
    assert f'value="approve:{auto_no}"' in client.get("/dashboard/rejected").get_data(as_text=True)
    form_post(client, {"one": f"reject:{auto_ok}", f"reason-{auto_ok}": "off-topic"})
    form_post(client, {"one": f"approve:{auto_no}"})
    assert status_of(app, auto_ok) == "rejected" and status_of(app, auto_no) == "published"


def test_deciding_twice_writes_one_event(app, client):
    cid = seed(app, "x")
    form_post(client, {"one": f"approve:{cid}"})
    form_post(client, {"one": f"approve:{cid}"})
    assert [e.actor_kind for e in events(app, cid)] == ["system", "moderator"]

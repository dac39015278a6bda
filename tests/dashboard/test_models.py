"""Learning from moderators, end to end: an invented insult is published, moderators reject it in
the dashboard, an admin presses "Retrain now", the gate promotes the candidate, and the API now
holds new comments using the word — while the reference AUCs stay within the tolerance."""

from __future__ import annotations

import re
import time

import pytest

from moderation.storage import apikeys, sites
from web import db

from ..dashboard_support import csrf_token, login
from ..retrain_support import PROBES, base_model, insults, retrain_app  # noqa: F401
from ..widget_support import dispose

JOB_TIMEOUT = 180


@pytest.fixture
def app(db_url, tmp_path, base_model):  # noqa: F811
    app = retrain_app(db_url, tmp_path, base_model)
    yield app
    dispose(app)


def _api_key(app) -> str:
    with app.app_context(), db.write() as session:
        return apikeys.create_api_key(session, sites.get_site(session, "default"), "test")[1]


def _decisions(client, key: str, texts) -> list[str]:
    body = client.post("/api/v1/moderate", json={"texts": list(texts)},
                       headers={"Authorization": f"Bearer {key}"}).get_json()
    return [r["decision"] for r in body["results"]]


def _submit(client, text: str) -> tuple[int, bool]:
    """The new comment's id, and whether it was rejected outright."""
    resp = client.post("/api/v1/sites/default/threads/t1/comments",
                       json={"author": "reader", "text": text})
    assert resp.status_code in (201, 202, 422), resp.get_data(as_text=True)
    return int(resp.get_json()["id"]), resp.status_code == 422


def _wait_for_job(admin, app, site: str = "default") -> dict:
    page = admin.get(f"/dashboard/models?site={site}").get_data(as_text=True)
    job_id = int(re.search(r'id="job-(\d+)"', page).group(1))
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job = admin.get(f"/dashboard/models/jobs/{job_id}.json").get_json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.5)
    log = (app.config["SETTINGS"].instance_dir / "logs" / f"retrain-{job_id}.log")
    pytest.fail(f"job {job_id} still {job['status']}: {log.read_text() if log.exists() else ''}")


def test_moderators_teach_the_model_a_new_insult(app):
    reader, moderator, admin = app.test_client(), app.test_client(), app.test_client()
    login(moderator)
    login(admin, "boss")
    key = _api_key(app)
    assert _decisions(reader, key, PROBES) == ["approve"] * len(PROBES)

    # the base model may reject a few outright ("Mark from the council is a vexnork…"): those are
    # decided already, and the moderator decides the rest
    ids = [i for i, rejected in (_submit(reader, text) for text in insults()) if not rejected]
    assert len(ids) >= 40
    token = csrf_token(moderator, "/dashboard/")
    decided = moderator.post("/dashboard/decide.json", headers={"X-CSRFToken": token},
                             json={"ids": ids, "action": "reject", "reason": "personal attack"})
    assert decided.status_code == 200 and len(decided.get_json()["events"]) == len(ids)

    page = admin.get("/dashboard/models?site=default")
    assert page.status_code == 200 and "Retrain now" in page.get_data(as_text=True)
    started = admin.post("/dashboard/models/retrain",
                         data={"site": "default", "csrf_token": csrf_token(admin, "/dashboard/models")})
    assert started.status_code == 302
    job = _wait_for_job(admin, app)
    assert job["status"] == "succeeded", job
    version = job["candidate"]

    listing = admin.get("/dashboard/models?site=default").get_data(as_text=True)
    assert version in listing and "● active" in listing
    report = admin.get(f"/dashboard/models/{version}").get_data(as_text=True)
    assert "Gate: promote" in report and "pr.png" in report
    png = admin.get(f"/dashboard/models/{version}/pr.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")

    after = _decisions(reader, key, PROBES)
    assert "approve" not in after, after
    held = [reader.post("/api/v1/sites/default/threads/t2/comments",
                        json={"author": "reader", "text": text}).status_code for text in PROBES]
    assert set(held) <= {202, 422}
    clean = _decisions(reader, key, ["Thanks for the clear report on the library hours."])
    assert clean == ["approve"]
    with app.app_context():
        row = _version_row(version)
        reference = row.report["reference"]
        for name, before in reference["current"].items():
            assert reference["candidate"][name] >= before - 0.005, name


def _version_row(version: str):
    from moderation.storage import model_versions

    return model_versions.find_version(db.get_session(), version)


def test_models_page_is_for_admins_only(app):
    client = app.test_client()
    login(client)
    assert client.get("/dashboard/models").status_code == 403
    assert client.post("/dashboard/models/retrain", data={}).status_code in (400, 403)


def test_retrain_with_too_few_decisions_fails_and_keeps_the_model(app):
    admin = app.test_client()
    login(admin, "boss")
    admin.post("/dashboard/models/retrain",
               data={"site": "default", "csrf_token": csrf_token(admin, "/dashboard/models")})
    job = _wait_for_job(admin, app)
    assert job["status"] == "failed" and "too few decisions" in job["message"]


def test_rescore_button_rescores_the_pending_queue(app):
    from moderation.storage.schema import Comment

    from ..dashboard_support import seed

    pending = seed(app, "You absolute clown, read the article first.")
    admin = app.test_client()
    login(admin, "boss")
    done = admin.post("/dashboard/models/rescore", follow_redirects=True,
                      data={"site": "default", "csrf_token": csrf_token(admin, "/dashboard/models")})
    assert "re-scored pending comments: default: 1 with" in done.get_data(as_text=True)
    with app.app_context():
        comment = db.get_session().get(Comment, pending)
        assert comment.model_version != "fake-1" and comment.status == "pending"
        assert comment.scores["personal"] != 0.5

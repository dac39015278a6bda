"""Retraining's parts: the label mapping, the registry and job tables (SQLite and PostgreSQL),
the gate's rule, hot reload and degraded mode in the web registry, the CLI, and RQ."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest

from moderation import cli, decisions, gate, review
from moderation.model_store import materialize, read_model_dir
from moderation.storage import (
    Actor,
    CommentStatus,
    JobStatus,
    LabelSource,
    ModelStatus,
    Role,
    labels,
    model_versions,
    moderators,
    retrain_jobs,
    sites,
    threads,
    transaction,
)
from moderation.storage.coltypes import utcnow
from moderation.storage.comments import submit_comment
from moderation.storage.errors import InvalidData
from web import db

from .retrain_support import base_model, retrain_app  # noqa: F401
from .widget_support import dispose

NAN = float("nan")


# ─── how a human label maps onto the categories ─────────────────────────────


@pytest.mark.parametrize(
    ("to_status", "reason", "expected"),
    [
        (CommentStatus.PUBLISHED, None, (0.0, 0.0, 0.0)),
        (CommentStatus.REJECTED, "obscene", (1.0, 0.0, 0.0)),
        (CommentStatus.REJECTED, "personal attack", (0.0, 1.0, 0.0)),
        (CommentStatus.REJECTED, "derogatory", (0.0, 0.0, 1.0)),
        (CommentStatus.REJECTED, "spam", None),
        (CommentStatus.REJECTED, "off-topic", None),
        (CommentStatus.REJECTED, "other", None),
        (CommentStatus.PENDING, "undo of event 3", None),
    ],
)
def test_a_human_decision_labels_the_categories(to_status, reason, expected):
    assert decisions.labels_for(to_status, reason) == expected


@pytest.mark.parametrize(
    ("auto", "human", "overturn"),
    [("approve", CommentStatus.REJECTED, True), ("reject", CommentStatus.PUBLISHED, True),
     ("review", CommentStatus.REJECTED, False), ("approve", CommentStatus.PUBLISHED, False)],
)
def test_overturns(auto, human, overturn):
    assert decisions.is_overturn(auto, human) is overturn


def test_stored_labels_are_used_as_given():
    out = decisions.label_values({"personal": 0.8, "obscene": 0.1}, None)
    assert out[:2] == (0.0, 1.0) and np.isnan(out[2])
    assert decisions.label_values(None, 0.2) == (0.0, 0.0, 0.0)
    assert decisions.label_values(None, 0.9) is None


def _seed(session, texts_and_verdicts):
    site = sites.create_site(session, "news", "News")
    thread = threads.get_or_create_thread(session, site, "t", None, None)
    mod = moderators.create_moderator(session, "mod", "a-long-password", Role.MODERATOR)
    ids = []
    for text, decision in texts_and_verdicts:
        verdict = {"decision": decision, "scores": {}, "matches": [], "reasons": [],
                   "model_version": "m1"}
        ids.append(submit_comment(session, site, thread, "a", text, verdict)[0].id)
    return site, Actor.moderator(mod), ids


def test_collect_uses_the_latest_human_decision_and_weighs_overturns(sessionmaker):
    with transaction(sessionmaker) as s:
        site, mod, ids = _seed(s, [("you absolute vexnork", "approve"), ("nice piece", "review"),
                                   ("buy pills", "review"), ("changed my mind", "review"),
                                   ("undone", "review")])
        review.apply(s, [ids[0]], review.Action.REJECT, mod, "personal attack")
        review.apply(s, [ids[1]], review.Action.APPROVE, mod)
        review.apply(s, [ids[2]], review.Action.REJECT, mod, "spam")
        review.apply(s, [ids[3]], review.Action.REJECT, mod, "obscene")
        review.apply(s, [ids[3]], review.Action.APPROVE, mod)
        events = review.apply(s, [ids[4]], review.Action.REJECT, mod, "obscene")
        review.undo(s, [e.id for e in events], mod)
        labels.add_label(s, site, LabelSource.SUGGESTSCORE, text="a suggested insult",
                         categories={"personal": 0.9})
    with sessionmaker() as s:
        rows = {r.text: r for r in decisions.collect(s, site.id)}
    assert set(rows) == {"you absolute vexnork", "nice piece", "changed my mind",
                         "a suggested insult"}
    assert rows["you absolute vexnork"].labels == (0.0, 1.0, 0.0)
    assert rows["you absolute vexnork"].weight == decisions.BASE_WEIGHT * decisions.OVERTURN_WEIGHT
    assert rows["nice piece"].weight == decisions.BASE_WEIGHT
    assert rows["changed my mind"].labels == (0.0, 0.0, 0.0)
    assert rows["a suggested insult"].source == "suggestscore"


def test_many_decisions_together_weigh_at_most_a_few_hundred_full_rows():
    now = utcnow()
    few = [decisions.Decided("t", (0.0, 0.0, 0.0), 12.0, now, "decision")] * 50
    many = [decisions.Decided("t", (0.0, 0.0, 0.0), 12.0, now, "decision")] * 4000
    assert (decisions.as_training_set(few, "s")[1] == 12.0).all()
    assert decisions.as_training_set(many, "s")[1].sum() == pytest.approx(
        12.0 * decisions.FULL_WEIGHT_ROWS)


def test_the_most_recent_decisions_are_held_out():
    rows = [decisions.Decided(str(i), (0.0, 0.0, 0.0), 1.0, utcnow() + timedelta(seconds=i),
                              "decision") for i in range(60)]
    trained, held = decisions.split_recent(rows, 0.2, 10)
    assert [r.text for r in held] == [str(i) for i in range(48, 60)] and len(trained) == 48
    assert len(decisions.split_recent(rows[:20], 0.2, 10)[1]) == 10


# ─── the gate's rule ────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("now", "new", "ref_now", "ref_new", "promote"),
    [
        ({"agreement": 0.5, "auc": None}, {"agreement": 0.9, "auc": None}, {"a": 0.9},
         {"a": 0.896}, True),
        ({"agreement": 0.5, "auc": None}, {"agreement": 0.9, "auc": None}, {"a": 0.9},
         {"a": 0.894}, False),
        ({"agreement": 0.9, "auc": 0.8}, {"agreement": 0.9, "auc": 0.8}, {"a": 0.9},
         {"a": 0.95}, False),
        ({"agreement": 0.9, "auc": 0.8}, {"agreement": 0.9, "auc": 0.81}, {"a": 0.9},
         {"a": 0.9}, True),
        ({"agreement": 0.5, "auc": None}, {"agreement": 0.9, "auc": None}, {"a": 0.9}, {}, False),
    ],
)
def test_the_gate_wants_better_on_the_site_and_not_worse_on_the_references(
    now, new, ref_now, ref_new, promote
):
    assert gate.decide(now, new, ref_now, ref_new)[0] is promote


# ─── the registry and the job tables ───────────────────────────────────────


def _register(session, model_dir, version, site_id=None):
    artifact, sidecar = read_model_dir(model_dir)
    return model_versions.add_version(session, version, site_id, artifact,
                                      {**sidecar, "version": version}, report={"promote": True})


def test_activate_rollback_and_fallback(sessionmaker, base_model):  # noqa: F811
    with transaction(sessionmaker) as s:
        site = sites.create_site(s, "news", "News")
        v1 = _register(s, base_model, "global-v1")
        v2 = _register(s, base_model, "global-v2")
        own = _register(s, base_model, "news-v1", site.id)
        model_versions.activate(s, v1)
        assert model_versions.activate(s, v2).version == "global-v1"
        model_versions.activate(s, own)
        assert model_versions.active_map(s) == {None: ("global-v2", v2.sha256),
                                                site.id: ("news-v1", own.sha256)}
        model_versions.rollback(s, "global-v1", None, ("bundled",))
        assert model_versions.rollback(s, "bundled", site.id, ("bundled",)).startswith(
            "retired news-v1")
        assert model_versions.active_map(s) == {None: ("global-v1", v1.sha256)}
        assert {v.version: v.status for v in model_versions.list_versions(s, None)} == {
            "global-v1": ModelStatus.ACTIVE, "global-v2": ModelStatus.RETIRED}
        with pytest.raises(InvalidData):
            model_versions.rollback(s, "nope", None, ("bundled",))


def test_one_open_job_per_scope_and_dead_jobs_expire(sessionmaker):
    with transaction(sessionmaker) as s:
        job, created = retrain_jobs.create_job(s, None, "admin")
        again, created_again = retrain_jobs.create_job(s, None, "admin")
        assert created and not created_again and again.id == job.id
        retrain_jobs.start(s, job, "host:1")
        job.heartbeat_at = utcnow() - timedelta(seconds=retrain_jobs.STALE_SECONDS + 1)
        assert retrain_jobs.expire_stale(s) == 1
        assert job.status is JobStatus.FAILED and "stopped answering" in job.message
        queued, _ = retrain_jobs.create_job(s, None, "admin")
        queued.created_at = utcnow() - timedelta(seconds=retrain_jobs.QUEUED_STALE_SECONDS + 1)
        assert retrain_jobs.expire_stale(s) == 1 and queued.status is JobStatus.FAILED


def test_a_damaged_cache_is_rewritten_from_the_database(sessionmaker, base_model, tmp_path):  # noqa: F811
    with transaction(sessionmaker) as s:
        row = _register(s, base_model, "global-v1")
    with sessionmaker() as s:
        path = materialize(s, tmp_path, "global-v1", row.sha256) / "moderation.skops"
        path.write_bytes(path.read_bytes()[:1000])
        materialize(s, tmp_path, "global-v1", row.sha256)
    assert path.stat().st_size == len(row.artifact)


# ─── hot reload in the web registry ─────────────────────────────────────────


@pytest.fixture
def app(db_url, tmp_path, base_model):  # noqa: F811
    app = retrain_app(db_url, tmp_path, base_model)
    yield app
    dispose(app)


def _activate(app, version, artifact=None):
    from moderation.model_store import read_model_dir as read

    with app.app_context(), db.write() as s:
        data, sidecar = read(app.config["SETTINGS"].model_dir)
        row = model_versions.add_version(s, version, None, artifact or data,
                                         {**sidecar, "version": version})
        model_versions.activate(s, row)


def test_workers_pick_up_a_promoted_model_and_a_rollback(app):
    client = app.test_client()
    assert client.get("/readyz").get_json()["model"]["version"] != "global-v1"
    _activate(app, "global-v1")
    assert client.get("/readyz").get_json()["model"] == {
        "loaded": True, "degraded": False, "version": "global-v1"}
    with app.app_context(), db.write() as s:
        model_versions.rollback(s, "bundled", None, ("bundled",))
    assert client.get("/readyz").get_json()["model"]["version"] != "global-v1"


def test_a_promoted_model_that_fails_to_load_serves_degraded(app, caplog):
    client = app.test_client()
    _activate(app, "global-bad", artifact=b"PK\x03\x04 truncated")
    model = client.get("/readyz").get_json()["model"]
    assert model["degraded"] is True and "global-bad" in model["reason"]
    assert sum("global-bad" in r.getMessage() for r in caplog.records) == 1
    with app.app_context():
        site = sites.get_site(db.get_session(), "default")
    from web.models import ModelRegistry

    registry: ModelRegistry = app.extensions["models"]
    with app.app_context():
        verdict = registry.scorer(site.id).score("Thanks for the lovely photos.")
    assert verdict.decision.value == "review"  # nothing is auto-approved


def test_a_pickle_in_the_registry_is_refused(app):
    import pickle

    _activate(app, "global-pickle", artifact=pickle.dumps({"a": 1}))
    model = app.test_client().get("/readyz").get_json()["model"]
    assert model["degraded"] is True and "pickle" in model["reason"]


# ─── the commands ───────────────────────────────────────────────────────────


@pytest.fixture
def env(monkeypatch, db_url, tmp_path, base_model):  # noqa: F811
    values = {"MODERATION_DATABASE_URL": db_url, "MODERATION_INSTANCE_DIR": str(tmp_path),
              "MODERATION_MODEL_DIR": str(base_model),
              "MODERATION_SECRET_KEY": "test-secret-key-0123456789"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_models_and_rollback_commands(env, sessionmaker, base_model, capsys):  # noqa: F811
    with transaction(sessionmaker) as s:
        model_versions.activate(s, _register(s, base_model, "global-v1"))
        _register(s, base_model, "global-v2")
    assert cli.main(["rollback", "global-v2"]) == 0
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    assert "activated global-v2 (was global-v1)" in out
    assert "* global-v2" in out and "  global-v1" in out
    assert cli.main(["rollback", "bundled"]) == 0
    cli.main(["models"])
    assert capsys.readouterr().out.splitlines()[-1].startswith("* bundled")


def test_retrain_command_fails_without_enough_decisions(env, sessionmaker, capsys):
    with transaction(sessionmaker) as s:
        sites.create_site(s, "news", "News")
    assert cli.main(["retrain", "--site", "news"]) == 1
    assert "too few decisions for news: 0 < 50" in capsys.readouterr().out


# ─── RQ ─────────────────────────────────────────────────────────────────────

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_queue():
    from redis import Redis
    from redis.exceptions import RedisError

    from moderation.jobs import QUEUE

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisError as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    from rq import Queue

    Queue(QUEUE, connection=connection).empty()
    return connection


def test_with_redis_the_button_queues_the_job_for_a_worker(db_url, tmp_path, base_model,  # noqa: F811
                                                             redis_queue, monkeypatch):
    from moderation.jobs import settings_env, work

    from .dashboard_support import csrf_token, login

    app = retrain_app(db_url, tmp_path, base_model, redis_url=REDIS_URL)
    try:
        admin = app.test_client()
        login(admin, "boss")
        admin.post("/dashboard/models/retrain",
                   data={"site": "default", "csrf_token": csrf_token(admin, "/dashboard/models")})
        with app.app_context():
            job = retrain_jobs.list_jobs(db.get_session(), sites.get_site(
                db.get_session(), "default").id)[0]
        assert job.status is JobStatus.QUEUED
        for name, value in settings_env(app.config["SETTINGS"], db_url).items():
            monkeypatch.setenv(name, value)
        work(REDIS_URL, burst=True)
        body = admin.get(f"/dashboard/models/jobs/{job.id}.json").get_json()
        assert body["status"] == "failed" and "too few decisions" in body["message"], body
    finally:
        dispose(app)


def test_sidecar_of_a_registered_version_names_it(sessionmaker, base_model):  # noqa: F811
    with transaction(sessionmaker) as s:
        row = _register(s, base_model, "global-v9")
    assert row.sidecar["version"] == "global-v9"
    assert json.loads(json.dumps(row.sidecar))["sha256"] == row.sha256


def test_rescore_command_uses_the_serving_version(env, sessionmaker, base_model, capsys):  # noqa: F811
    from moderation.storage.schema import Comment

    with transaction(sessionmaker) as s:
        _, _, ids = _seed(s, [("you absolute clown", "review")])
        model_versions.activate(s, _register(s, base_model, "global-v1"))
    assert cli.main(["rescore", "--site", "news"]) == 0
    assert "news: re-scored 1 pending comment(s) with global-v1" in capsys.readouterr().out
    with sessionmaker() as s:
        assert s.get(Comment, ids[0]).model_version == "global-v1"


class _Fixed:
    """A stand-in classifier whose scores are a fixed table."""

    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def predict_proba(self, inputs):
        assert len(inputs) == len(self.scores)
        return self.scores


def test_calibrate_carries_the_parents_operating_point_over():
    from moderation.policy import Thresholds

    rng = np.random.default_rng(0)
    now = rng.uniform(size=(200, 3))
    texts = [f"comment number {i}" for i in range(200)]
    parent = {c: Thresholds(0.4, 0.9) for c in ("obscene", "personal", "derogatory")}
    chosen = gate.calibrate(_Fixed(now), _Fixed(now / 2), texts, parent)
    for ci, cat in enumerate(("obscene", "personal", "derogatory")):
        review, reject = chosen[cat]
        held, rejected = (now[:, ci] >= 0.4).sum(), (now[:, ci] >= 0.9).sum()
        assert held <= ((now[:, ci] / 2) >= review).sum() <= held + 1
        assert rejected <= ((now[:, ci] / 2) >= reject).sum() <= rejected + 1
        assert review <= reject


def test_site_metrics_leave_out_texts_over_todays_length_cap(base_model):  # noqa: F811
    from moderation import load_scorer

    scorer = load_scorer(base_model, max_length=100)
    now = utcnow()
    rows = [decisions.Decided("you utter clown", (0.0, 1.0, 0.0), 1.0, now, "decision"),
            decisions.Decided("x" * 500, (0.0, 0.0, 0.0), 1.0, now, "decision")]
    assert gate.site_metrics(scorer, rows)["n"] == 1


def test_a_refused_site_model_holds_that_sites_comments_and_shows_in_readyz(app):
    with app.app_context(), db.write() as s:
        site = sites.get_site(s, "default")
        _, sidecar = read_model_dir(app.config["SETTINGS"].model_dir)
        row = model_versions.add_version(s, "default-bad", site.id, b"PK\x03\x04 broken",
                                         {**sidecar, "version": "default-bad"})
        model_versions.activate(s, row)
        site_id = site.id
    client = app.test_client()
    posted = client.post("/api/v1/sites/default/threads/t/comments",
                         json={"author": "a", "text": "Lovely photos of the harbour."})
    assert posted.status_code == 202  # degraded: nothing is auto-approved
    model = client.get("/readyz").get_json()["model"]
    assert model["loaded"] is True and model["degraded"] is True
    assert "default-bad" in model["sites"][str(site_id)]["reason"]

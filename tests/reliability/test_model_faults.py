"""A bad model never stops the service and never auto-approves, at start and at hot reload.

Five faults: the model file missing, truncated, a pickle, holding an untrusted type, or not the
file its sha256 names. Each is refused (``moderation.classifier``); here the *service* is
checked: it starts and keeps answering, ``/readyz`` is 200 and says degraded with the reason,
a calm comment is held (202) instead of published through the widget, the API says ``review``,
and the word list still rejects. At hot reload the same artifacts are promoted through the
model registry (``web/models.py``) while the service runs on a good model; rolling back
restores it. The classifier-level refusals are in tests/test_classifier.py and
tests/test_scorer.py.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from moderation import classifier
from moderation.settings import Settings
from moderation.storage import apikeys, model_versions, sites
from moderation.storage.schema import ModelStatus
from web import db

from ..test_cli_service import get, wait_ready
from ..widget_support import dispose, make_app
from .serving import serve

BUNDLED = Path(__file__).resolve().parents[2] / "models"
CALM = "Thanks for the clear reporting on the ferry timetable."
SEVERE = "What a load of shit."
pytestmark = [
    pytest.mark.skipif(not (BUNDLED / "moderation.json").is_file(), reason="no bundled model"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # the model is not the database
]


# --- the five faults, as (artifact bytes, sidecar) made from the good model --------------------


def good() -> tuple[bytes, dict]:
    return (BUNDLED / "moderation.skops").read_bytes(), json.loads(
        (BUNDLED / "moderation.json").read_text()
    )


def signed(artifact: bytes, sidecar: dict) -> tuple[bytes, dict]:
    """The sidecar re-signed for ``artifact``, so the sha256 check passes and another must refuse."""
    import hashlib

    return artifact, {**sidecar, "sha256": hashlib.sha256(artifact).hexdigest()}


def truncated(tmp: Path) -> tuple[bytes, dict]:
    artifact, sidecar = good()
    return signed(artifact[: len(artifact) // 2], sidecar)


def pickled(tmp: Path) -> tuple[bytes, dict]:
    return signed(pickle.dumps({"pipelines": None}), good()[1])


def untrusted(tmp: Path) -> tuple[bytes, dict]:
    sio.dump({"pipelines": FunctionTransformer(func=os.system)}, tmp / "evil.skops")
    return signed((tmp / "evil.skops").read_bytes(), good()[1])


def wrong_sha256(tmp: Path) -> tuple[bytes, dict]:
    artifact, sidecar = good()
    return artifact, {**sidecar, "sha256": "0" * 64}


FAULTS: dict[str, tuple[Callable[[Path], tuple[bytes, dict]], str]] = {
    "truncated": (truncated, "truncated"),
    "pickle": (pickled, "pickle"),
    "untrusted type": (untrusted, "untrusted types"),
    "wrong sha256": (wrong_sha256, "sha256"),
}


def model_dir_with(tmp_path: Path, fault: str) -> Path:
    """A copy of the bundled model directory with ``fault`` applied."""
    target = tmp_path / "model"
    shutil.copytree(BUNDLED, target)
    if fault == "missing":
        (target / "moderation.skops").unlink()
        return target
    artifact, sidecar = FAULTS[fault][0](tmp_path)
    (target / "moderation.skops").write_bytes(artifact)
    (target / "moderation.json").write_text(json.dumps(sidecar))
    return target


# --- what the service must do with any of them ------------------------------------------------


def service_app(db_url: str, tmp_path: Path, model_dir: Path | None = None, **config):
    """The real app (the model loaded from ``model_dir``, the registry live), and an API key."""
    settings = Settings(
        instance_dir=tmp_path, database_url=db_url, secret_key="s" * 32, model_dir=model_dir
    )
    app = make_app(db_url, tmp_path, SETTINGS=settings, SCORER=None, **config)
    with app.app_context(), db.write() as session:
        _, key = apikeys.create_api_key(session, sites.get_site(session, "default"), "test")
    return app, key


def assert_degraded_and_safe(client, key: str, reason: str) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    model = ready.get_json()["model"]
    assert model["degraded"] is True and reason in model["reason"], model
    widget = "/api/v1/sites/default/threads/faults/comments"
    calm = client.post(widget, json={"author": "Ann", "text": CALM})
    assert calm.status_code == 202 and calm.get_json()["status"] == "pending"
    assert client.post(widget, json={"author": "Ann", "text": SEVERE}).status_code == 422
    api = client.post(
        "/api/v1/moderate", json={"text": CALM}, headers={"Authorization": f"Bearer {key}"}
    )
    assert api.status_code == 200 and api.get_json()["decision"] == "review"
    assert api.get_json()["model_version"] == "wordlist-only"


def assert_serving(client, key: str, version: str) -> None:
    model = client.get("/readyz").get_json()["model"]
    assert model == {"loaded": True, "degraded": False, "version": version}
    api = client.post(
        "/api/v1/moderate", json={"text": CALM}, headers={"Authorization": f"Bearer {key}"}
    )
    assert api.get_json()["decision"] == "approve"


# --- at start ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, reason", [("missing", "missing")] + [(name, r) for name, (_, r) in FAULTS.items()]
)
def test_a_bad_model_at_start_serves_degraded(db_url, tmp_path, fault, reason):
    app, key = service_app(db_url, tmp_path, model_dir_with(tmp_path, fault))
    try:
        assert_degraded_and_safe(app.test_client(), key, reason)
    finally:
        dispose(app)


def test_moderation_serve_starts_and_stays_up_on_a_truncated_model(db_url, tmp_path):
    model = model_dir_with(tmp_path, "truncated")
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": db_url,
        "MODERATION_INSTANCE_DIR": str(tmp_path),
        "MODERATION_MODEL_DIR": str(model),
    }
    base, proc = serve(env, workers=2)
    try:
        ready = wait_ready(base, proc)
        assert ready["model"]["degraded"] is True and "truncated" in ready["model"]["reason"]
        for _ in range(4):  # both workers
            status, body = get(
                f"{base}/api/v1/sites/default/threads/t/comments", {"author": "A", "text": CALM}
            )
            assert status == 202 and body["status"] == "pending"
        assert proc.poll() is None
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr[-3000:]
    assert "nothing will be auto-approved" in stderr


# --- at hot reload ----------------------------------------------------------------------------


def promote(app, version: str, artifact: bytes, sidecar: dict) -> None:
    """Store ``version`` and make it the global active model (what a promotion does)."""
    with app.app_context(), db.write() as session:
        row = model_versions.add_version(
            session, version, None, artifact, sidecar, status=ModelStatus.CANDIDATE
        )
        model_versions.activate(session, row)


def roll_back(app) -> None:
    with app.app_context(), db.write() as session:
        model_versions.deactivate(session, None)


@pytest.fixture
def live_app(db_url, tmp_path):
    """The app on the bundled model, checking the registry on every request."""
    app, key = service_app(db_url, tmp_path, BUNDLED, MODEL_CHECK_SECONDS=0)
    yield app, key
    dispose(app)


@pytest.mark.parametrize("fault, reason", [(name, r) for name, (_, r) in FAULTS.items()])
def test_a_bad_model_promoted_while_serving_degrades_and_rolls_back(
    live_app, tmp_path, fault, reason
):
    app, key = live_app
    client = app.test_client()
    assert_serving(client, key, good()[1]["version"])
    artifact, sidecar = FAULTS[fault][0](tmp_path)
    promote(app, f"bad-{fault.replace(' ', '-')}", artifact, sidecar)
    assert_degraded_and_safe(client, key, reason)
    roll_back(app)
    assert_serving(client, key, good()[1]["version"])


def test_a_promoted_model_whose_cached_file_goes_missing_is_rewritten_from_the_database(
    live_app, tmp_path
):
    app, key = live_app
    client = app.test_client()
    artifact, sidecar = good()
    promote(app, "good-copy", artifact, {**sidecar, "version": "good-copy"})
    assert_serving(client, key, "good-copy")
    cached = tmp_path / "models" / "good-copy" / "moderation.skops"
    cached.unlink()  # a host's cache lost (disk cleaned, new machine)
    app.extensions["models"].reset()
    assert_serving(client, key, "good-copy")
    assert classifier.sha256(cached) == sidecar["sha256"]

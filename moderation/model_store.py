"""Model versions on disk: the database holds each version's artifact; every host caches it.

``materialize`` writes a version's ``moderation.skops`` and ``moderation.json`` under
``<instance>/models/<version>/`` from the database row (only when the cached artifact is missing
or its sha256 is not the row's: a damaged cache is rewritten from the database). ``load_version``
then loads it like any model directory: skops with the pinned trusted types only, never pickle,
the artifact's sha256 checked against the sidecar's and the row's. Anything wrong — a version
missing from the database, a truncated, pickled, tampered or untrusted artifact — gives a
degraded scorer (word list only, nothing auto-approved) with the reason, never an exception.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import classifier
from .errors import ModelRefused
from .policy import DEFAULT_MAX_LENGTH, Policy
from .scorer import Scorer, load_scorer
from .storage.schema import ModelVersion
from .wordlist import WordList

log = logging.getLogger(__name__)
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def cache_root(instance_dir: Path) -> Path:
    """Where this host keeps version artifacts."""
    return Path(instance_dir) / "models"


def materialize(session: Session, root: Path, version: str, sha256: str) -> Path:
    """The version's model directory under ``root``, written from the database when needed."""
    if not _VERSION.fullmatch(version):
        raise ModelRefused(f"model version {version!r}: not a valid version name")
    target = root / version
    artifact = target / f"{classifier.MODEL_NAME}.skops"
    sidecar = target / f"{classifier.MODEL_NAME}.json"
    if artifact.is_file() and sidecar.is_file() and classifier.sha256(artifact) == sha256:
        return target
    row = session.execute(
        select(ModelVersion.artifact, ModelVersion.sidecar).where(ModelVersion.version == version)
    ).one_or_none()
    if row is None:
        raise ModelRefused(f"model version {version} is not in the database")
    target.mkdir(parents=True, exist_ok=True)
    _atomic_write(artifact, bytes(row.artifact))
    _atomic_write(sidecar, (json.dumps(row.sidecar, indent=2) + "\n").encode())
    return target


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary name and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def load_version(session: Session, root: Path, version: str, sha256: str,
                 max_length: int = DEFAULT_MAX_LENGTH) -> Scorer:
    """A scorer for a registered version; degraded (with the reason logged once) if refused."""
    try:
        directory = materialize(session, root, version, sha256)
    except (ModelRefused, OSError) as exc:
        return degraded(f"model version {version}: {exc}", max_length)
    scorer = load_scorer(directory, max_length=max_length)
    if scorer.classifier is not None and scorer.classifier.meta.get("sha256") != sha256:
        return degraded(f"model version {version}: the sidecar's sha256 is not the registry's",
                        max_length)
    return scorer


def degraded(reason: str, max_length: int = DEFAULT_MAX_LENGTH) -> Scorer:
    """A word-list-only scorer that auto-approves nothing, and one log line saying why."""
    log.warning("model refused (%s): running on the word list alone; nothing will be "
                "auto-approved", reason)
    return Scorer(WordList.default(), None, Policy(max_length=max_length), reason)


def read_model_dir(model_dir: Path) -> tuple[bytes, dict[str, object]]:
    """A trained model directory's artifact bytes and sidecar (to register it)."""
    meta = classifier.read_sidecar(model_dir)
    artifact = model_dir / str(meta.get("file", f"{classifier.MODEL_NAME}.skops"))
    classifier.verify_artifact(artifact, str(meta.get("sha256", "")))
    return artifact.read_bytes(), meta

"""The classifier: fast path equals scikit-learn, skops round trip, refusals, sidecar, explain."""

from __future__ import annotations

import json
import os
import pickle
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from scipy.special import expit
from sklearn.preprocessing import FunctionTransformer

from moderation import classifier
from moderation.categories import CATEGORIES
from moderation.errors import ModelRefused
from moderation.text import fold
from moderation.training import train

FIXTURE = Path(__file__).parent / "fixtures" / "tiny_train.jsonl"
BUNDLED = Path(__file__).resolve().parents[1] / "models"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model")
    train(tmp_path_factory.mktemp("no-public-data"), out, corpus=FIXTURE, log=lambda _: None)
    return out


@pytest.fixture
def copy_of(model_dir: Path, tmp_path: Path) -> Path:
    shutil.copytree(model_dir, tmp_path / "m")
    return tmp_path / "m"


def varied_texts(n: int = 300, seed: int = 0) -> list[str]:
    """Folded texts of many shapes: fixture lines, word salad, punctuation, unicode, long, empty."""
    rng = random.Random(seed)
    lines = [json.loads(x)["text"] for x in FIXTURE.read_text().splitlines()]
    words = " ".join(lines).split() + ["you", "all", "ür", "naïve", "😀", "x", "--", "\t", "a"]
    texts = lines + ["", " ", "a", "!!!", "you", "i know where you live", "calling them vermin"]
    while len(texts) < n:
        k = rng.choice([1, 2, 5, 12, 40])
        texts.append(rng.choice([" ", "  ", "\n", " , "]).join(rng.choice(words) for _ in range(k)))
    texts.append(" ".join(rng.choice(words) for _ in range(700))[:4000])
    return [fold(t).text for t in texts]


def test_fast_path_equals_sklearn(model_dir: Path) -> None:
    clf = classifier.load(model_dir)
    texts = varied_texts()
    reference = clf.predict_proba_sklearn(texts)
    np.testing.assert_allclose(clf.predict_proba(texts), reference, rtol=0, atol=1e-9)
    # one text at a time takes another path (no sparse matrix)
    one_by_one = np.vstack([clf.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(one_by_one, reference, rtol=0, atol=1e-9)


@pytest.mark.skipif(not (BUNDLED / "moderation.json").is_file(), reason="no bundled model")
def test_bundled_fast_path_equals_sklearn() -> None:
    clf = classifier.load(BUNDLED)
    corpus = Path(__file__).resolve().parents[1] / "moderation" / "corpus" / "train_news.jsonl"
    real = [fold(json.loads(x)["text"]).text for x in corpus.read_text().splitlines()[:300]] \
        if corpus.is_file() else []
    texts = varied_texts(400, seed=1) + real
    np.testing.assert_allclose(clf.predict_proba(texts), clf.predict_proba_sklearn(texts),
                               rtol=0, atol=1e-9)


def test_batches_too_large_for_int32_keys_are_counted_in_chunks() -> None:
    # Keys are row * n_features + id in int32; with 2**30 features only one row fits per chunk.
    rng = np.random.default_rng(0)
    rows = [rng.integers(0, 50, size=n).astype(np.int32) for n in (7, 0, 30, 1, 12, 0)]
    row = np.repeat(np.arange(len(rows), dtype=np.int32), [len(r) for r in rows])
    ids = np.concatenate(rows)
    got = classifier._counts(row, ids, len(rows), 2**30)
    expected = [(r, int(f), int(c)) for r, ids_ in enumerate(rows)
                for f, c in zip(*np.unique(ids_, return_counts=True))]
    assert list(zip(*(a.tolist() for a in got))) == expected
    one_chunk = classifier._counts(row, ids, len(rows), 50)
    assert [a.tolist() for a in one_chunk] == [a.tolist() for a in got]


def test_predict_proba_shape_and_range(model_dir: Path) -> None:
    clf = classifier.load(model_dir)
    p = clf.predict_proba(["you are an idiot", "nice article"])
    assert p.shape == (2, len(CATEGORIES))
    assert ((p >= 0) & (p <= 1)).all()
    assert clf.predict_proba([]).shape == (0, len(CATEGORIES))


def test_skops_round_trip_gives_identical_predictions(model_dir: Path, tmp_path: Path) -> None:
    clf = classifier.load(model_dir)
    classifier.save(clf.pipelines, tmp_path, {"version": clf.version, "thresholds": clf.thresholds,
                                              "calibration": clf.meta.get("calibration")})
    again = classifier.load(tmp_path)
    texts = varied_texts(100, seed=2)
    assert np.array_equal(clf.predict_proba(texts), again.predict_proba(texts))
    assert np.array_equal(clf.predict_proba_sklearn(texts), again.predict_proba_sklearn(texts))


def test_sidecar_fields(model_dir: Path) -> None:
    meta = json.loads((model_dir / "moderation.json").read_text())
    for key in ("name", "version", "sklearn_version", "skops_version", "sources", "label_mapping",
                "metrics", "thresholds", "training_seconds", "sha256", "file", "trained_at"):
        assert key in meta, key
    assert meta["sha256"] == classifier.sha256(model_dir / meta["file"])
    assert all("license" in s for s in meta["sources"])
    clf = classifier.load(model_dir)
    assert clf.version == meta["version"]
    assert set(clf.thresholds) == {str(c) for c in CATEGORIES}
    assert all(0 <= r <= j <= 1 for r, j in clf.thresholds.values())


def test_explain_names_phrases_that_raise_scores(model_dir: Path) -> None:
    clf = classifier.load(model_dir)
    out = clf.explain(fold("You pathetic clown, all immigrants are parasites").text, k=3)
    assert set(out) == {str(c) for c in CATEGORIES}
    for phrases in out.values():
        assert len(phrases) <= 3
        assert all(w > 0 for _, w in phrases)
        assert [w for _, w in phrases] == sorted((w for _, w in phrases), reverse=True)
    assert out["personal"] and out["derogatory"]


# --- refusals -------------------------------------------------------------------------------------

def _resign(model_dir: Path) -> None:
    """Make the sidecar's sha256 agree with the (altered) file, so another check must refuse it."""
    sidecar = model_dir / "moderation.json"
    meta = json.loads(sidecar.read_text())
    meta["sha256"] = classifier.sha256(model_dir / "moderation.skops")
    sidecar.write_text(json.dumps(meta))


def test_refuses_missing_file(copy_of: Path) -> None:
    (copy_of / "moderation.skops").unlink()
    with pytest.raises(ModelRefused, match="missing"):
        classifier.load(copy_of)


def test_refuses_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelRefused, match="missing"):
        classifier.load(tmp_path / "nowhere")


def test_refuses_truncated_file(copy_of: Path) -> None:
    path = copy_of / "moderation.skops"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _resign(copy_of)
    with pytest.raises(ModelRefused, match="truncated"):
        classifier.load(copy_of)


def test_refuses_pickle(copy_of: Path) -> None:
    (copy_of / "moderation.skops").write_bytes(pickle.dumps({"obscene": None}))
    _resign(copy_of)
    with pytest.raises(ModelRefused, match="pickle"):
        classifier.load(copy_of)


def test_refuses_untrusted_type(copy_of: Path) -> None:
    sio.dump({"obscene": FunctionTransformer(func=os.system)}, copy_of / "moderation.skops")
    _resign(copy_of)
    with pytest.raises(ModelRefused, match="untrusted"):
        classifier.load(copy_of)


def test_refuses_sha256_mismatch(copy_of: Path) -> None:
    path = copy_of / "moderation.skops"
    clf = classifier.load(copy_of)
    sio.dump(clf.pipelines, path)  # a valid, trusted model, but not the one the sidecar names
    meta = json.loads((copy_of / "moderation.json").read_text())
    meta["sha256"] = "0" * 64
    (copy_of / "moderation.json").write_text(json.dumps(meta))
    with pytest.raises(ModelRefused, match="sha256"):
        classifier.load(copy_of)


def test_trusted_types_are_pinned_not_blanket() -> None:
    assert isinstance(classifier.TRUSTED_TYPES, list)
    assert all(isinstance(t, str) for t in classifier.TRUSTED_TYPES)
    assert "posix.system" not in classifier.TRUSTED_TYPES


@pytest.mark.parametrize("word", ["hello", "a", "ab", "abcd", "naïve", "x!y", "😀😀"])
def test_char_wb_ngrams_match_sklearn(word: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False).build_analyzer()
    assert classifier.char_wb_ngrams(word) == ref(word)


def test_calibration_is_platt_scaling_and_defaults_to_raw_probabilities() -> None:
    z = np.array([[-2.0, 0.0, 3.0]])
    assert np.allclose(classifier.calibrated(z, classifier.calibration_array(None)), expit(z))
    scaled = classifier.calibration_array({"personal": [2.0, -1.0]})
    assert np.allclose(classifier.calibrated(z, scaled), expit([[-2.0, -1.0, 3.0]]))


def test_calibration_fit_keeps_the_ranking() -> None:
    from moderation.training import fit_calibration

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=(400, 3)).astype(float)
    z = labels * 2.0 - 4.0 + rng.normal(0, 1, size=labels.shape)  # raw scores far too low
    fitted = fit_calibration(z, labels)
    assert set(fitted) == {"obscene", "personal", "derogatory"}
    assert all(slope > 0 for slope, _ in fitted.values())
    probs = classifier.calibrated(z, classifier.calibration_array(fitted))
    assert 0.4 < probs.mean() < 0.6  # about the positives' share, where expit(z) is near 0.1
    assert (np.argsort(probs[:, 0]) == np.argsort(z[:, 0])).all()

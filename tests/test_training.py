"""Training: marker features, data loading and label mapping, thresholds, a tiny end-to-end fit."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np
import pytest

from moderation import classifier, datasets
from moderation.evaluation import choose_thresholds, evaluate
from moderation.features import MARKER_LABELS, MARKERS, mark, markers
from moderation.text import fold
from moderation.training import train

FIXTURE = Path(__file__).parent / "fixtures" / "tiny_train.jsonl"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
shared = pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data")


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("all immigrants are parasites", {"mkgroup", "mkgeneral", "mkgroupdemean"}, {"mkyou"}),
        ("muslims are always the problem", {"mkgroup", "mkgeneral"}, {"mkinsult"}),
        ("typical foreigners", {"mkgroup", "mkgeneral"}, set()),
        ("these people ruin everything", {"mkgroup", "mkgeneral"}, set()),
        ("black people are lazy", {"mkgroup", "mkgeneral", "mkgroupdemean"}, set()),
        ("the jews control the media", {"mkgroup", "mkconspiracy"}, set()),
        ("send them all back where they came from", {"mkexpel"}, set()),
        ("you are a total clown", {"mkyou", "mkinsult", "mkyouinsult"}, {"mkgroup"}),
        ("what a pathetic idiot you are", {"mkyouinsult"}, set()),
        ("i know where you live", {"mkthreat"}, set()),
        ("he should be shot", {"mkthreat"}, set()),
        ("watch your back", {"mkthreat"}, set()),
        ("you will regret this", {"mkthreat"}, set()),
        ("calling refugees vermin is disgusting", {"mkcondemn", "mkdemean"}, set()),
        ("not all politicians are corrupt", {"mkcondemn"}, set()),
        ("immigrants are not criminals", {"mknegated"}, set()),
        ("the irish are drunks", {"mkgroup", "mkgeneral"}, set()),
        ("typical millennial nonsense", {"mkgroup", "mkgeneral"}, set()),
        ("bankers pull the strings behind every war", {"mkconspiracy"}, set()),
        ("deport every last one of them", {"mkexpel"}, set()),
        ("close the borders to them", {"mkexpel"}, set()),
        ("that councillor deserves a bullet", {"mkthreat"}, set()),
        ("someone should burn his house down", {"mkthreat"}, set()),
        ("you will pay for this", {"mkthreat"}, set()),
        ("he deserves to be hurt", {"mkthreat"}, set()),
        ("you won't see it coming", {"mkthreat"}, set()),
        ("we will put him in the ground", {"mkthreat"}, set()),
        ("i hope you get run over", {"mkthreat"}, set()),
        ("just kys", {"mkthreat"}, set()),
        ("go kill urself", {"mkthreat"}, set()),
        ("he threatened to kill himself", set(), {"mkthreat"}),
        ("the council will pay for the new roads", set(), {"mkthreat"}),
        ("i hope they get the funding", set(), {"mkthreat"}),
        ("he deserves to lose the election", set(), {"mkthreat"}),
        ("the black cat sat on the white mat", set(), {"mkgroup", "mkgeneral"}),
        ("a white van blocked the road", set(), {"mkgroup"}),
        ("thanks for the lovely article about the harbour", set(), set(MARKERS)),
        ("you make a good point", {"mkyou"}, {"mkyouinsult", "mkinsult"}),
    ],
)
def test_markers(text: str, expected: set[str], absent: set[str]) -> None:
    found = set(markers(fold(text).text))
    assert expected <= found
    assert not absent & found


def test_mark_appends_markers_in_order() -> None:
    assert mark("nice day") == "nice day"
    out = mark("you idiot")
    assert out.startswith("you idiot ")
    assert out.split()[2:] == [m for m in MARKERS if m in out.split()]
    assert set(MARKER_LABELS) == set(MARKERS)


def test_clean_impermium_undoes_escapes() -> None:
    raw = '"""It\\\\xe2\\\\x80\\\\x99s fine.\\\\nReally\\xa0so \\u2026"""'
    assert datasets.clean_impermium(raw) == "It\u2019s fine. Really so \u2026"


def test_clean_tweet_drops_mentions_links_and_entities() -> None:
    assert datasets.clean_tweet("RT @someone: fish &amp; chips http://x.y/z #tasty @USER URL") == \
        "fish & chips tasty"


def test_load_news_reads_labels_and_kinds() -> None:
    ds = datasets.load_news(FIXTURE)
    assert len(ds) == len(FIXTURE.read_text().splitlines())
    assert ds.labels.shape == (len(ds), 3)
    assert set(np.unique(ds.labels)) <= {0.0, 1.0}
    assert "clean" in ds.meta["kind"]


def test_held_out_mask_is_fixed() -> None:
    a, b = datasets.held_out_mask(1000), datasets.held_out_mask(1000)
    assert (a == b).all() and 0.1 < a.mean() < 0.2


def test_choose_thresholds_meets_targets_on_separable_scores() -> None:
    rng = np.random.default_rng(0)
    clean = rng.uniform(0.0, 0.3, size=(400, 3))
    bad = rng.uniform(0.0, 0.3, size=(100, 3))
    bad[np.arange(100), rng.integers(0, 3, 100)] = rng.uniform(0.6, 1.0, 100)
    labels = np.vstack([np.zeros((400, 3)), (bad > 0.5).astype(float)])
    chosen, mix = choose_thresholds(np.vstack([clean, bad]), labels, np.zeros(500, dtype=bool))
    assert mix["violations_held"] >= 0.95 and mix["clean_approved"] >= 0.85
    assert mix["clean_rejected"] <= 0.01
    assert all(0 <= r <= j <= 1 for r, j in chosen.values())


def test_a_head_is_the_weighted_mean_of_its_plain_and_nb_scaled_fits() -> None:
    import scipy.sparse as sp

    from moderation.training import NB_SHARE, _fit_head, nb_ratios

    rng = np.random.default_rng(0)
    x = sp.random(300, 40, density=0.2, format="csr", random_state=1)
    y = (x[:, :5].sum(axis=1).A.ravel() > 0.4).astype(float)
    w = rng.uniform(0.5, 2.0, 300)
    label = y.copy()
    label[:20] = np.nan  # rows that do not label the category are left out of both fits
    head = _fit_head(x, label, w, seed=0)
    xr, yr, wr = x[20:], y[20:].astype(int), w[20:]
    r = nb_ratios(xr, yr, wr)
    plain = classifier.build_head().fit(xr, yr, sample_weight=wr)
    nb = classifier.build_head().fit(xr @ sp.diags(r), yr, sample_weight=wr)
    expected = ((1 - NB_SHARE) * plain.decision_function(x)
                + NB_SHARE * nb.decision_function(x @ sp.diags(r)))
    assert np.allclose(head.decision_function(x), expected)
    assert r[:5].min() > 0 > r[5:].mean()  # the features that make a positive scale up


def test_train_on_tiny_fixture_gives_a_loadable_model(tmp_path: Path) -> None:
    started = time.perf_counter()
    meta = train(tmp_path / "no-public-data", tmp_path / "out", corpus=FIXTURE, log=lambda _: None)
    assert time.perf_counter() - started < 20
    clf = classifier.load(tmp_path / "out")
    assert clf.version == meta["version"]
    p = clf.predict_proba([fold("You pathetic clown").text, fold("Lovely photos").text])
    assert p[0, 1] > p[1, 1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["moderation.json",
                                                                    "moderation.skops"]


def test_evaluate_without_public_data(tmp_path: Path) -> None:
    train(tmp_path / "none", tmp_path / "out", corpus=FIXTURE, log=lambda _: None)
    out = io.StringIO()
    result = evaluate(tmp_path / "out", None, None, out=out)
    assert "model" in out.getvalue()
    assert isinstance(result, dict)


@shared
def test_label_mapping_on_the_public_sets() -> None:
    olid = datasets.load_olid(SHARED, "train")
    grp = np.array([a == "OFF" for a in olid.meta["a"]])
    assert len(olid) == 13240 and np.isnan(olid.labels[grp, 0]).any()
    assert len(datasets.load_olid(SHARED, "test")) == 860
    assert len(datasets.load_impermium(SHARED, "test")) == 2647
    dav = datasets.load_davidson(SHARED)
    hate = np.array(dav.meta["class"]) == 0
    assert (dav.labels[hate, 2] == 1).all()
    obscene = dav.labels[hate, 0]
    assert set(np.unique(obscene[~np.isnan(obscene)])) == {1.0} and np.isnan(obscene).any()
    oth = np.array([c == "OTH" for c in olid.meta["c"]])
    assert oth.any() and np.isnan(olid.labels[oth]).all()


def test_jigsaw_toxic_rows_without_categories_are_personal_when_addressing_you() -> None:
    assert datasets._jigsaw_toxic_only("you are a waste of everyone's time")[1] == 1.0
    assert np.isnan(datasets._jigsaw_toxic_only("this article is garbage")[1])
    assert datasets._jigsaw_toxic_only("this article is shit")[0] == 1.0


def test_olid_operating_point_maximises_macro_f1() -> None:
    from moderation.training import choose_olid_threshold

    top = np.array([0.1, 0.2, 0.3, 0.35, 0.6, 0.7])
    off = np.array([False, False, False, True, True, True])
    chosen = choose_olid_threshold(top, off)
    assert 0.3 < chosen["off_at"] <= 0.35 and chosen["oof_macro_f1"] == 1.0


@shared
def test_training_and_evaluation_splits_are_disjoint() -> None:
    sets = datasets.public_training_sets(SHARED)
    train_texts = {s.name.split("-")[0]: set(s.texts) for s in sets}
    for s in datasets.public_evaluation_sets(SHARED):
        assert not train_texts[s.name.split("-")[0]] & set(s.texts), s.name


def test_sidecar_is_json_with_thresholds(tmp_path: Path) -> None:
    train(tmp_path / "none", tmp_path / "out", corpus=FIXTURE, log=lambda _: None)
    meta = json.loads((tmp_path / "out" / "moderation.json").read_text())
    assert set(meta["thresholds"]) == {"obscene", "personal", "derogatory"}

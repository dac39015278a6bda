"""Fit as ``moderation train`` does and print held-out figures only, never the blind test set.

    .venv/bin/python bench/dev_fit.py [--nb-share 0.5] [--without train_news_innocent.jsonl ...]
                                      [--data ../shared/data]

How a training choice is decided without reading ``test_news.jsonl``: the heads are fitted on the
public training rows minus a seeded 15 % of Jigsaw's and of OLID's (held out here), on our
``train_news*.jsonl`` files (minus ``--without``) and their group swaps; calibrated and given
thresholds on the dev set, as ``train`` does. Prints the dev set's AUC and decision mix (with the
quote rule, as ``moderation evaluate`` does), each clean kind's approval rate and each violating
kind's held rate, and the AUC of the
held-out Jigsaw (toxic) and OLID (OFF) rows against the max category score. ``--nb-share 0`` fits
the plain heads of news-2026.11.5 and before. About 4 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from moderation import augment, classifier, datasets, training
from moderation.evaluation import _policy, engine_inputs, policy_decisions
from moderation.wordlist import WordList

ROOT = Path(__file__).resolve().parents[1]
HELD = {"jigsaw": "toxic", "olid-train": "a"}  # public training sets with rows held out here


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--nb-share", type=float, default=training.NB_SHARE)
    ap.add_argument("--without", nargs="*", default=[], help="train_news*.jsonl files to leave out")
    args = ap.parse_args()
    training.NB_SHARE = args.nb_share  # read by training._fit_head
    rng = np.random.default_rng(7)
    sets, held = [], {}
    for s in datasets.public_training_sets(args.data):
        if s.name in HELD:
            out = np.zeros(len(s), dtype=bool)
            out[rng.choice(len(s), size=int(0.15 * len(s)), replace=False)] = True
            held[s.name] = s.subset(out)
            s = s.subset(~out)
        sets.append(s)
    news = [datasets.load_news(p) for p in training.training_corpus() if p.name not in args.without]
    sets += news + [augment.augmented(news, seed=0)]
    print("news files:", ", ".join(s.name for s in news), f"| NB share {args.nb_share}")
    _, _, pipelines = training.fit(sets, training.dataset_weights(sets), seed=0, log=lambda _: None)
    dev = datasets.news_dev()
    assert dev is not None, "the dev corpus is missing"
    z = training._decisions(pipelines, dev.texts)
    calibration = training.fit_calibration(z, dev.labels)
    thresholds, _ = training._dev_thresholds(dev, z, calibration, lambda _: None)
    with tempfile.TemporaryDirectory() as tmp:
        classifier.save(pipelines, Path(tmp), {"version": "dev-fit", "calibration": calibration,
                                               "thresholds": thresholds})
        clf = classifier.load(Path(tmp))
    inputs, matches = engine_inputs(dev.texts)
    scores = clf.predict_proba(inputs)
    decisions = policy_decisions(dev.texts, scores, matches, clf, _policy(thresholds),
                                 WordList.default())
    bad = np.nan_to_num(dev.labels).max(axis=1) > 0
    print(f"dev AUC {roc_auc_score(bad, scores.max(axis=1)):.4f}; "
          f"held {np.mean(decisions[bad] != 'approve'):.1%}, "
          f"clean approved {np.mean(decisions[~bad] == 'approve'):.1%}, "
          f"clean rejected {np.sum(decisions[~bad] == 'reject')} of {int((~bad).sum())}")
    kinds = np.array(dev.meta["kind"])
    for kind in sorted(set(kinds)):
        mix = Counter(map(str, decisions[kinds == kind]))
        share, what = ((mix["approve"], "approved") if kind.startswith("clean_")
                       else (mix["review"] + mix["reject"], "held"))
        print(f"  {kind:24} {what} {share / sum(mix.values()):.1%} of {sum(mix.values())}")
    for name, ds in held.items():
        top = clf.predict_proba(engine_inputs(ds.texts)[0]).max(axis=1)
        y = (np.array(ds.meta["toxic"]) == 1) if name == "jigsaw" else \
            np.array([a == "OFF" for a in ds.meta["a"]])
        print(f"{name} held-out rows ({len(ds)}): AUC {roc_auc_score(y, top):.4f}")


if __name__ == "__main__":
    main()

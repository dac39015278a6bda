"""How far the bundled model's features go on one public set alone (needs ../shared/data).

    .venv/bin/python bench/public_ceiling.py [--data ../shared/data]

For Jigsaw and OLID, fits the same features (folded, marked text; word 1-2 + char_wb 2-5 tf-idf)
and one logistic regression on that dataset's own training rows and its own label (Jigsaw
``toxic``, OLID ``OFF``), and prints the held-out figure beside the bundled model's (from its
sidecar). The gap says what the product's three rule categories, fitted on a mix of sources,
cost on that benchmark; the single-set figure says what these features can reach at all.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import cross_val_predict

from moderation import classifier, datasets
from moderation.training import prepare

ROOT = Path(__file__).resolve().parents[1]


def fit(train_texts, y, C: float = 4.0):
    union = classifier.build_features()
    x = union.fit_transform(prepare(train_texts))
    head = LogisticRegression(C=C, solver="liblinear", max_iter=1000)
    return union, x, head.fit(x, y)


def jigsaw(data: Path) -> float:
    train = next(s for s in datasets.public_training_sets(data) if s.name == "jigsaw")
    test = next(s for s in datasets.public_evaluation_sets(data) if s.name.startswith("jigsaw"))
    union, _, head = fit(train.texts, np.array(train.meta["toxic"]))
    z = head.decision_function(union.transform(prepare(test.texts)))
    return roc_auc_score(np.array(test.meta["toxic"]) == 1, z)


def olid(data: Path) -> float:
    train = next(s for s in datasets.public_training_sets(data) if s.name == "olid-train")
    test = next(s for s in datasets.public_evaluation_sets(data) if s.name.startswith("olid"))
    y = olid_off(train)
    union, x, head = fit(train.texts, y, C=1.0)
    # the cut-off is chosen out-of-fold on the training rows, as the bundled model's is
    oof = cross_val_predict(LogisticRegression(C=1.0, solver="liblinear", max_iter=1000), x, y,
                            cv=3, method="decision_function")
    z = head.decision_function(union.transform(prepare(test.texts)))
    return f1_score(olid_off(test), z >= olid_cut_off(oof, y), average="macro")


def olid_off(ds: datasets.LabelledSet) -> np.ndarray:
    """OLID's level-A label as booleans: OFF (offensive) or NOT."""
    return np.array([a == "OFF" for a in ds.meta["a"]])


def olid_cut_off(oof: np.ndarray, y: np.ndarray) -> float:
    """The quantile of the out-of-fold scores whose cut gives the best OFF-vs-NOT macro-F1."""
    grid = np.quantile(oof, np.linspace(0.3, 0.9, 61))
    return float(grid[int(np.argmax([f1_score(y, oof >= g, average="macro") for g in grid]))])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    metrics = json.loads((ROOT / "models" / "moderation.json").read_text())["metrics"]
    print(f"{'':28}{'one set alone':>15}{'bundled model':>15}{'target':>8}")
    print(f"{'Jigsaw AUC (toxic)':28}{jigsaw(args.data):15.3f}"
          f"{metrics['jigsaw-held-out']['auc_toxic_vs_max']:15.3f}{0.96:8.2f}")
    print(f"{'OLID test A macro-F1':28}{olid(args.data):15.3f}"
          f"{metrics['olid-test']['macro_f1_off_vs_not']:15.3f}{0.78:8.2f}")


if __name__ == "__main__":
    main()

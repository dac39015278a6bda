"""Evaluate a saved model on data it was not fitted on, and choose the policy thresholds.

``evaluate(model_dir, data_dir, plots_dir)`` prints and returns, per dataset: ROC AUC, and
precision / recall of "held by this category" (score ≥ its ``review_at``) for each category the
dataset labels; the dataset's own headline figure; and the decision mix (approve / review / reject)
of clean and violating texts under ``moderation.policy.decide`` with the model's thresholds and the
default word list.
Headline figures:

* OLID test A: macro-F1 of OFF vs NOT, OFF ⇔ max category score ≥ ``olid_off_at`` (the model's
  operating point, chosen out-of-fold on OLID *training* rows; 0.5 if the sidecar has none), also
  at 0.5 and with OFF ⇔ the policy does not approve; and the AUC of that max
* Impermium test: ROC AUC of ``personal`` against "insult"
* Jigsaw held-out rows: ROC AUC of ``toxic`` against the max category score
* Davidson held-out rows: weighted F1, *binary* (hate or offensive vs neither), abusive ⇔ max ≥ 0.5
* our ``dev_news.jsonl``: the decision mix per ``kind``
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from sklearn.metrics import (
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from .categories import CATEGORIES, Category
from .names import mark_names
from .policy import Decision, Policy, Thresholds, decide, hold_if_quoted
from .quotes import own_words_to_decide
from .text import fold
from .wordlist import Match, Severity, WordList

HOLD_TARGET = 0.95  # share of violations not auto-approved
APPROVE_TARGET = 0.85  # share of clean comments auto-approved
REJECT_CAP = 0.006  # share of clean comments auto-rejected we allow (target ≤ 1 %)
# The model alone rejects only at a calibrated probability of at least this. The dev set holds a
# few hundred clean comments, so "above all but 0.2 % of them" is in effect their maximum, a
# noisy figure: with a floor of 0.5, one refit put obscene's reject_at at 0.78, and auto-rejected
# clean comments on the blind test set went from 1.0 % to 2.1 % (news-2026.11.5, first fit).
REJECT_FLOOR = 0.9


# --- thresholds ----------------------------------------------------------------------------------

def engine_inputs(texts: Sequence[str],
                  wordlist: WordList | None = None) -> tuple[list[str], list[list[Match]]]:
    """What the scorer feeds the classifier (folded, names masked) and its word-list matches."""
    wl = wordlist or WordList.default()
    pairs = [mark_names(f, wl.match(f)) for f in map(fold, texts)]
    return [text for _, text in pairs], [matches for matches, _ in pairs]


def severe_hits(texts: Sequence[str], wordlist: WordList | None = None) -> np.ndarray:
    """Per text, whether the word list has a severe hit (the policy rejects those on its own)."""
    _, matches = engine_inputs(texts, wordlist)
    return np.array([any(m.severity is Severity.SEVERE and not m.possible_name for m in ms)
                     for ms in matches], dtype=bool)


def choose_thresholds(scores: np.ndarray, labels: np.ndarray,
                      severe: np.ndarray) -> tuple[dict[str, list[float]], dict[str, float | None]]:
    """(review_at, reject_at) per category, from held-out scores of labelled news comments.

    review_at: the grid point maximising the worse of the two margins, held violations − 95 % and
    approved clean − 85 %. reject_at: above all but ``REJECT_CAP`` / 3 of the clean scores, per
    category, and at least ``REJECT_FLOOR``.
    """
    violating = np.nan_to_num(labels, nan=0.0).max(axis=1) > 0
    clean = ~violating
    grids = [np.unique(np.quantile(scores[:, c], np.linspace(0.2, 0.995, 48))) for c in range(3)]
    flags = [scores[:, c][None, :] >= g[:, None] for c, g in enumerate(grids)]  # (k, n) each
    best, best_key = (0, 0, 0), -np.inf
    for i in range(len(grids[0])):
        for j in range(len(grids[1])):
            base = ~severe & ~flags[0][i] & ~flags[1][j]
            approved = (~flags[2]) & base[None, :]
            clean_ok = approved[:, clean].mean(axis=1)
            held = 1.0 - approved[:, violating].mean(axis=1) if violating.any() else np.ones(1)
            key = np.minimum(held - HOLD_TARGET, clean_ok - APPROVE_TARGET) + 1e-3 * clean_ok
            k = int(np.argmax(key))
            if key[k] > best_key:
                best, best_key = (i, j, k), key[k]
    review = [float(grids[c][best[c]]) for c in range(3)]
    out: dict[str, list[float]] = {}
    for c, cat in enumerate(CATEGORIES):
        allowed = int(REJECT_CAP / 3 * clean.sum())
        top = np.sort(scores[clean, c])[::-1]
        above = float(top[allowed]) + 1e-4 if len(top) > allowed else REJECT_FLOOR
        reject = min(1.0, max(review[c], REJECT_FLOOR, above))
        out[str(cat)] = [round(review[c], 4), round(reject, 4)]
    return out, decision_mix(scores, labels, severe, out)


def decision_mix(scores: np.ndarray, labels: np.ndarray, severe: np.ndarray,
                 thresholds: dict[str, list[float]]) -> dict[str, float | None]:
    """Shares: clean approved / rejected, violations held (not approved) / rejected."""
    policy = _policy(thresholds)
    decisions = np.array([_decide(s, h, policy) for s, h in zip(scores, severe, strict=True)])
    violating = np.nan_to_num(labels, nan=0.0).max(axis=1) > 0
    return _mix(decisions, violating)


def _mix(decisions: np.ndarray, violating: np.ndarray) -> dict[str, float | None]:
    clean = ~violating
    def share(mask: np.ndarray, d: Decision) -> float | None:
        return round(float((decisions[mask] == d).mean()), 4) if mask.any() else None
    return {
        "clean_approved": share(clean, Decision.APPROVE),
        "clean_review": share(clean, Decision.REVIEW),
        "clean_rejected": share(clean, Decision.REJECT),
        "violations_held": round(1.0 - (share(violating, Decision.APPROVE) or 0.0), 4)
        if violating.any() else None,
        "violations_review": share(violating, Decision.REVIEW),
        "violations_rejected": share(violating, Decision.REJECT),
        "n_clean": int(clean.sum()),
        "n_violating": int(violating.sum()),
    }


def _policy(thresholds: dict[str, Any]) -> Policy:
    base = Policy()
    return base.with_thresholds({c: Thresholds(float(t[0]), float(t[1]))
                                 for c, t in thresholds.items()})


class _Severe:
    severity = Severity.SEVERE
    category = "obscene"
    word = term = "(word list)"
    possible_name = False  # policy.decide reads it (names.py); a stand-in is never a name


def _decide(score_row: np.ndarray, severe: bool, policy: Policy) -> Decision:
    scores = {str(c): float(s) for c, s in zip(CATEGORIES, score_row, strict=True)}
    matches: Any = [_Severe()] if severe else []
    return decide(scores, matches, policy)[0]


# --- evaluation ----------------------------------------------------------------------------------

def evaluate(model_dir: Path, data_dir: Path | None, plots_dir: Path | None, *,
             out: TextIO = sys.stdout) -> dict[str, Any]:
    """Print and return metrics of the model in ``model_dir`` on held-out data; write plots."""
    from . import datasets
    from .classifier import load

    clf = load(Path(model_dir))
    thresholds: dict[str, Any] = clf.thresholds or {str(c): [t.review_at, t.reject_at]
                                    for c, t in Policy().thresholds.items()}
    wordlist = WordList.default()
    sets = datasets.public_evaluation_sets(Path(data_dir)) if data_dir else []
    # dev: calibration and thresholds are chosen on it; test: blind, only reported
    sets += [ds for ds in (datasets.news_dev(), datasets.news_test()) if ds is not None]
    olid_off_at = float(clf.meta.get("operating_points", {}).get("olid_off_at", 0.5))
    print(f"model {clf.version} ({model_dir}); thresholds {thresholds}; "
          f"OLID operating point {olid_off_at}", file=out)
    results: dict[str, Any] = {}
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for ds in sets:
        inputs, matches = engine_inputs(ds.texts, wordlist)
        scores = clf.predict_proba(inputs)
        policy = _policy(thresholds)
        decisions = policy_decisions(ds.texts, scores, matches, clf, policy, wordlist)
        violating, headline = _headline(ds, scores, olid_off_at, decisions)
        res = {"n": len(ds), **headline, "categories": _per_category(ds, scores, thresholds),
               "decision_mix": _mix(decisions, violating)}
        if "kind" in ds.meta:
            res["per_kind"] = _per_kind(ds.meta["kind"], decisions)
        results[ds.name] = res
        curves[ds.name] = (violating.astype(int), scores.max(axis=1))
        _print(ds.name, res, out)
    if plots_dir is not None and curves:
        _plots(curves, Path(plots_dir))
    return results


def policy_decisions(texts: Sequence[str], scores: np.ndarray, matches: Sequence[list[Match]],
                     clf: Any, policy: Policy, wordlist: WordList) -> np.ndarray:
    """The scorer's decisions: ``decide`` per text, and for rejected texts with quoted or reported
    passages the same on their own words (``policy.hold_if_quoted``)."""
    out = [decide(_score_dict(s), m, policy) for s, m in zip(scores, matches, strict=True)]
    own = {i: words for i, t in enumerate(texts) if (words := own_words_to_decide(
        t, out[i][0] is Decision.REJECT, matches[i])) is not None}
    if own:
        inputs, own_matches = engine_inputs(list(own.values()), wordlist)
        for i, s, m in zip(own, clf.predict_proba(inputs), own_matches, strict=True):
            out[i] = hold_if_quoted(out[i], decide(_score_dict(s), m, policy))
    return np.array([d for d, _ in out])


def _score_dict(row: np.ndarray) -> dict[str, float]:
    return dict(zip(map(str, CATEGORIES), map(float, row), strict=True))


def _headline(ds: Any, scores: np.ndarray, olid_off_at: float,
              decisions: np.ndarray) -> tuple[np.ndarray, dict[str, float | None]]:
    top = scores.max(axis=1)
    if ds.name.startswith("olid"):
        y = np.array([a == "OFF" for a in ds.meta["a"]])
        held = decisions != Decision.APPROVE
        return y, {"macro_f1_off_vs_not": _r(f1_score(y, top >= olid_off_at, average="macro")),
                   "off_at": olid_off_at,
                   "macro_f1_at_0.5": _r(f1_score(y, top >= 0.5, average="macro")),
                   "macro_f1_policy_held": _r(f1_score(y, held, average="macro")),
                   "auc_off_vs_max": _r(roc_auc_score(y, top))}
    if ds.name.startswith("impermium"):
        y = np.array(ds.meta["insult"]) == 1
        return y, {"auc_personal": _r(roc_auc_score(y, scores[:, 1])),
                   "auc_max": _r(roc_auc_score(y, top))}
    if ds.name.startswith("jigsaw"):
        y = np.array(ds.meta["toxic"]) == 1
        return y, {"auc_toxic_vs_max": _r(roc_auc_score(y, top))}
    if ds.name.startswith("davidson"):
        y = np.array(ds.meta["class"]) != 2
        return y, {"weighted_f1_binary": _r(f1_score(y, top >= 0.5, average="weighted")),
                   "auc_abusive_vs_max": _r(roc_auc_score(y, top))}
    y = np.nan_to_num(ds.labels, nan=0.0).max(axis=1) > 0
    return y, {"auc_violation_vs_max": _r(roc_auc_score(y, top)) if 0 < y.sum() < len(y) else None}


def _per_category(ds: Any, scores: np.ndarray, thresholds: Any) -> dict[str, dict[str, float]]:
    out = {}
    for c, cat in enumerate(CATEGORIES):
        rows = ~np.isnan(ds.labels[:, c])
        y = ds.labels[rows, c].astype(int)
        if rows.sum() == 0 or len(np.unique(y)) < 2:
            continue
        flagged = scores[rows, c] >= thresholds[str(cat)][0]
        out[str(cat)] = {"auc": _r(roc_auc_score(y, scores[rows, c])),
                         "precision_at_review": _r(precision_score(y, flagged, zero_division=0)),
                         "recall_at_review": _r(recall_score(y, flagged)),
                         "n_pos": int(y.sum()), "n": int(rows.sum())}
    return out


def _per_kind(kinds: list[str], decisions: np.ndarray) -> dict[str, dict[str, float]]:
    out = {}
    for kind in sorted(set(kinds)):
        d = decisions[np.array(kinds) == kind]
        counts = Counter(str(x) for x in d)
        out[kind] = {k: round(counts[k] / len(d), 3) for k in ("approve", "review", "reject")}
        out[kind]["n"] = len(d)
    return out


def _r(x: float) -> float:
    return round(float(x), 4)


def _print(name: str, res: dict[str, Any], out: TextIO) -> None:
    head = {k: v for k, v in res.items() if k not in ("categories", "decision_mix", "per_kind")}
    print(f"\n== {name}: {head}", file=out)
    for cat, m in res["categories"].items():
        print(f"   {cat:<11} {m}", file=out)
    print(f"   decision mix: {res['decision_mix']}", file=out)
    for kind, m in res.get("per_kind", {}).items():
        print(f"   {kind:<28} {m}", file=out)


def _plots(curves: dict[str, tuple[np.ndarray, np.ndarray]], plots_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots_dir.mkdir(parents=True, exist_ok=True)
    fig, (roc, pr) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, (y, s) in curves.items():
        if 0 < y.sum() < len(y):
            fpr, tpr, _ = roc_curve(y, s)
            roc.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y, s):.3f})")
            p, r, _ = precision_recall_curve(y, s)
            pr.plot(r, p, label=name)
    roc.plot([0, 1], [0, 1], ":", color="grey")
    roc.set(title="ROC: violation vs max category score", xlabel="false positive rate",
            ylabel="true positive rate")
    pr.set(title="Precision–recall", xlabel="recall", ylabel="precision")
    roc.legend(fontsize=7)
    pr.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(plots_dir / "roc_pr.png", dpi=110)
    plt.close(fig)


__all__ = ["Category", "choose_thresholds", "decision_mix", "evaluate", "severe_hits"]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m moderation.evaluation [--model DIR] [--data DIR] [--plots DIR]``."""
    import argparse
    import json

    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--model", type=Path, default=root / "models")
    parser.add_argument("--data", type=Path, default=root.parent / "shared" / "data")
    parser.add_argument("--plots", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the metrics here")
    args = parser.parse_args(argv)
    data = args.data if args.data.is_dir() else None
    results = evaluate(args.model, data, args.plots)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""The evaluation gate: is a retrained candidate better than the model serving now?

Two comparisons, both written into the version's report:

* **Site slice** — the scope's most recent decisions, held out from training
  (``decisions.split_recent``). Each model scores them under the site's word lists and
  thresholds; *agreement* is the mean of (share of violations the model does not approve) and
  (share of clean comments it approves), i.e. balanced accuracy of "held" against the humans,
  over the classes present. The candidate must be **strictly better**: higher agreement, or
  equal agreement and a higher ROC AUC of the max category score (when both classes occur).
* **Thresholds** — the candidate does not keep its parent's thresholds as numbers but as an
  operating point: ``calibrate`` picks, per category, the scores at which it holds and rejects as
  many of the bundled news evaluation comments (texts only, no labels) as the parent does.
* **Reference sets** — the public test splits (with ``MODERATION_DATA_DIR``) and the bundled
  news evaluation sets (``dev_news.jsonl``, ``test_news.jsonl``; always): each set's headline
  AUC (``evaluation.evaluate``). The candidate's
  may not be lower than the current model's by more than ``REFERENCE_TOLERANCE`` on any set.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_auc_score

from .categories import CATEGORIES
from .classifier import Classifier
from .decisions import Decided
from .evaluation import _mix, engine_inputs, evaluate
from .policy import Decision, Thresholds
from .scorer import Scorer

REFERENCE_TOLERANCE = 0.005


def site_metrics(scorer: Scorer, rows: Sequence[Decided]) -> dict[str, Any]:
    """Agreement with the humans on ``rows``, the AUC and the decision mix at the thresholds."""
    y, top, decisions = _score(scorer, rows)
    held = decisions != Decision.APPROVE
    parts = [float(held[y].mean())] if y.any() else []
    parts += [float((~held[~y]).mean())] if (~y).any() else []
    auc = float(roc_auc_score(y, top)) if 0 < y.sum() < len(y) else None
    return {"n": len(y), "agreement": round(float(np.mean(parts)), 4) if parts else None,
            "auc": round(auc, 4) if auc is not None else None,
            "decision_mix": _mix(decisions, y)}


def scorable(scorer: Scorer, rows: Sequence[Decided]) -> list[Decided]:
    """The rows the scorer accepts today (a lowered length cap leaves older comments out)."""
    return [r for r in rows if r.text.strip() and len(r.text) <= scorer.policy.max_length]


def _score(scorer: Scorer, rows: Sequence[Decided]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = scorable(scorer, rows)
    verdicts = scorer.score_many([r.text for r in rows], explain=False)
    y = np.array([np.nanmax(np.nan_to_num(r.labels, nan=0.0)) > 0 for r in rows], dtype=bool)
    top = np.array([max(v.scores.values()) for v in verdicts])
    return y, top, np.array([v.decision for v in verdicts])


def reference_aucs(model_dir: Path, data_dir: Path | None) -> tuple[dict[str, float], Any]:
    """Each reference set's headline AUC (first ``auc…`` figure), and the full metrics."""
    metrics = evaluate(model_dir, data_dir, None, out=io.StringIO())
    return headline_aucs(metrics), metrics


def headline_aucs(metrics: Mapping[str, Any]) -> dict[str, float]:
    """``{set: AUC}`` from ``evaluate``'s result."""
    out = {}
    for name, result in metrics.items():
        key = next((k for k in result if k.startswith("auc") and result[k] is not None), None)
        if key is not None:
            out[name] = float(result[key])
    return out


def decide(current_site: Mapping[str, Any], candidate_site: Mapping[str, Any],
           current_ref: Mapping[str, float], candidate_ref: Mapping[str, float],
           tolerance: float = REFERENCE_TOLERANCE) -> tuple[bool, list[str]]:
    """(promote?, the reasons in words)."""
    reasons = []
    better = _key(candidate_site) > _key(current_site)
    reasons.append(
        f"site slice: agreement {candidate_site['agreement']} vs {current_site['agreement']}, "
        f"AUC {_na(candidate_site['auc'])} vs {_na(current_site['auc'])}: "
        + ("better" if better else "not better")
    )
    worse = []
    for name, before in current_ref.items():
        after = candidate_ref.get(name)
        if after is None or after < before - tolerance:
            worse.append(name)
        reasons.append(f"reference {name}: AUC {after} vs {before} "
                       f"({'beyond' if name in worse else 'within'} −{tolerance})")
    return better and not worse, reasons


def _na(value: float | None) -> str:
    return "n/a (one class)" if value is None else str(value)


def _key(site: Mapping[str, Any]) -> tuple[float, float]:
    return (site.get("agreement") or 0.0, site.get("auc") or 0.0)


def calibrate(current: Classifier, candidate: Classifier, texts: Sequence[str],
              thresholds: Mapping[str, Thresholds]) -> dict[str, list[float]]:
    """The candidate's thresholds: per category, the scores at which it holds and rejects as many
    of ``texts`` as the current model does at ``thresholds``. Carries the operating point over when
    retraining shifts the scores; reads the texts only, never their labels."""
    inputs, _ = engine_inputs(texts)
    now, new = current.predict_proba(inputs), candidate.predict_proba(inputs)
    out: dict[str, list[float]] = {}
    for ci, cat in enumerate(CATEGORIES):
        t = thresholds[str(cat)]
        review = _same_share(now[:, ci], new[:, ci], t.review_at)
        reject = max(review, _same_share(now[:, ci], new[:, ci], t.reject_at))
        out[str(cat)] = [_floor4(review), _floor4(reject)]
    return out


def _floor4(x: float) -> float:
    """Rounded down to 4 places, so the row at the threshold stays flagged."""
    return math.floor(x * 10_000) / 10_000


def _same_share(now: np.ndarray, new: np.ndarray, at: float) -> float:
    """The score above which ``new`` flags as many rows as ``now`` does at ``at``."""
    count = int((now >= at).sum())
    if count == 0:
        return min(1.0, max(at, float(new.max()) + 1e-4))
    return float(np.sort(new)[::-1][count - 1])


def pr_curve_png(curves: Mapping[str, Mapping[str, tuple[np.ndarray, np.ndarray]]]) -> bytes:
    """Precision–recall curves, one panel per data set (``{panel: {model: (y, score)}}``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(5.5 * len(curves), 4.2), squeeze=False)
    for ax, (panel, models) in zip(axes[0], curves.items(), strict=True):
        ax.set(title=panel, xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
        y = next(iter(models.values()))[0]
        if not 0 < y.sum() < len(y):
            ax.text(0.5, 0.5, f"one class only ({len(y)} rows): no curve;\nsee the decision mix",
                    ha="center", fontsize=9)
            continue
        for model, (y, s) in models.items():
            p, r, _ = precision_recall_curve(y, s)
            ax.plot(r, p, label=model)
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def curve_data(scorer: Scorer, rows: Sequence[Decided]) -> tuple[np.ndarray, np.ndarray]:
    """(violating, max score) for a PR curve."""
    y, top, _ = _score(scorer, rows)
    return y, top

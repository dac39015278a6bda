"""A site's labelled decisions as training rows: how a human label maps onto the three categories.

* A moderator (or API client) **rejecting** a comment with the reason *obscene*, *personal
  attack* or *derogatory* labels that category 1 and the other two 0. Rejections for *spam*,
  *off-topic* or *other* say nothing about our categories and are not used.
* **Approving** (publishing) a comment labels all three categories 0.
* Only a comment's **latest** human decision counts; one undone back to the queue has none.
* An **overturn** — the human decided the opposite of the scorer (auto-approved then rejected,
  or auto-rejected then published) — weighs ``OVERTURN_WEIGHT`` × a plain decision.
* **Labels** (suggestscore, API or moderator ``Label`` rows) are used as given: a category value
  ≥ 0.5 is 1, below is 0, a category not given is left out (NaN); a label with only a toxicity
  value below 0.5 labels all three 0, one at or above 0.5 is not used (which category is unknown).

Decision rows weigh ``BASE_WEIGHT`` (our news corpus's weight: these are news comments too), up
to ``FULL_WEIGHT_ROWS`` of them; past that every row is scaled down by ``FULL_WEIGHT_ROWS / n``, so
a busy site's decisions together weigh at most what 250 news rows do (about 4 % of the bundled
data's total weight) and cannot drown it. Measured with ``bench/retrain.py`` (16,000 decisions
re-using public training rows): at full weight the reference AUCs fell by up to 0.04, capped at
1,000 rows by up to 0.009 — both refused by the gate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from .categories import CATEGORIES
from .datasets import LabelledSet
from .policy import Decision
from .storage.schema import ActorKind, Comment, CommentStatus, Label, ModerationEvent
from .training import DATASET_WEIGHTS

BASE_WEIGHT = DATASET_WEIGHTS["news"]
OVERTURN_WEIGHT = 3.0
FULL_WEIGHT_ROWS = 250
NAN = float("nan")
REASON_CATEGORY = {"obscene": "obscene", "personal attack": "personal", "derogatory": "derogatory"}
UNUSED_REASONS = ("spam", "off-topic", "other")


@dataclass(frozen=True, slots=True)
class Decided:
    """One labelled text: labels in ``CATEGORIES`` order (1, 0 or NaN), its weight, when."""

    text: str
    labels: tuple[float, float, float]
    weight: float
    at: datetime
    source: str  # "decision", "overturn" or the label's source
    comment_id: int | None = None


def labels_for(to_status: CommentStatus, reason: str | None) -> tuple[float, float, float] | None:
    """A human decision's category labels, or None when it says nothing about them."""
    if to_status is CommentStatus.PUBLISHED:
        return (0.0, 0.0, 0.0)
    if to_status is CommentStatus.REJECTED and reason in REASON_CATEGORY:
        hit = REASON_CATEGORY[reason]
        return tuple(1.0 if str(c) == hit else 0.0 for c in CATEGORIES)  # type: ignore[return-value]
    return None


def is_overturn(auto_decision: str, to_status: CommentStatus) -> bool:
    """The human decided the opposite of the scorer."""
    return (auto_decision, to_status) in {
        (Decision.APPROVE, CommentStatus.REJECTED),
        (Decision.REJECT, CommentStatus.PUBLISHED),
    }


def collect(session: Session, site_id: int | None) -> list[Decided]:
    """The scope's training rows (``None``: every site), oldest first."""
    rows = list(_decisions(session, site_id)) + list(_labels(session, site_id))
    return sorted(rows, key=lambda r: r.at)


def _decisions(session: Session, site_id: int | None) -> Iterable[Decided]:
    human = (ActorKind.MODERATOR, ActorKind.API)
    query = (
        select(ModerationEvent, Comment)
        .join(Comment, Comment.id == ModerationEvent.comment_id)
        .where(ModerationEvent.actor_kind.in_(human))
        .order_by(ModerationEvent.comment_id, ModerationEvent.id)
    )
    if site_id is not None:
        query = query.where(Comment.site_id == site_id)
    latest: dict[int, tuple[ModerationEvent, Comment]] = {}
    for event, comment in session.execute(query):
        latest[comment.id] = (event, comment)  # ordered by id: the last one wins
    for event, comment in latest.values():
        labels = labels_for(event.to_status, event.reason)
        if labels is None:
            continue
        overturn = is_overturn(comment.decision, event.to_status)
        weight = BASE_WEIGHT * (OVERTURN_WEIGHT if overturn else 1.0)
        source = "overturn" if overturn else "decision"
        yield Decided(comment.text, labels, weight, event.created_at, source, comment.id)


def _labels(session: Session, site_id: int | None) -> Iterable[Decided]:
    query = select(Label, Comment.text).outerjoin(Comment, Comment.id == Label.comment_id)
    if site_id is not None:
        query = query.where(Label.site_id == site_id)
    for label, comment_text in session.execute(query.order_by(Label.id)):
        text = label.text or comment_text
        values = label_values(label.categories, label.toxicity)
        if text and values is not None:
            yield Decided(text, values, BASE_WEIGHT, label.created_at, str(label.source),
                          label.comment_id)


def label_values(categories: dict[str, float] | None,
                 toxicity: float | None) -> tuple[float, float, float] | None:
    """A ``Label`` row's values as training labels (see the module docstring)."""
    if categories:
        out = [NAN if categories.get(str(c)) is None else float(categories[str(c)] >= 0.5)
               for c in CATEGORIES]
        return (out[0], out[1], out[2])
    if toxicity is not None and toxicity < 0.5:
        return (0.0, 0.0, 0.0)
    return None


def as_training_set(rows: list[Decided], name: str) -> tuple[LabelledSet, np.ndarray]:
    """The rows as ``training.train``'s ``extra``: a labelled set and its weights."""
    labels = np.array([r.labels for r in rows], dtype=float).reshape(-1, len(CATEGORIES))
    meta = {"source": [r.source for r in rows]}
    scale = min(1.0, FULL_WEIGHT_ROWS / max(1, len(rows)))
    weights = np.array([r.weight for r in rows], dtype=float) * scale
    return LabelledSet(name, [r.text for r in rows], labels, meta), weights


def split_recent(rows: list[Decided], share: float, minimum: int) -> tuple[list[Decided],
                                                                          list[Decided]]:
    """(train, held out): the most recent ``share`` of the rows (at least ``minimum``) are held
    out for the gate and never trained on."""
    held = max(minimum, round(len(rows) * share))
    held = min(held, len(rows))
    return rows[: len(rows) - held], rows[len(rows) - held :]

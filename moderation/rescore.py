"""Re-score the pending queue with the model serving now (after a promotion or a rollback).

Pending comments get the new verdict's scores, word-list matches, reasons, explanations and model
version, so the queue's order, highlights and threshold bars follow the new model. Nothing is
decided: the status stays pending for a moderator, and the stored first decision (what an
idempotent retry is answered) is kept.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import InvalidText, TextTooLong
from .policy import Verdict
from .scorer import Scorer
from .storage.schema import Comment, CommentStatus, Site

BATCH = 500


def rescore_pending(session: Session, site: Site, scorer: Scorer) -> int:
    """Re-score the site's pending comments in batches; returns how many were updated."""
    done, after = 0, 0
    while True:
        batch = list(session.scalars(
            select(Comment)
            .where(Comment.site_id == site.id, Comment.status == CommentStatus.PENDING,
                   Comment.id > after)
            .order_by(Comment.id).limit(BATCH)))
        if not batch:
            return done
        for comment, verdict in zip(batch, _verdicts(scorer, batch), strict=True):
            if verdict is not None:
                _store(comment, verdict)
                done += 1
        session.flush()
        after = batch[-1].id


def _verdicts(scorer: Scorer, batch: list[Comment]) -> list[Verdict | None]:
    """The batch's verdicts; a text the current settings refuse (too long now) keeps its own."""
    try:
        return list(scorer.score_many([c.text for c in batch]))
    except (InvalidText, TextTooLong):
        out: list[Verdict | None] = []
        for c in batch:
            try:
                out.append(scorer.score(c.text))
            except (InvalidText, TextTooLong):
                out.append(None)
        return out


def _store(comment: Comment, verdict: Verdict) -> None:
    d = verdict.to_dict()
    comment.scores = dict(d.get("scores") or {})
    comment.matches = list(d.get("matches") or [])
    comment.reasons = list(d.get("reasons") or [])
    comment.explanations = dict(d.get("explanations") or {}) or None
    comment.model_version = str(d.get("model_version") or "unknown")

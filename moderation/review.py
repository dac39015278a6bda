"""What moderators do and what they look back on: decisions, undo, the audit log, statistics,
and the what-if preview of new thresholds. No Flask; callers own the transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .categories import CATEGORIES
from .policy import Decision, Policy, Thresholds, decide
from .storage.coltypes import utcnow
from .storage.comments import set_status
from .storage.errors import InvalidData
from .storage.events import Actor
from .storage.schema import ActorKind, Comment, CommentStatus, ModerationEvent, Site
from .wordlist import Match, Severity

REJECT_REASONS = ("obscene", "personal attack", "derogatory", "spam", "off-topic", "other")
SUGGESTED_REASON = {"obscene": "obscene", "personal": "personal attack", "derogatory": "derogatory"}
UNDO_SECONDS = 15
MAX_BULK = 5000
WHAT_IF_SAMPLE = 1000


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


TARGET = {Action.APPROVE: CommentStatus.PUBLISHED, Action.REJECT: CommentStatus.REJECTED}


def apply(
    session: Session, ids: Iterable[int], action: Action, actor: Actor, reason: str | None = None
) -> list[ModerationEvent]:
    """Approve or reject comments; one audit event per comment that changed status."""
    action = Action(action)
    if action is Action.REJECT and reason not in REJECT_REASONS:
        raise InvalidData(f"a rejection needs one of the reasons: {', '.join(REJECT_REASONS)}")
    wanted = sorted(set(ids))
    if len(wanted) > MAX_BULK:
        raise InvalidData(f"at most {MAX_BULK} comments at once")
    comments = session.scalars(select(Comment).where(Comment.id.in_(wanted)).order_by(Comment.id))
    events = []
    for comment in comments:
        event = set_status(session, comment, TARGET[action], actor, reason if reason else None)
        if event is not None:
            events.append(event)
    return events


def undo(
    session: Session,
    event_ids: Iterable[int],
    actor: Actor,
    now: datetime | None = None,
    window: float = UNDO_SECONDS,
) -> list[ModerationEvent]:
    """Revert the actor's own recent events (each revert is audited too); stale ones are skipped."""
    now = now or utcnow()
    stmt = select(ModerationEvent).where(
        ModerationEvent.id.in_(set(event_ids)),
        ModerationEvent.moderator_id == actor.moderator_id,
        ModerationEvent.created_at >= now - timedelta(seconds=window),
    )
    reverted = []
    for event in session.scalars(stmt.order_by(ModerationEvent.id.desc())).all():
        comment = session.get(Comment, event.comment_id)
        if comment is None or comment.status != event.to_status or event.from_status is None:
            continue
        back = set_status(session, comment, event.from_status, actor, f"undo of event {event.id}")
        if back is not None:
            reverted.append(back)
    return reverted


# --- the audit log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    event: ModerationEvent
    comment: Comment
    site: Site


def audit_log(
    session: Session, page: int = 1, per_page: int = 50, humans_only: bool = False
) -> tuple[list[AuditRow], int]:
    """Events newest first, with their comments; and the number of pages."""
    stmt = (
        select(ModerationEvent, Comment, Site)
        .join(Comment, Comment.id == ModerationEvent.comment_id)
        .join(Site, Site.id == Comment.site_id)
    )
    counted = select(func.count()).select_from(ModerationEvent)
    if humans_only:
        stmt = stmt.where(ModerationEvent.actor_kind != ActorKind.SYSTEM)
        counted = counted.where(ModerationEvent.actor_kind != ActorKind.SYSTEM)
    total = int(session.scalar(counted) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    stmt = stmt.order_by(ModerationEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)
    return [AuditRow(e, c, s) for e, c, s in session.execute(stmt)], pages


# --- statistics -------------------------------------------------------------------------------


@dataclass
class Stats:
    days: list[str]
    per_day: dict[str, list[int]]  # status → count per day (by submission day, current status)
    decisions: dict[str, list[int]]  # "automatic" / "human" → decisions per day
    overturn: dict[str, dict[str, float]]  # category → {"automatic": n, "overturned": n, "rate": r}
    queue_size: int
    oldest_age_seconds: float | None
    totals: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "per_day": self.per_day,
            "decisions": self.decisions,
            "overturn": self.overturn,
            "queue_size": self.queue_size,
            "oldest_age_seconds": self.oldest_age_seconds,
            "totals": self.totals,
        }


def stats(session: Session, days: int = 30, now: datetime | None = None) -> Stats:
    """Outcomes per day, automatic vs human decisions, overturns by category, the queue."""
    now = now or utcnow()
    first = (now - timedelta(days=days - 1)).date()
    labels = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    per_day = _per_day(session, since, labels)
    decisions = _decisions_per_day(session, since, labels)
    queue_size, oldest = _queue(session)
    age = (now - oldest).total_seconds() if oldest else None
    totals = {k: sum(v) for k, v in per_day.items()}
    return Stats(labels, per_day, decisions, _overturns(session), queue_size, age, totals)


def _day(value: datetime) -> str:
    return value.date().isoformat() if isinstance(value, datetime) else str(value)


def _per_day(session: Session, since: datetime, labels: list[str]) -> dict[str, list[int]]:
    rows = session.execute(
        select(Comment.created_at, Comment.status).where(Comment.created_at >= since)
    )
    counts = Counter((_day(at), str(status)) for at, status in rows)
    return {str(s): [counts[(d, str(s))] for d in labels] for s in CommentStatus}


def _decisions_per_day(
    session: Session, since: datetime, labels: list[str]
) -> dict[str, list[int]]:
    rows = session.execute(
        select(ModerationEvent.created_at, ModerationEvent.actor_kind, ModerationEvent.to_status)
        .where(ModerationEvent.created_at >= since)
    )
    counts: Counter[tuple[str, str]] = Counter()
    for at, kind, to in rows:
        if kind == ActorKind.SYSTEM and to == CommentStatus.PENDING:
            continue  # held for review is no decision yet
        counts[(_day(at), "automatic" if kind == ActorKind.SYSTEM else "human")] += 1
    return {k: [counts[(d, k)] for d in labels] for k in ("automatic", "human")}


def _overturns(session: Session) -> dict[str, dict[str, float]]:
    """Per top-scoring category: automatic decisions, and how many a person reversed."""
    auto = select(Comment.id, Comment.scores).where(Comment.decision != str(Decision.REVIEW))
    human = select(ModerationEvent.comment_id).where(
        ModerationEvent.actor_kind != ActorKind.SYSTEM
    )
    touched = set(session.scalars(human))
    out = {str(c): {"automatic": 0.0, "overturned": 0.0, "rate": 0.0} for c in CATEGORIES}
    for cid, scores in session.execute(auto):
        cat = top_category(scores)
        if cat is None:
            continue
        out[cat]["automatic"] += 1
        out[cat]["overturned"] += cid in touched
    for row in out.values():
        row["rate"] = round(row["overturned"] / row["automatic"], 4) if row["automatic"] else 0.0
    return out


def suggested_reason(scores: Mapping[str, Any] | None, thresholds: Mapping[str, Thresholds]) -> str:
    """The rejection reason a held card offers first: that of ``top_category``, else "other"."""
    return SUGGESTED_REASON.get(top_category(scores, thresholds) or "", "other")


def top_category(
    scores: Mapping[str, Any] | None, thresholds: Mapping[str, Thresholds] | None = None
) -> str | None:
    """The category with the highest score, or None without scores. With ``thresholds``, the
    one furthest past its own review threshold: personal 0.12 over a bar of 0.09 weighs more
    than derogatory 0.14 under a bar of 0.17 (the reason a moderator would reject for)."""
    known = {c: float(scores[c]) for c in CATEGORIES if scores and c in scores}
    if thresholds:
        known = {c: v / max(thresholds[c].review_at, 1e-6) for c, v in known.items()
                 if c in thresholds}
    return max(known, key=lambda c: known[c]) if known else None


def _queue(session: Session) -> tuple[int, datetime | None]:
    stmt = select(func.count(), func.min(Comment.created_at)).where(
        Comment.status == CommentStatus.PENDING
    )
    n, oldest = session.execute(stmt).one()
    return int(n or 0), oldest


# --- what-if ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatIf:
    sample: int
    more_held: int  # now approved, held (or rejected) with the new thresholds
    fewer_held: int
    fewer_approved: int
    more_approved: int
    more_rejected: int
    fewer_rejected: int


def what_if(
    session: Session,
    site: Site,
    current: Policy,
    proposed: Mapping[str, Thresholds],
    limit: int = WHAT_IF_SAMPLE,
) -> WhatIf:
    """Recompute the site's last ``limit`` decisions from stored scores under both policies."""
    new_policy = current.with_thresholds(proposed)
    stmt = (
        select(Comment.scores, Comment.matches)
        .where(Comment.site_id == site.id)
        .order_by(Comment.id.desc())
        .limit(limit)
    )
    before: Counter[Decision] = Counter()
    after: Counter[Decision] = Counter()
    n = 0
    for scores, matches in session.execute(stmt):
        found = _matches(matches)
        usable = _scores(scores)
        before[decide(usable, found, current)[0]] += 1
        after[decide(usable, found, new_policy)[0]] += 1
        n += 1
    a, r, h = Decision.APPROVE, Decision.REJECT, Decision.REVIEW
    return WhatIf(
        sample=n,
        more_held=max(0, after[h] - before[h]),
        fewer_held=max(0, before[h] - after[h]),
        fewer_approved=max(0, before[a] - after[a]),
        more_approved=max(0, after[a] - before[a]),
        more_rejected=max(0, after[r] - before[r]),
        fewer_rejected=max(0, before[r] - after[r]),
    )


def _scores(scores: Mapping[str, Any] | None) -> dict[str, float] | None:
    """Stored scores usable by the policy, or None (degraded: word list only)."""
    if not scores or not all(c in scores for c in CATEGORIES):
        return None
    return {str(c): float(scores[c]) for c in CATEGORIES}


def _matches(raw: Sequence[Mapping[str, Any]] | None) -> list[Match]:
    out = []
    for m in raw or []:
        try:
            out.append(
                Match(
                    m["term"], int(m["start"]), int(m["end"]), m["word"], m["category"],
                    Severity(m["severity"]), bool(m.get("possible_name", False)),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return out

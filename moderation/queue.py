"""The review queue: which comments a moderator sees, in which order, and what each card shows.

Pure data access and shaping, no Flask. ``find(session, query, thresholds)`` filters in SQL
(status, site, thread, text search), then orders in Python where the order depends on the JSON
scores (risk: highest category score first; uncertain: closest to a review threshold first),
and loads only the page's rows in full. ``highlight`` turns the stored spans (word-list matches
and explanation phrases) into plain segments for the template to escape.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .categories import CATEGORIES
from .policy import Thresholds
from .storage import sites as site_store
from .storage.schema import Comment, CommentStatus, Site, Thread

PER_PAGE = 25
MAX_PER_PAGE = 200
MAX_SEARCH = 200


class Order(StrEnum):
    RISK = "risk"  # highest category score first
    UNCERTAIN = "uncertain"  # closest to a review threshold first
    OLDEST = "oldest"
    NEWEST = "newest"


class ReasonKind(StrEnum):
    WORD = "word"  # a word-list hit
    SCORE = "score"  # a classifier score over a threshold
    NO_MODEL = "no-model"  # held because no model was loaded


@dataclass(frozen=True)
class Query:
    """What the moderator asked for; every field optional."""

    status: CommentStatus = CommentStatus.PENDING
    site: str | None = None  # slug
    thread: int | None = None  # thread id
    category: str | None = None  # a reason names this category
    reason: ReasonKind | None = None
    search: str = ""  # in the text or the author's name
    order: Order = Order.RISK
    page: int = 1
    per_page: int = PER_PAGE

    def __post_init__(self) -> None:
        object.__setattr__(self, "page", max(1, self.page))
        object.__setattr__(self, "per_page", min(max(1, self.per_page), MAX_PER_PAGE))
        object.__setattr__(self, "search", self.search.strip()[:MAX_SEARCH])


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of comment text: plain, a word-list match, or a phrase behind a score."""

    text: str
    kind: str = ""  # "" | "match" | "phrase"
    note: str = ""  # why it is highlighted


@dataclass(frozen=True, slots=True)
class Bar:
    """One category's score beside its thresholds."""

    category: str
    score: float
    review_at: float
    reject_at: float


@dataclass
class History:
    """An author's record in a site."""

    published: int = 0
    rejected: int = 0
    pending: int = 0
    recent: list[Comment] = field(default_factory=list)


@dataclass
class Card:
    """Everything one queue card shows."""

    comment: Comment
    site: Site
    thread: Thread
    segments: list[Segment]
    bars: list[Bar]
    history: History | None


@dataclass
class Page:
    """One page of results and where it sits in the whole."""

    cards: list[Card]
    total: int
    page: int
    pages: int


def find(
    session: Session, query: Query, thresholds: Mapping[str, Thresholds], *, history: bool = True
) -> Page:
    """One page of comments matching ``query``, ordered as asked, with their cards."""
    per_site = site_thresholds_by_id(session, thresholds)
    ids = matching_ids(session, query, per_site)
    pages = max(1, math.ceil(len(ids) / query.per_page))
    start = (min(query.page, pages) - 1) * query.per_page
    page_ids = ids[start : start + query.per_page]
    cards = _cards(session, page_ids, per_site, history)
    return Page(cards, len(ids), min(query.page, pages), pages)


def matching_ids(
    session: Session, query: Query, per_site: Mapping[int, Mapping[str, Thresholds]]
) -> list[int]:
    """Every matching comment id, in the query's order (the "all matching" of bulk actions)."""
    if query.order in (Order.OLDEST, Order.NEWEST) and not (query.category or query.reason):
        newest = query.order is Order.NEWEST
        order = (Comment.id.desc(),) if newest else (Comment.created_at, Comment.id)
        return list(session.scalars(_filtered(select(Comment.id), query).order_by(*order)))
    # The scores as three float columns, not JSON objects: 10,000 dicts would cost more in
    # decoding and garbage collection than the whole rest of the page.
    columns: list[Any] = [Comment.id, Comment.site_id]
    columns += [Comment.scores[str(c)].as_float().label(str(c)) for c in CATEGORIES]
    if query.category or query.reason:
        columns.append(Comment.reasons)  # JSON decoding costs: read the reasons only when needed
    if query.order in (Order.OLDEST, Order.NEWEST):
        columns.append(Comment.created_at)
    rows = [r for r in session.execute(_filtered(select(*columns), query)) if _keep(r, query)]
    rows.sort(key=lambda r: _sort_key(query.order, r, per_site))
    return [r.id for r in rows]


def count(session: Session, status: CommentStatus = CommentStatus.PENDING) -> int:
    """How many comments are in ``status`` (all sites)."""
    stmt = select(func.count()).select_from(Comment).where(Comment.status == status)
    return int(session.scalar(stmt) or 0)


def _filtered(stmt: Select[Any], query: Query) -> Select[Any]:
    """The SQL part of the filter."""
    stmt = stmt.where(Comment.status == query.status)
    if query.site:
        stmt = stmt.join(Site, Site.id == Comment.site_id).where(Site.slug == query.site)
    if query.thread is not None:
        stmt = stmt.where(Comment.thread_id == query.thread)
    if query.search:
        pattern = "%" + _escape_like(query.search.lower()) + "%"
        stmt = stmt.where(
            func.lower(Comment.text).like(pattern, escape="\\")
            | func.lower(func.coalesce(Comment.author, "")).like(pattern, escape="\\")
        )
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _keep(row: Any, query: Query) -> bool:
    """The part of the filter that reads the stored reasons."""
    if not (query.category or query.reason):
        return True
    reasons: Sequence[str] = row.reasons or []
    if query.category and not any(r.startswith(query.category + " ") for r in reasons):
        return False
    return not query.reason or any(reason_kind(r) is query.reason for r in reasons)


def reason_kind(reason: str) -> ReasonKind:
    """What kind of rule a stored reason comes from."""
    if " word " in reason:
        return ReasonKind.WORD
    if reason.startswith("no model"):
        return ReasonKind.NO_MODEL
    return ReasonKind.SCORE


def _sort_key(order: Order, row: Any, per_site: Mapping[int, Mapping[str, Thresholds]]) -> Any:
    """Risk and uncertainty ties go to the older comment (lower id: ids grow with time)."""
    if order is Order.RISK:
        return (-max(row.obscene or 0.0, row.personal or 0.0, row.derogatory or 0.0), row.id)
    if order is Order.UNCERTAIN:
        scores = {str(c): row._mapping[c] for c in CATEGORIES if row._mapping[c] is not None}
        return (uncertainty(scores, per_site[row.site_id]), row.id)
    if order is Order.NEWEST:
        return (-row.id,)
    return (row.created_at, row.id)


def uncertainty(scores: Mapping[str, Any], thresholds: Mapping[str, Thresholds]) -> float:
    """Distance from the nearest threshold (0 = on the fence); 1.0 without scores."""
    gaps = [
        abs(float(scores[c]) - t)
        for c in CATEGORIES
        if c in scores
        for t in (thresholds[c].review_at, thresholds[c].reject_at)
    ]
    return min(gaps, default=1.0)


def site_thresholds_by_id(
    session: Session, base: Mapping[str, Thresholds]
) -> dict[int, Mapping[str, Thresholds]]:
    """Each site's thresholds: the model's, with the site's overrides."""
    out: dict[int, Mapping[str, Thresholds]] = {}
    for site in site_store.list_sites(session):
        out[site.id] = {**{str(k): v for k, v in base.items()}, **site_store.site_thresholds(site)}
    return out


def _cards(
    session: Session,
    ids: Sequence[int],
    per_site: Mapping[int, Mapping[str, Thresholds]],
    with_history: bool,
) -> list[Card]:
    """Full cards for ``ids``, in that order."""
    if not ids:
        return []
    stmt = (
        select(Comment, Thread, Site)
        .join(Thread, Thread.id == Comment.thread_id)
        .join(Site, Site.id == Comment.site_id)
        .where(Comment.id.in_(ids))
    )
    rows = {c.id: (c, t, s) for c, t, s in session.execute(stmt)}
    histories = author_histories(session, [(c.site_id, c.author) for c, _, _ in rows.values()])
    cards = []
    for cid in ids:
        c, t, s = rows[cid]
        history = histories.get((c.site_id, c.author)) if with_history else None
        segments = highlight(c.text, c.matches, c.explanations)
        cards.append(Card(c, s, t, segments, bars(c.scores, per_site[c.site_id]), history))
    return cards


def bars(scores: Mapping[str, Any] | None, thresholds: Mapping[str, Thresholds]) -> list[Bar]:
    """The category scores beside their thresholds, in the usual category order."""
    scores = scores or {}
    return [
        Bar(str(c), float(scores[c]), thresholds[c].review_at, thresholds[c].reject_at)
        for c in CATEGORIES
        if c in scores
    ]


RECENT = 3


def author_histories(
    session: Session, authors: Iterable[tuple[int, str | None]]
) -> dict[tuple[int, str | None], History]:
    """Per (site, author): counts by status and the author's latest comments."""
    wanted: set[tuple[int, str | None]] = {(s, a) for s, a in authors if a}
    if not wanted:
        return {}
    names = {a for _, a in wanted}
    site_ids = {s for s, _ in wanted}
    out: dict[tuple[int, str | None], History] = {key: History() for key in wanted}
    base = (Comment.site_id.in_(site_ids), Comment.author.in_(names))
    counts = select(Comment.site_id, Comment.author, Comment.status, func.count()).where(*base)
    for site_id, author, status, n in session.execute(counts.group_by(
        Comment.site_id, Comment.author, Comment.status
    )):
        if (site_id, author) in out:
            setattr(out[(site_id, author)], CommentStatus(status).name.lower(), n)
    recent = select(Comment).where(*base).order_by(Comment.id.desc()).limit(len(wanted) * 10)
    for c in session.scalars(recent):
        h = out.get((c.site_id, c.author))
        if h is not None and len(h.recent) < RECENT:
            h.recent.append(c)
    return out


def highlight(
    text: str, matches: Sequence[Mapping[str, Any]] | None, explanations: Mapping[str, Any] | None
) -> list[Segment]:
    """``text`` cut into plain and highlighted runs; matches win over overlapping phrases."""
    marks: list[Segment | None] = [None] * len(text)
    for cat, phrases in (explanations or {}).items():
        for p in phrases or []:
            _mark(marks, p, Segment("", "phrase", f"{cat} phrase"))
    for m in matches or []:
        note = f"{m.get('category', '')} word ({m.get('severity', '')})"
        _mark(marks, m, Segment("", "match", note))
    return _runs(text, marks)


def _mark(marks: list[Segment | None], span: Mapping[str, Any], style: Segment) -> None:
    start, end = span.get("start"), span.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(marks):
        for i in range(start, end):
            marks[i] = style


def _runs(text: str, marks: Sequence[Segment | None]) -> list[Segment]:
    out: list[Segment] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or marks[i] is not marks[start]:
            style = marks[start]
            piece = text[start:i]
            out.append(replace(style, text=piece) if style else Segment(piece))
            start = i
    return out


def when(value: datetime | None) -> str:
    """A short UTC timestamp for pages."""
    return value.strftime("%Y-%m-%d %H:%M") if value else ""

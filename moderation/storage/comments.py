"""Comments: store every submission with its verdict, list what is published, change status.

Idempotency: a client may send a key with a submission; the same key in the same site returns
the comment stored the first time (even from two workers at once: the unique constraint on
``(site_id, idempotency_key)`` decides, inside a SAVEPOINT, and the loser re-reads).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..policy import Decision
from ._checks import check_text
from ._unique import try_insert
from .coltypes import utcnow
from .errors import CommentNotFound, InvalidData
from .events import Actor, record_event
from .schema import Comment, CommentStatus, ModerationEvent, Site, Thread

STATUS_FOR_DECISION: Mapping[Decision, CommentStatus] = {
    Decision.APPROVE: CommentStatus.PUBLISHED,
    Decision.REVIEW: CommentStatus.PENDING,
    Decision.REJECT: CommentStatus.REJECTED,
}
MAX_PAGE = 500
_REMOTE_HASH = re.compile(r"[0-9a-f]{16,64}")


def remote_hash(address: str, secret: str | bytes) -> str:
    """A keyed hash of a client address (HMAC-SHA256, hex): store this, never the address."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def submit_comment(
    session: Session,
    site: Site,
    thread: Thread,
    author: str | None,
    text: str,
    verdict: Mapping[str, Any],
    idempotency_key: str | None = None,
    remote_hash: str | None = None,
) -> tuple[Comment, bool]:
    """Store a submission and its system event; ``(comment, created)``, created False on a replay."""
    _check(site, thread, remote_hash)
    check_text(Comment.author, author)
    check_text(Comment.text, text)
    check_text(Comment.idempotency_key, idempotency_key)
    if idempotency_key is not None:
        existing = find_by_idempotency_key(session, site, idempotency_key)
        if existing is not None:
            return existing, False
    comment = _new_comment(site, thread, author, text, verdict, idempotency_key, remote_hash)
    if not try_insert(session, comment):
        return _replayed(session, site, idempotency_key), False
    reason = "; ".join(comment.reasons) or f"scorer: {comment.decision}"
    record_event(session, comment, Actor.system(), None, comment.status, reason)
    return comment, True


def _check(site: Site, thread: Thread, remote: str | None) -> None:
    """Refuse a thread of another site, or something that is not a remote-address hash."""
    if thread.site_id != site.id:
        raise InvalidData(f"thread {thread.key!r} does not belong to site {site.slug!r}")
    if remote is not None and not _REMOTE_HASH.fullmatch(remote):
        raise InvalidData("remote must be a hex hash of the address (see remote_hash), not an IP")


def _new_comment(
    site: Site,
    thread: Thread,
    author: str | None,
    text: str,
    verdict: Mapping[str, Any],
    idempotency_key: str | None,
    remote: str | None,
) -> Comment:
    """A Comment row from a verdict dict (``Verdict.to_dict()``)."""
    try:
        decision = Decision(verdict["decision"])
    except (KeyError, ValueError) as exc:
        raise InvalidData(f"verdict has no valid decision: {exc}") from exc
    return Comment(
        site_id=site.id,
        thread_id=thread.id,
        author=author,
        text=text,
        status=STATUS_FOR_DECISION[decision],
        decision=str(decision),
        scores=dict(verdict.get("scores") or {}),
        matches=list(verdict.get("matches") or []),
        reasons=list(verdict.get("reasons") or []),
        explanations=dict(verdict.get("explanations") or {}) or None,
        model_version=str(verdict.get("model_version") or "unknown"),
        idempotency_key=idempotency_key,
        remote_hash=remote,
    )


def _replayed(session: Session, site: Site, idempotency_key: str | None) -> Comment:
    """The comment that won a race for the same idempotency key."""
    existing = None
    if idempotency_key is not None:
        existing = find_by_idempotency_key(session, site, idempotency_key)
    if existing is None:
        raise InvalidData("the comment could not be stored (constraint violation)")
    return existing


def find_by_idempotency_key(session: Session, site: Site, key: str) -> Comment | None:
    """The site's comment submitted with this idempotency key, or None."""
    query = select(Comment).where(Comment.site_id == site.id, Comment.idempotency_key == key)
    return session.scalars(query).one_or_none()


def get_comment(session: Session, site: Site, comment_id: int) -> Comment:
    """The site's comment with this id; raises CommentNotFound (also for another site's)."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.site_id != site.id:
        raise CommentNotFound(comment_id)
    return comment


def list_published(
    session: Session, site: Site, thread: Thread, after_id: int | None = None, limit: int = 50
) -> list[Comment]:
    """Published comments of a thread, oldest first, after ``after_id`` (keyset pagination)."""
    query = select(Comment).where(
        Comment.site_id == site.id,
        Comment.thread_id == thread.id,
        Comment.status == CommentStatus.PUBLISHED,
    )
    return _page(session, query, after_id, limit)


def list_by_status(
    session: Session,
    site: Site,
    status: CommentStatus = CommentStatus.PENDING,
    after_id: int | None = None,
    limit: int = 50,
) -> list[Comment]:
    """A site's comments in one status (the moderation queue), oldest first."""
    query = select(Comment).where(Comment.site_id == site.id, Comment.status == status)
    return _page(session, query, after_id, limit)


def _page(session: Session, query: Any, after_id: int | None, limit: int) -> list[Comment]:
    """One page of ``query`` ordered by id, after ``after_id``: at most ``limit`` rows."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidData(f"page size must be between 1 and {MAX_PAGE}, got {limit}")
    if after_id is not None:
        query = query.where(Comment.id > after_id)
    return list(session.scalars(query.order_by(Comment.id).limit(limit)))


def set_status(
    session: Session,
    comment: Comment,
    to_status: CommentStatus,
    actor: Actor,
    reason: str | None = None,
    note: str | None = None,
) -> ModerationEvent | None:
    """Move a comment to ``to_status`` and record who did it; None when it already was there.

    The comment is reloaded (and locked on PostgreSQL) first, so ``from`` is the stored status.
    """
    to_status = CommentStatus(to_status)
    session.refresh(comment, with_for_update=True)  # PostgreSQL: lock it, so `from` is true
    from_status = comment.status
    if from_status == to_status:
        return None
    comment.status = to_status
    comment.updated_at = utcnow()
    return record_event(session, comment, actor, from_status, to_status, reason, note)

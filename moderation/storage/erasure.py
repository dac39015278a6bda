"""Erasure requests: delete a reader's comments and everything stored from them.

A reader may ask a site to erase what they wrote (GDPR article 17, and most newsrooms' own
policy). ``erase`` deletes the comments — by author name or by id — with their audit events and
the training labels attached to them, in the caller's transaction. Models already trained keep
what they learnt; the next retraining no longer sees these comments. The article threads stay:
they hold the site's data, not the reader's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from .errors import CommentNotFound, InvalidData
from .schema import Comment, Label, ModerationEvent, Site


@dataclass(frozen=True, slots=True)
class Erased:
    """What an erasure removed (or, for a dry run, would remove)."""

    comments: int
    events: int
    labels: int


def erase(
    session: Session,
    site: Site,
    *,
    author: str | None = None,
    ids: Iterable[int] = (),
    dry_run: bool = False,
) -> Erased:
    """Delete the site's comments by ``author`` (exact name) or with these ``ids`` (every id must
    be the site's: an erasure that silently missed one would look done)."""
    wanted = sorted(set(ids))
    if (author is None) == (not wanted):
        raise InvalidData("name an author or comment ids, not both")
    query = select(Comment.id).where(Comment.site_id == site.id)
    query = query.where(Comment.author == author) if author is not None else query.where(
        Comment.id.in_(wanted))
    found = list(session.scalars(query))
    if author is None and (missing := sorted(set(wanted) - set(found))):
        raise CommentNotFound(missing[0])
    events = _count(session, select(func.count()).where(ModerationEvent.comment_id.in_(found)))
    labels = _count(session, select(func.count()).where(Label.comment_id.in_(found)))
    if found and not dry_run:
        # Labels first: deleting a comment would set their comment_id to NULL, and a label
        # without text or comment breaks its check. Events go with the comment (ON DELETE CASCADE).
        session.execute(delete(Label).where(Label.comment_id.in_(found)))
        session.execute(delete(Comment).where(Comment.id.in_(found)))
        session.expire_all()
    return Erased(len(found), events, labels)


def _count(session: Session, query: Select[int]) -> int:
    return int(session.scalar(query) or 0)

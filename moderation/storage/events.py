"""The audit trail: one event per status change, naming who did it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ._checks import check_text
from .schema import ActorKind, ApiKey, Comment, CommentStatus, ModerationEvent, Moderator


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changed a status: the system, a moderator, or an API client."""

    kind: ActorKind
    name: str | None = None
    moderator_id: int | None = None

    @classmethod
    def system(cls, name: str = "scorer") -> Actor:
        """The scorer deciding at submission."""
        return cls(ActorKind.SYSTEM, name)

    @classmethod
    def moderator(cls, moderator: Moderator) -> Actor:
        """A person in the dashboard."""
        return cls(ActorKind.MODERATOR, moderator.username, moderator.id)

    @classmethod
    def api(cls, key: ApiKey) -> Actor:
        """A client holding an API key (named by the key's name and prefix)."""
        return cls(ActorKind.API, f"{key.name} ({key.prefix}…)")


def record_event(
    session: Session,
    comment: Comment,
    actor: Actor,
    from_status: CommentStatus | None,
    to_status: CommentStatus,
    reason: str | None = None,
    note: str | None = None,
) -> ModerationEvent:
    """Add one event row for ``comment``."""
    check_text(ModerationEvent.reason, reason)
    check_text(ModerationEvent.note, note)
    event = ModerationEvent(
        comment_id=comment.id,
        actor_kind=actor.kind,
        actor_name=actor.name,
        moderator_id=actor.moderator_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        note=note,
    )
    session.add(event)
    session.flush()
    return event


def list_events(session: Session, comment: Comment) -> list[ModerationEvent]:
    """The comment's events, oldest first."""
    query = (
        select(ModerationEvent)
        .where(ModerationEvent.comment_id == comment.id)
        .order_by(ModerationEvent.created_at, ModerationEvent.id)
    )
    return list(session.scalars(query))

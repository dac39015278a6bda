"""Reader comments: submit (validate → score with the site's scorer → store with the verdict) and read.

Reads happen on the session the caller gives; the one short write transaction per submission
comes from the caller's ``write()`` (a unit of work), so nothing here knows about HTTP. A submission with an idempotency key the site has already seen returns the
first result again, as it was decided then, even if a moderator has since changed the status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from .fields import MAX_ID, Text, encodable
from .policy import Decision, Verdict, reader_reasons
from .storage import Comment, CommentStatus, Site, Thread
from .storage import comments as comment_store
from .storage import threads as thread_store
from .storage._checks import check_text
from .storage.errors import InvalidData

AUTHOR_MAX = 80
PAGE_DEFAULT = 50
PAGE_MAX = 100
REJECTED_MESSAGE = (
    "Your comment was not published because it breaks this site's rules (see below). "
    "It is still in the box: you can rephrase it and post again."
)

Author = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=AUTHOR_MAX),
    AfterValidator(encodable),
]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:\-]{8,128}$")]


class CommentDraft(BaseModel):
    """A reader's submission as the widget sends it. Text length and emptiness are the scorer's call."""

    model_config = ConfigDict(extra="ignore")

    author: Author
    text: Text
    idempotency_key: IdempotencyKey | None = None
    # The article's address, shown to moderators: http(s) only, never javascript: and the like.
    url: Annotated[Text, Field(max_length=2048, pattern=r"^https?://[^\s]+$")] | None = None
    title: Annotated[Text, Field(max_length=500)] | None = None
    # The honeypot: people never see it, so only bots fill it in.
    homepage: Annotated[str, Field(description="must be left empty")] = ""

    @property
    def is_bot(self) -> bool:
        """True when the honeypot field was filled in."""
        return bool(self.homepage.strip())


class PageQuery(BaseModel):
    """``?after=ID&limit=N`` on the comment list."""

    model_config = ConfigDict(extra="ignore")

    after: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None
    limit: Annotated[int, Field(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT


class TextScorer(Protocol):
    """What submission needs from a scorer (``moderation.Scorer`` or a test fake)."""

    def score(self, text: str) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one submission, as the author is told."""

    comment_id: int
    status: CommentStatus
    reasons: tuple[str, ...]
    created: bool  # False when an idempotency key replayed an earlier submission
    verdict: Verdict | None = None  # the fresh verdict; None on a replay

    def public(self) -> dict[str, Any]:
        """The response body: id and status, plus reasons and a message when rejected."""
        body: dict[str, Any] = {"id": self.comment_id, "status": str(self.status)}
        if self.status is CommentStatus.REJECTED:
            body["reasons"] = list(reader_reasons(self.reasons))
            body["message"] = REJECTED_MESSAGE
        return body


def submit(
    reads: Session,
    write: Callable[[], AbstractContextManager[Session]],
    site: Site,
    thread_key: str,
    draft: CommentDraft,
    scorer: TextScorer,
    remote: str | None = None,
) -> Outcome:
    """Score and store one submission (or replay the first result of its idempotency key).

    The replay check and the scoring use ``reads``; only storing runs in ``write()``'s
    transaction, so SQLite's write lock is held for the inserts and the commit alone.
    """
    # A replay answers only a request that could itself be stored: a retry that changed the
    # text to something invalid is refused like any other invalid request.
    verdict = scorer.score(draft.text)  # raises InvalidText / TextTooLong: nothing stored
    _check_storable(thread_key, draft)
    if draft.idempotency_key is not None:
        earlier = comment_store.find_by_idempotency_key(reads, site, draft.idempotency_key)
        if earlier is not None:
            return _first_result(earlier)
    with write() as session:
        return _store(session, site, thread_key, draft, verdict, remote)


def _check_storable(thread_key: str, draft: CommentDraft) -> None:
    """Raise InvalidData for what storage would refuse (empty or over-long key, NUL characters)."""
    if not thread_key:
        raise InvalidData("thread key is empty")
    fields = (
        (Thread.key, thread_key),
        (Thread.url, draft.url),
        (Thread.title, draft.title),
        (Comment.author, draft.author),
        (Comment.text, draft.text),
    )
    for column, value in fields:
        check_text(column, value)


def _store(
    session: Session,
    site: Site,
    thread_key: str,
    draft: CommentDraft,
    verdict: Verdict,
    remote: str | None,
) -> Outcome:
    """Insert the comment with its verdict (the unique key settles a race with a retry)."""
    thread = thread_store.get_or_create_thread(session, site, thread_key, draft.url, draft.title)
    comment, created = comment_store.submit_comment(
        session,
        site,
        thread,
        draft.author,
        draft.text,
        verdict.to_dict(),
        draft.idempotency_key,
        remote,
    )
    if not created:  # lost a race for the same key to another request
        return _first_result(comment)
    return Outcome(comment.id, comment.status, tuple(comment.reasons), True, verdict)


def _first_result(comment: Comment) -> Outcome:
    """The outcome as decided at submission (the status may have changed since)."""
    status = comment_store.STATUS_FOR_DECISION[Decision(comment.decision)]
    return Outcome(comment.id, status, tuple(comment.reasons or ()), False)


def published_page(
    session: Session, site: Site, thread_key: str, query: PageQuery
) -> dict[str, Any]:
    """``{"comments": [...], "next": cursor | None}``: published comments, oldest first."""
    thread = thread_store.find_thread(session, site, thread_key)
    if thread is None:
        return {"comments": [], "next": None}
    rows = comment_store.list_published(session, site, thread, query.after, query.limit + 1)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {
        "comments": [public_comment(c) for c in rows],
        "next": str(rows[-1].id) if more else None,
    }


def public_comment(comment: Comment) -> Mapping[str, Any]:
    """A published comment as readers see it (no scores, no hashes)."""
    return {
        "id": comment.id,
        "author": comment.author,
        "text": comment.text,
        "created_at": comment.created_at.isoformat(),
    }

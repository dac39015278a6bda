"""The database schema: SQLAlchemy 2.0 typed models (no ``models.py``: ``models/`` holds trained artifacts).

Statuses and roles are ``StrEnum``s stored as short strings with a CHECK constraint, never magic ints.
Timestamps are aware UTC datetimes set by Python, so SQLite and PostgreSQL behave alike.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .coltypes import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class CommentStatus(StrEnum):
    PUBLISHED = "published"  # visible in the thread
    PENDING = "pending"  # held for a moderator
    REJECTED = "rejected"  # kept for the audit trail and training, never shown


class ActorKind(StrEnum):
    SYSTEM = "system"  # the scorer, at submission
    MODERATOR = "moderator"  # a person in the dashboard
    API = "api"  # a client holding an API key


class Role(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"


class LabelSource(StrEnum):
    MODERATOR = "moderator"
    SUGGESTSCORE = "suggestscore"
    API = "api"


class ModelStatus(StrEnum):
    CANDIDATE = "candidate"  # trained, not yet through the evaluation gate
    ACTIVE = "active"  # serving its scope (one per site, one global)
    REJECTED = "rejected"  # refused by the gate (an admin may still activate it)
    RETIRED = "retired"  # was active, replaced or rolled back


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # the candidate was promoted
    REJECTED = "rejected"  # the candidate was trained but refused by the gate
    FAILED = "failed"  # an error, too few decisions, or a worker that stopped answering


def _enum(cls: type[StrEnum], name: str) -> Enum:
    """A portable string enum column type: VARCHAR plus a CHECK constraint, values stored as-is."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Site(Base):
    """A news site using the service; every other row belongs to one."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    origins: Mapped[list[Any]] = mapped_column(default=list)
    # {"personal": {"review_at": 0.4, "reject_at": 0.9}, …}; None means the model's own thresholds.
    thresholds: Mapped[dict[str, Any] | None]
    deny_words: Mapped[list[Any]] = mapped_column(default=list)
    allow_words: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Thread(Base):
    """An article's comment thread, named by the site's own key."""

    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("site_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(512))
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(Base):
    """One submission, stored whatever the verdict, with the verdict that decided it."""

    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("site_id", "idempotency_key"),
        Index("ix_comments_site_queue", "site_id", "status", "created_at"),
        Index("ix_comments_thread_queue", "thread_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)  # exactly as submitted
    status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus, "comment_status"))
    decision: Mapped[str] = mapped_column(String(16))  # the scorer's: approve | review | reject
    scores: Mapped[dict[str, Any]]
    matches: Mapped[list[Any]]
    reasons: Mapped[list[Any]]
    explanations: Mapped[dict[str, Any] | None]
    model_version: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    remote_hash: Mapped[str | None] = mapped_column(String(64))  # keyed hash, never the raw IP
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ModerationEvent(Base):
    """One status change of a comment: who, when, from → to, why (the audit trail)."""

    __tablename__ = "moderation_events"
    __table_args__ = (Index("ix_moderation_events_comment", "comment_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    actor_kind: Mapped[ActorKind] = mapped_column(_enum(ActorKind, "actor_kind"))
    actor_name: Mapped[str | None] = mapped_column(String(100))
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    from_status: Mapped[CommentStatus | None] = mapped_column(
        _enum(CommentStatus, "event_from_status")
    )
    to_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus, "event_to_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Moderator(Base):
    """A person who may log in to the dashboard."""

    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    role: Mapped[Role] = mapped_column(_enum(Role, "moderator_role"), default=Role.MODERATOR)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class ApiKey(Base):
    """A site's API key: only its SHA-256 is stored; the prefix lets humans tell keys apart."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class Label(Base):
    """A training label: category labels and/or a toxicity value for a text or a stored comment."""

    __tablename__ = "labels"
    __table_args__ = (
        CheckConstraint("text IS NOT NULL OR comment_id IS NOT NULL", name="text_or_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[dict[str, Any] | None]  # {"obscene": 1.0, "personal": 0.0, …}
    toxicity: Mapped[float | None]
    source: Mapped[LabelSource] = mapped_column(_enum(LabelSource, "label_source"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(Base):
    """A trained model: its artifact and sidecar, the gate's report, and whether it serves.

    ``site_id`` None is the global model. The artifact and the PR-curve PNG are deferred: listing
    versions never reads the megabytes.
    """

    __tablename__ = "model_versions"
    __table_args__ = (Index("ix_model_versions_status_site", "status", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(100), unique=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    status: Mapped[ModelStatus] = mapped_column(_enum(ModelStatus, "model_status"))
    parent_version: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    artifact: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sidecar: Mapped[dict[str, Any]]
    report: Mapped[dict[str, Any] | None]
    pr_curve: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None]


class RetrainJob(Base):
    """One retraining run for a site (or the global model), with its progress for the dashboard."""

    __tablename__ = "retrain_jobs"
    __table_args__ = (Index("ix_retrain_jobs_site_status", "site_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"))
    progress: Mapped[int] = mapped_column(default=0)  # 0–100
    message: Mapped[str] = mapped_column(String(500), default="")
    candidate_version: Mapped[str | None] = mapped_column(String(100))
    requested_by: Mapped[str] = mapped_column(String(100))
    runner: Mapped[str | None] = mapped_column(String(200))  # host:pid or rq job id
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

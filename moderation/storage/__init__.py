"""Storage: SQLAlchemy 2.0 schema, engines and small query functions.

Query functions take a ``Session`` first and never commit: the caller owns the transaction
(``with transaction(factory) as session: ...``). Modules: ``engine`` (engines, sessions),
``migrate`` (Alembic, from code), ``schema`` (tables), ``sites``, ``threads``, ``comments``,
``events``, ``moderators``, ``apikeys``, ``labels``, ``model_versions``, ``retrain_jobs``,
``erasure``; errors in ``storage.errors``.
"""

from __future__ import annotations

from .engine import default_url, make_engine, readonly_engine, session_factory, transaction
from .events import Actor
from .migrate import upgrade
from .schema import (
    ActorKind,
    ApiKey,
    Base,
    Comment,
    CommentStatus,
    JobStatus,
    Label,
    LabelSource,
    ModelStatus,
    ModelVersion,
    ModerationEvent,
    Moderator,
    RetrainJob,
    Role,
    Site,
    Thread,
)

__all__ = [
    "Actor",
    "ActorKind",
    "ApiKey",
    "Base",
    "Comment",
    "CommentStatus",
    "JobStatus",
    "Label",
    "LabelSource",
    "ModelStatus",
    "ModelVersion",
    "ModerationEvent",
    "Moderator",
    "RetrainJob",
    "Role",
    "Site",
    "Thread",
    "default_url",
    "make_engine",
    "readonly_engine",
    "session_factory",
    "transaction",
    "upgrade",
]

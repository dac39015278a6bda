"""Errors raised by the storage layer, under the engine's tree.

    ModerationError
    ├── NotFound (LookupError)
    │   ├── SiteNotFound
    │   └── CommentNotFound
    ├── Conflict
    │   ├── DuplicateSite
    │   └── DuplicateUsername
    └── InvalidData (ValueError)     a bad origin, threshold, label, username, password, remote hash…
"""

from __future__ import annotations

from ..errors import ModerationError


class NotFound(ModerationError, LookupError):
    """The thing asked for does not exist (in this site)."""


class SiteNotFound(NotFound):
    """No site with this slug."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"no site {slug!r}")
        self.slug = slug


class CommentNotFound(NotFound):
    """No comment with this id in this site."""

    def __init__(self, comment_id: int) -> None:
        super().__init__(f"no comment {comment_id}")
        self.comment_id = comment_id


class Conflict(ModerationError):
    """A unique name is already taken."""


class DuplicateSite(Conflict):
    """A site with this slug exists."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"site {slug!r} already exists")
        self.slug = slug


class DuplicateUsername(Conflict):
    """A moderator with this username exists."""

    def __init__(self, username: str) -> None:
        super().__init__(f"moderator {username!r} already exists")
        self.username = username


class InvalidData(ModerationError, ValueError):
    """A value the storage layer refuses to store."""

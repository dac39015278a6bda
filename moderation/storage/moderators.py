"""Moderators: argon2id password hashes (argon2-cffi), login with equal cost for unknown names."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ._unique import try_insert
from .coltypes import utcnow
from .errors import DuplicateUsername, InvalidData
from .schema import Moderator, Role

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@cache
def _hasher() -> PasswordHasher:
    """argon2-cffi's defaults (RFC 9106 low-memory profile), built once."""
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user is unknown, so both paths cost the same."""
    return _hasher().hash("not a password: equal-cost verification")


def normalize_username(username: str) -> str:
    """Usernames are case-insensitive: stored stripped and lower-cased."""
    return username.strip().lower()


def create_moderator(
    session: Session, username: str, password: str, role: Role = Role.MODERATOR
) -> Moderator:
    """Add a moderator with an argon2id hash; raises DuplicateUsername or InvalidData."""
    name = normalize_username(username)
    if not _USERNAME.fullmatch(name):
        raise InvalidData(f"username {username!r}: use 1–64 of a-z, 0-9, '.', '_' and '-'")
    _check_password(password)
    moderator = Moderator(username=name, password_hash=_hasher().hash(password), role=Role(role))
    if not try_insert(session, moderator):
        raise DuplicateUsername(name)
    return moderator


def find_moderator(session: Session, username: str) -> Moderator | None:
    """The moderator with this username, or None."""
    query = select(Moderator).where(Moderator.username == normalize_username(username))
    return session.scalars(query).one_or_none()


def authenticate(session: Session, username: str, password: str) -> Moderator | None:
    """The active moderator if the password is right, else None; records the login time."""
    moderator = find_moderator(session, username)
    ok = _verify(moderator.password_hash if moderator else _dummy_hash(), password)
    if moderator is None or not ok or not moderator.active:
        return None
    if _hasher().check_needs_rehash(moderator.password_hash):
        moderator.password_hash = _hasher().hash(password)
    moderator.last_login_at = utcnow()
    session.flush()
    return moderator


def set_password(session: Session, moderator: Moderator, password: str) -> None:
    """Replace a moderator's password."""
    _check_password(password)
    moderator.password_hash = _hasher().hash(password)
    session.flush()


def set_active(session: Session, moderator: Moderator, active: bool) -> None:
    """Enable or disable a moderator's login."""
    moderator.active = active
    session.flush()


def _verify(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; False for a mismatch or a damaged hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_password(password: str) -> None:
    """Refuse passwords too short to be worth hashing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(f"password must be at least {MIN_PASSWORD_LENGTH} characters")

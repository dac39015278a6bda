"""API keys: ``mod_`` + 32 random bytes, shown once; only their SHA-256 is stored.

The secret is high-entropy, so a fast hash is right (no password stretching needed), and
looking a key up by its hash reveals nothing useful through timing; the final comparison is
constant-time anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ._checks import check_text
from .coltypes import utcnow
from .schema import ApiKey, Site

KEY_PREFIX = "mod_"
SHOWN_PREFIX_LENGTH = 12  # "mod_" + 8 random characters: enough to tell keys apart
LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most this often


def hash_key(raw_key: str) -> str:
    """The stored form of a key: SHA-256, hex."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_api_key(session: Session, site: Site, name: str) -> tuple[ApiKey, str]:
    """A new key for ``site``: the row and the raw key, which is never stored or shown again."""
    check_text(ApiKey.name, name)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        site_id=site.id, name=name, prefix=raw[:SHOWN_PREFIX_LENGTH], key_hash=hash_key(raw)
    )
    session.add(key)
    session.flush()
    return key, raw


def verify_api_key(session: Session, raw_key: str) -> ApiKey | None:
    """The live key matching ``raw_key`` (its last_used_at refreshed), or None."""
    if not raw_key.startswith(KEY_PREFIX):
        return None
    digest = hash_key(raw_key)
    query = select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
    key = session.scalars(query).one_or_none()
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
        session.flush()
    return key


def revoke_api_key(session: Session, key: ApiKey) -> None:
    """Revoke a key from now on (revoking twice keeps the first time)."""
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()


def list_api_keys(session: Session, site: Site) -> list[ApiKey]:
    """A site's keys, newest first, revoked ones included."""
    query = select(ApiKey).where(ApiKey.site_id == site.id).order_by(ApiKey.id.desc())
    return list(session.scalars(query))

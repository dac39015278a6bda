"""Sites: create, look up, change settings; the default site for a single-site install."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..categories import Category
from ..policy import Thresholds
from ._checks import check_text
from ._unique import try_insert
from .errors import DuplicateSite, InvalidData, SiteNotFound
from .schema import Site

DEFAULT_SLUG = "default"
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # "leave this setting as it is" in update_site_settings


def create_site(
    session: Session,
    slug: str,
    name: str,
    origins: Iterable[str] = (),
    thresholds: Mapping[str, Any] | None = None,
    deny_words: Iterable[str] = (),
    allow_words: Iterable[str] = (),
) -> Site:
    """Add a site; raises DuplicateSite if the slug is taken."""
    if not _SLUG.fullmatch(slug):
        raise InvalidData(f"site slug {slug!r}: use 1–64 of a-z, 0-9 and '-'")
    check_text(Site.name, name)
    site = Site(
        slug=slug,
        name=name,
        origins=[normalize_origin(o) for o in origins],
        thresholds=validate_thresholds(thresholds),
        deny_words=_words(deny_words),
        allow_words=_words(allow_words),
    )
    if not try_insert(session, site):
        raise DuplicateSite(slug)
    return site


def find_site(session: Session, slug: str) -> Site | None:
    """The site with this slug, or None."""
    return session.scalars(select(Site).where(Site.slug == slug)).one_or_none()


def get_site(session: Session, slug: str) -> Site:
    """The site with this slug; raises SiteNotFound."""
    site = find_site(session, slug)
    if site is None:
        raise SiteNotFound(slug)
    return site


def list_sites(session: Session) -> list[Site]:
    """Every site, by slug."""
    return list(session.scalars(select(Site).order_by(Site.slug)))


def update_site_settings(
    session: Session,
    site: Site,
    *,
    name: str | _Keep = KEEP,
    origins: Iterable[str] | _Keep = KEEP,
    thresholds: Mapping[str, Any] | None | _Keep = KEEP,
    deny_words: Iterable[str] | _Keep = KEEP,
    allow_words: Iterable[str] | _Keep = KEEP,
) -> Site:
    """Change the given settings (``thresholds=None`` goes back to the model's defaults)."""
    if not isinstance(name, _Keep):
        check_text(Site.name, name)
        site.name = name
    if not isinstance(origins, _Keep):
        site.origins = [normalize_origin(o) for o in origins]
    if not isinstance(thresholds, _Keep):
        site.thresholds = validate_thresholds(thresholds)
    if not isinstance(deny_words, _Keep):
        site.deny_words = _words(deny_words)
    if not isinstance(allow_words, _Keep):
        site.allow_words = _words(allow_words)
    session.flush()
    return site


def ensure_default_site(session: Session, origin: str | None = None) -> Site:
    """The ``default`` site, created (allowing ``origin``) if missing; an existing one is unchanged."""
    site = find_site(session, DEFAULT_SLUG)
    if site is not None:
        return site
    origins = [normalize_origin(origin)] if origin else []
    site = Site(
        slug=DEFAULT_SLUG, name="Default site", origins=origins, deny_words=[], allow_words=[]
    )
    if try_insert(session, site):
        return site
    return get_site(session, DEFAULT_SLUG)  # another worker created it meanwhile


def site_thresholds(site: Site) -> dict[str, Thresholds]:
    """The site's threshold overrides, ready for ``Policy.with_thresholds``."""
    return {cat: Thresholds(**t) for cat, t in (site.thresholds or {}).items()}


def normalize_origin(origin: str) -> str:
    """``scheme://host[:port]`` in lower case; raises InvalidData for anything else."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidData(f"origin {origin!r}: expected http(s)://host[:port]")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise InvalidData(f"origin {origin!r}: an origin has no path, query or credentials")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def validate_thresholds(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Check per-category ``{"review_at", "reject_at"}`` overrides; returns plain JSON."""
    if raw is None:
        return None
    out: dict[str, Any] = {}
    for cat, t in raw.items():
        if cat not in set(Category):
            raise InvalidData(f"thresholds: unknown category {cat!r}")
        try:
            checked = Thresholds(float(t["review_at"]), float(t["reject_at"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidData(f"thresholds for {cat}: {exc}") from exc
        out[str(cat)] = {"review_at": checked.review_at, "reject_at": checked.reject_at}
    return out


def _words(words: Iterable[str]) -> list[str]:
    """A clean, de-duplicated word list (order kept)."""
    return list(dict.fromkeys(w.strip() for w in words if w.strip()))

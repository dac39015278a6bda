"""Threads: one per article, named by the site's own key and created on first use."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ._checks import check_text
from ._unique import try_insert
from .errors import InvalidData
from .schema import Site, Thread


def find_thread(session: Session, site: Site, key: str) -> Thread | None:
    """The site's thread with this key, or None."""
    query = select(Thread).where(Thread.site_id == site.id, Thread.key == key)
    return session.scalars(query).one_or_none()


def get_or_create_thread(
    session: Session, site: Site, key: str, url: str | None = None, title: str | None = None
) -> Thread:
    """The site's thread ``key``, created if new (safe when two requests race to create it)."""
    if not key:
        raise InvalidData("thread key is empty")
    check_text(Thread.key, key)
    thread = find_thread(session, site, key)
    if thread is not None:
        return thread
    check_text(Thread.url, url)
    check_text(Thread.title, title)
    thread = Thread(site_id=site.id, key=key, url=url, title=title)
    if try_insert(session, thread):
        return thread
    found = find_thread(session, site, key)  # another request created it meanwhile
    if found is None:
        raise InvalidData(f"thread {key!r} could not be stored in site {site.slug!r}")
    return found

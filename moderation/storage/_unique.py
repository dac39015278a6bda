"""Insert-or-find under concurrency: let the unique constraint decide, inside a SAVEPOINT."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .schema import Base


def try_insert(session: Session, row: Base) -> bool:
    """Add and flush ``row`` in a SAVEPOINT; False (transaction intact) if a constraint refused it."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True

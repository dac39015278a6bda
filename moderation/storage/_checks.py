"""Checks that make SQLite behave like PostgreSQL: SQLite would store an over-long string."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

from .errors import InvalidData


def check_length(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None], value: str | None
) -> None:
    """Raise InvalidData when ``value`` is longer than the column allows."""
    length = getattr(column.type, "length", None) if isinstance(column.type, String) else None
    if value is not None and length is not None and len(value) > length:
        raise InvalidData(f"{column.key} is longer than {length} characters")

"""Checks that make SQLite refuse what PostgreSQL refuses (SQLite would store it silently)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

from .errors import InvalidData


def check_text(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None], value: str | None
) -> None:
    """Raise InvalidData for a NUL character or a value longer than the column allows."""
    if value is None:
        return
    if "\x00" in value:
        raise InvalidData(f"{column.key} contains a NUL character")
    length = getattr(column.type, "length", None) if isinstance(column.type, String) else None
    if length is not None and len(value) > length:
        raise InvalidData(f"{column.key} is longer than {length} characters")

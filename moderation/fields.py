"""String types for untrusted input, shared by every entry point (widget, APIs, CLI).

JSON may carry unpaired surrogates (``"\\ud800"``) that no database can store and no encoder
can write; they are refused at the edge with a clear message instead of failing at write time.
"""

from __future__ import annotations

from typing import Annotated

MAX_ID = 2**63 - 1  # the largest row id SQLite and a PostgreSQL BIGINT hold; past it, a query fails

from pydantic import AfterValidator


def encodable(value: str) -> str:
    """Return ``value`` if it is valid Unicode; raise ``ValueError`` naming the problem."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (an unpaired surrogate)") from None
    return value


Text = Annotated[str, AfterValidator(encodable)]

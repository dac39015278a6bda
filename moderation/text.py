"""Text folding: map a comment onto a canonical form for matching and scoring.

PLACEHOLDER (interface is fixed, implementation to be hardened): NFKC + casefold with an offset map.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Folded:
    """Folded text plus, for each folded character, the span of original text it came from."""

    original: str
    text: str
    starts: tuple[int, ...]  # starts[i]: index in `original` of the first char behind text[i]
    ends: tuple[int, ...]  # ends[i]: index in `original` one past the last char behind text[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original-text span covering folded characters [start, end)."""
        return self.starts[start], self.ends[end - 1]


def fold(text: str) -> Folded:
    """Fold ``text``; ``fold(fold(t).text).text == fold(t).text``."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        for f in unicodedata.normalize("NFKC", ch).casefold():
            out.append(f)
            starts.append(i)
            ends.append(i + 1)
    return Folded(text, "".join(out), tuple(starts), tuple(ends))

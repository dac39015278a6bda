"""Which of several regular expressions occur in a text, in one pass.

The attack markers in ``features`` are long alternations ("i know where you live|watch your
back|…"). Python's ``re`` is a backtracking engine: it tries each alternative at every word start,
so five of them cost ~47 µs on a 180-character comment, the largest single part of scoring. RE2
(Google's automaton engine, via ``google-re2``) answers "which of these patterns occur?" for all of
them in one linear pass (``RE2::Set``): ~1.4 µs.

The answers must equal Python's exactly: the markers are model features. RE2's ``\\b`` and ``\\w``
know only ASCII word characters, Python's are Unicode, and they agree on ASCII text. So RE2 runs
only on ASCII text (nearly every folded comment: folding maps look-alikes and accents to Latin) and
Python's ``re`` on the rest, or on everything if RE2 is missing or refuses a pattern.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

try:
    import re2 as _re2
except ImportError:  # pragma: no cover - google-re2 is a dependency; a platform may lack a wheel
    _re2 = None


class PatternSet:
    """Immutable; ``found(text)`` is the set of indices of the patterns that ``search`` finds."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)
        self._set = _compile(self.patterns)

    @property
    def accelerated(self) -> bool:
        return self._set is not None

    def found(self, text: str) -> frozenset[int]:
        if self._set is not None and text.isascii():
            return frozenset(self._set.Match(text) or ())
        return self.found_by_re(text)

    def found_by_re(self, text: str) -> frozenset[int]:
        """The reference answer, from Python's ``re``."""
        return frozenset(i for i, p in enumerate(self.patterns) if p.search(text))


def _compile(patterns: Sequence[re.Pattern[str]]) -> Any:
    """An RE2 ``Set`` searching all the patterns, or None."""
    if _re2 is None:
        log.info("google-re2 is not installed: markers use Python's re (slower, same answers)")
        return None
    if any(p.flags & ~re.UNICODE for p in patterns):
        return None  # flags would need translating; none of ours use any
    try:
        searcher = _re2.Set.SearchSet(_re2.Options())
        for i, p in enumerate(patterns):
            if searcher.Add(p.pattern) != i:
                return None
        searcher.Compile()  # raises if RE2 cannot build the automaton
        return searcher
    except Exception as exc:  # noqa: BLE001 - RE2 lacks look-arounds and back-references
        log.info("RE2 refused a marker pattern (%s): using Python's re", exc)
        return None

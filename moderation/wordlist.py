"""Word-list matching on folded text, built from better-profanity's list.

PLACEHOLDER (interface is fixed, implementation to be hardened).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from typing import Any

from .text import Folded


class Severity(StrEnum):
    SEVERE = "severe"  # unambiguous: rejects on its own
    MILD = "mild"  # needs context: reported, the classifier decides


@dataclass(frozen=True, slots=True)
class Match:
    term: str  # the text as written, sliced from the original
    start: int  # span in the original text
    end: int
    word: str  # the list entry it matched (folded)
    category: str  # "obscene" | "personal" | "derogatory"
    severity: Severity

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "start": self.start,
            "end": self.end,
            "word": self.word,
            "category": self.category,
            "severity": str(self.severity),
        }


_TOKEN = re.compile(r"[a-z0-9]+")


class WordList:
    def __init__(self, words: dict[str, tuple[str, Severity]]) -> None:
        self._words = words

    @classmethod
    def default(cls, deny: Iterable[str] = (), allow: Iterable[str] = ()) -> WordList:
        raw = files("better_profanity").joinpath("profanity_wordlist.txt").read_text("utf-8")
        words = {w.strip(): ("obscene", Severity.SEVERE) for w in raw.splitlines() if w.strip()}
        for w in deny:
            words[w.casefold()] = ("obscene", Severity.SEVERE)
        for w in allow:
            words.pop(w.casefold(), None)
        return cls(words)

    def match(self, folded: Folded) -> list[Match]:
        out = []
        for m in _TOKEN.finditer(folded.text):
            hit = self._words.get(m.group())
            if hit:
                s, e = folded.span(m.start(), m.end())
                out.append(Match(folded.original[s:e], s, e, m.group(), hit[0], hit[1]))
        return out

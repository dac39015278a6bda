"""Is a listed word written as a proper name? ("Fucking, Austria", "Dick Van Dyke", "Moby Dick").

Real places and people carry listed words, and rejecting "I drove through Fucking in Austria"
would break the rule's promise to leave honest comments alone. Casing is the only cheap signal:
in ordinary prose a capitalised word in mid-sentence is a name. The signal is easy to fake, so
it never approves anything on its own (the policy holds a severe word that looks like a name for
review instead of rejecting it), and it is ignored when the writer capitalises most words
("You Fucking Idiot").

* ``STRONG``: capitalised and next to another capitalised word ("Dick Van Dyke", "Moby Dick",
  "Mr Dick", "Fucking, Austria"): the classifier sees ``name`` instead.
* ``WEAK``: capitalised mid-sentence only ("the village of Fucking"): a severe word is held,
  not rejected, and the classifier sees ``name`` for it; a mild word stays as written.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import replace
from enum import Enum

from .text import Folded
from .wordlist import Match, Severity

PLACEHOLDER = "name"  # what the classifier sees instead of a name; a neutral word
TITLE_HEAVY = 0.5  # above this share of capitalised mid-sentence words, casing means nothing
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_END = frozenset(".!?…:;\"“”'‘’([{\n")


class NameContext(Enum):
    NONE = 0
    WEAK = 1
    STRONG = 2


def _title(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and word[1:].replace("'", "").isalpha() and \
        word[1:].islower()


def _initial(text: str, start: int) -> bool:
    """True if the word at ``start`` opens the text or a sentence."""
    i = start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


class Names:
    """Name context of spans in one original text (words parsed once)."""

    def __init__(self, original: str) -> None:
        self.text = original
        self.words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(original)]
        inner = [w for w, s, _ in self.words if not _initial(original, s)]
        capitalised = sum(1 for w in inner if _title(w))
        self.meaningful = bool(inner) and capitalised / len(inner) <= TITLE_HEAVY

    def context(self, start: int, end: int) -> NameContext:
        """How much the original span [start, end) looks like (part of) a name."""
        if not self.meaningful:
            return NameContext.NONE
        term = self.text[start:end]
        if not _title(term):
            return NameContext.NONE
        i = next((k for k, (_, s, _) in enumerate(self.words) if s >= start), None)
        if i is None:
            return NameContext.NONE
        before = self.words[i - 1] if i > 0 else None
        after = self.words[i + 1] if i + 1 < len(self.words) else None
        if before is not None and _title(before[0]) and _joined(self.text, before[2], start):
            return NameContext.STRONG  # "Moby Dick", "Van Dyke", "Mr Dick"
        if after is not None and _title(after[0]) and _joined(self.text, end, after[1]):
            return NameContext.STRONG  # "Dick Cheney", "Fucking, Austria"
        return NameContext.NONE if _initial(self.text, start) else NameContext.WEAK


def _joined(text: str, end: int, start: int) -> bool:
    """Adjacent words of one name: only spaces or a comma between ("Fucking, Austria")."""
    return text[end:start].strip(" ,") == ""


def mask(folded: Folded, spans: Sequence[tuple[int, int]]) -> str:
    """The folded text with the characters behind each original span replaced by ``name``."""
    if not spans:
        return folded.text
    text = folded.text
    pieces: list[str] = []
    last = 0
    for start, end in sorted(spans):
        a = bisect_left(folded.starts, start)
        b = bisect_right(folded.ends, end)
        if a >= b or a < last:
            continue
        pieces.append(text[last:a])
        pieces.append(PLACEHOLDER)
        last = b
    pieces.append(text[last:])
    return "".join(pieces)


def mark_names(folded: Folded, matches: list[Match]) -> tuple[list[Match], str]:
    """Flag severe matches written as names; the classifier's input with names masked."""
    original = folded.original
    if not any(_title(original[m.start:m.end]) for m in matches):
        return matches, folded.text  # the common case: nothing written as a name
    names = Names(original)
    out, masked = [], []
    for m in matches:
        context = names.context(m.start, m.end)
        severe = m.severity is Severity.SEVERE
        if context is NameContext.STRONG or (context is NameContext.WEAK and severe):
            masked.append((m.start, m.end))
            m = replace(m, possible_name=severe)
        out.append(m)
    return out, mask(folded, masked)

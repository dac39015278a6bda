"""Is a listed word written as a proper name? ("Fucking, Austria", "Dick Van Dyke", "Moby Dick").

Real places and people carry listed words, and rejecting "I drove through Fucking in Austria"
would break the rule's promise to leave honest comments alone. Casing is the only cheap signal:
in ordinary prose a capitalised word in mid-sentence is a name. The signal is easy to fake, so
it never approves anything on its own (the policy holds a severe word that looks like a name for
review instead of rejecting it), and it is ignored when the writer capitalises most words
("You Fucking Idiot").

* ``STRONG``: capitalised and next to another capitalised word ("Dick Van Dyke", "Moby Dick",
  "Mr Dick", "Fucking, Austria"): the classifier does not see the word.
  Also, in any casing and at any place: a phrase from ``lexicon/names.txt`` ("pussy willow",
  "Fucking in Austria"), a word from ``lexicon/senses.txt`` near a word that shows its innocent
  sense ("the bitch had a litter of puppies"), and a capitalised word followed by "in" or "near"
  and a capitalised word ("Fucking in Austria" opening a sentence, where casing says nothing).
* ``WEAK``: capitalised mid-sentence only ("the village of Fucking"): a severe word is held,
  not rejected, and the classifier does not see it; a mild word stays as written.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import replace
from enum import Enum
from functools import cache, cached_property

from .text import Folded
from .wordlist import Match, Severity, lexicon_text

# What the classifier sees instead of a name: nothing. A placeholder word learns a weight of its
# own in training, and since most masked words in the public data are capitalised oaths, the
# word "name" had come to score 0.998 obscene on its own (news-2026.11.4).
PLACEHOLDER = ""
TITLE_HEAVY = 0.5  # above this share of capitalised mid-sentence words, casing means nothing
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_END = frozenset(".!?…:;\"“”'‘’([{\n")
_PLACE_LINKS = frozenset({"in", "near", "outside"})  # "Fucking in Austria", "Twatt near Kirkwall"
SENSE_WINDOW = 10  # words either side of a listed word that can show its innocent sense


def _lexicon_lines(name: str) -> list[str]:
    return [line for line in lexicon_text(name).splitlines()
            if line.strip() and not line.startswith("#")]


@cache
def known_names() -> frozenset[tuple[str, ...]]:
    """The phrases of ``lexicon/names.txt`` as tuples of lower-cased words."""
    return frozenset(tuple(w.lower() for w in _WORD.findall(line))
                     for line in _lexicon_lines("names.txt"))


@cache
def _longest_name() -> int:
    return max(map(len, known_names()), default=0)


@cache
def _name_words() -> frozenset[str]:
    """Every word of ``lexicon/names.txt``."""
    return frozenset(w for phrase in known_names() for w in phrase)


@cache
def _lexicon_words() -> frozenset[str]:
    """Every word of the names and senses lexicons: a mild match on one may be a name too."""
    return _name_words() | frozenset(innocent_senses())


@cache
def innocent_senses() -> dict[str, frozenset[str]]:
    """``lexicon/senses.txt``: each listed form → the words that show its innocent sense."""
    out: dict[str, frozenset[str]] = {}
    for line in _lexicon_lines("senses.txt"):
        forms, _, context = line.partition(":")
        for form in forms.split():
            out[form.lower()] = frozenset(context.split())
    return out


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
        self._starts = [s for _, s, _ in self.words]

    @cached_property
    def meaningful(self) -> bool:
        """Does casing mean anything here (not most words capitalised)?"""
        # Exact shortcut for ordinary prose: at most one word per sentence-ending mark (and the
        # first word) opens a sentence, and no more words are capitalised than start upper-case.
        least_inner = len(self.words) - 1 - sum(map(self.text.count, _SENTENCE_END))
        most_capitalised = sum(1 for w, _, _ in self.words if w[0].isupper())
        if least_inner > 0 and most_capitalised <= TITLE_HEAVY * least_inner:
            return True
        inner = [w for w, s, _ in self.words if not _initial(self.text, s)]
        capitalised = sum(1 for w in inner if _title(w))
        return bool(inner) and capitalised / len(inner) <= TITLE_HEAVY

    def context(self, start: int, end: int) -> NameContext:
        """How much the original span [start, end) looks like (part of) a name."""
        i = bisect_left(self._starts, start)  # the first word starting at or after the span
        if i == len(self.words):
            return NameContext.NONE
        if self._known(i) or self._innocent_sense(i):
            return NameContext.STRONG
        if not self.meaningful or not _title(self.words[i][0]) or self.words[i][1] != start:
            return NameContext.NONE  # a phrase counts by its first word: "Jack off the bench"
        before = self.words[i - 1] if i > 0 else None
        after = self.words[i + 1] if i + 1 < len(self.words) else None
        if (after is not None and after[0].lower() in _PLACE_LINKS and i + 2 < len(self.words)
                and _title(self.words[i + 2][0])):
            return NameContext.STRONG  # "Fucking in Austria", even opening a sentence
        if before is not None and _title(before[0]) and _joined(self.text, before[2], start):
            return NameContext.STRONG  # "Moby Dick", "Van Dyke", "Mr Dick"
        if after is not None and _title(after[0]) and _joined(self.text, end, after[1]):
            return NameContext.STRONG  # "Dick Cheney", "Fucking, Austria"
        return NameContext.NONE if _initial(self.text, start) else NameContext.WEAK

    def _innocent_sense(self, i: int) -> bool:
        """Is word i a listed word next to words that show its innocent sense?"""
        context = innocent_senses().get(self.words[i][0].lower())
        if not context:
            return False
        near = self.words[max(0, i - SENSE_WINDOW) : i + SENSE_WINDOW + 1]
        return any(w.lower() in context for w, _, _ in near)

    def _known(self, i: int) -> bool:
        """Is word i part of a phrase of ``lexicon/names.txt``?"""
        lower = self._lower
        if lower[i] not in _name_words():
            return False  # the common case: no listed name has this word
        names = known_names()
        for length in range(2, _longest_name() + 1):
            for a in range(max(0, i - length + 1), min(i, len(lower) - length) + 1):
                if tuple(lower[a : a + length]) in names:
                    return True
        return False

    @cached_property
    def _lower(self) -> list[str]:
        return [w.lower() for w, _, _ in self.words]


def _joined(text: str, end: int, start: int) -> bool:
    """Adjacent words of one name: only spaces or a comma between ("Fucking, Austria")."""
    return text[end:start].strip(" ,") == ""


def mask(folded: Folded, spans: Sequence[tuple[int, int]]) -> str:
    """The folded text with the characters behind each original span removed (``PLACEHOLDER``)."""
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
    words = _lexicon_words()
    if not any(_title(original[m.start:m.end]) or m.word in words or m.term.lower() in words
               for m in matches):
        return matches, folded.text  # the common case: nothing that could be a name
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

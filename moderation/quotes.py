"""Quoted passages: a comment that quotes a slur or a bigoted claim in order to condemn it.

"The man shouting "Muslims are all terrorists" has been charged. Good." scores as the claim it
quotes. The policy (``policy.hold_if_quoted``) therefore also decides on the comment's own words,
the text outside quotation marks: when only the quoted words would reject it, it is held for a
moderator instead. Quoting never approves anything; the attack itself, quoted or not, is still
held.

A quoted passage is text between paired double quotes ("…", “…”, «…») or curly single quotes
(‘…’), on one line, of at least two words. Straight single quotes are left alone: they are mostly
apostrophes ("don't", "the Smiths' house").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .wordlist import Match, Severity

_QUOTED = re.compile(r'"[^"\n]{3,400}"|“[^”\n]{3,400}”|«[^»\n]{3,400}»|(?<!\w)‘[^’\n]{3,400}’(?!\w)')
_MARKS = "\"“”«»‘’"
_WORD = re.compile(r"\w+")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans (quotation marks included) of the quoted passages of at least two words."""
    if not any(mark in text for mark in _MARKS):
        return []  # the common case, without running the pattern
    return [m.span() for m in _QUOTED.finditer(text) if len(_WORD.findall(m.group())) >= 2]


def unquoted(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each quoted passage replaced by a space: the writer's own words."""
    pieces, last = [], 0
    for start, end in spans:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return " ".join(pieces)


def own_words_to_decide(text: str, rejected: bool, matches: Sequence[Match]) -> str | None:
    """The writer's own words, if a comment must also be decided on them: it was rejected, it
    quotes a passage, and no severe word outside the quotes rejects it anyway. None otherwise."""
    if not rejected:
        return None
    spans = quoted_spans(text)
    if not spans or _rejecting_word_outside(matches, spans):
        return None
    return unquoted(text, spans)


def _rejecting_word_outside(matches: Sequence[Match], spans: list[tuple[int, int]]) -> bool:
    """Does a severe word outside every quoted span reject the comment on its own? (Then its own
    words reject it too, and there is no need to decide again.)"""
    return any(m.severity is Severity.SEVERE and not m.possible_name
               and not any(a <= m.start and m.end <= b for a, b in spans) for m in matches)

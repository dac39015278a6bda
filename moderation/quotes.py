"""Quoted and reported passages: a comment that cites a slur or a bigoted claim to condemn it.

"The man shouting "Muslims are all terrorists" has been charged. Good." scores as the claim it
quotes, and so does "People keep saying immigrants are all criminals; the figures show the
opposite". The policy (``policy.hold_if_quoted``) therefore also decides on the comment's own
words, the text outside such passages: when only the cited words would reject it, it is held for a
moderator instead. Citing never approves anything; the attack itself, cited or not, is still held.

A quoted passage is text between paired double quotes ("…", “…”, «…») or curly single quotes
(‘…’), on one line, of at least two words. Straight single quotes, the British news style ('dirty
foreigner'), count only as a pair that opens before a word and closes after one, with no letter
outside either: an apostrophe ("don't", "the Smiths' house", "rock 'n' roll") is no quote.

A reported passage is the rest of a clause (up to ". ; ! ?", a line end or "but") after words
that attribute it to someone else: "people keep saying", "they claim that", "the myth that". Only
third parties: "I say you are an idiot" is the writer's own claim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .wordlist import Match, Severity

_QUOTED = re.compile(r'"[^"\n]{3,400}"|“[^”\n]{3,400}”|«[^»\n]{3,400}»|(?<!\w)‘[^’\n]{3,400}’(?!\w)'
                     r"|(?<![\w'])'(?=\w)[^'\n]{3,400}(?<=[\w.!?,])'(?![\w'])")
_MARKS = "\"“”«»‘’'"
_SUBJECT = (r"(?:people|they|some|many|others|folks?|trolls|critics|he|she|who|someone|somebody|"
            r"commenters|posters|politicians|campaigners|protest[eo]rs|the\s+(?:crowd|mob|leaflets?|"
            r"placards?|signs?|banners?|graffiti))")
_VERBS = (
    "say", "says", "said", "saying", "claim", "claims", "claimed", "claiming", "insist",
    "insists", "insisted", "insisting", "shout", "shouts", "shouted", "shouting", "chant",
    "chants", "chanted", "chanting", "write", "writes", "wrote", "writing", "post", "posts",
    "posted", "posting", "repeat", "repeats", "repeated", "repeating", "argue", "argues",
    "argued", "arguing", "suggest", "suggests", "suggested", "suggesting", "think", "thinks",
    "thought", "believe", "believes", "believed", "tell", "told"
)
_CLAIMS = (
    "myth", "idea", "notion", "claim", "lie", "trope", "stereotype", "canard", "smear",
    "assumption", "belief", "theory", "line"
)
_CUES = frozenset(_VERBS + _CLAIMS)  # a reported passage needs one of these words
_VERB = rf"(?:{'|'.join(v for v in _VERBS if v not in ('tell', 'told'))}|tell\s+us|told\s+us)"
_BETWEEN = (r"(?:\s+(?:keep|keeps|kept|still|always|often|will|would|like\s+to|love\s+to|used\s+to|"
            r"continue\s+to|continues\s+to|have|has|had|even|actually|seriously|were|was|are|is))*")
_CLAIM = rf"the\s+(?:\w+\s+)?(?:{'|'.join(_CLAIMS)})\s+that"
_REPORTED = re.compile(
    rf"\b(?:{_SUBJECT}{_BETWEEN}\s+{_VERB}(?:\s+that)?|{_CLAIM})\b"
    r"(?P<claim>[^.;!?\n]{3,300}?)(?=[.;!?\n]|\s+but\b|$)", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans (quotation marks included) of the quoted passages of at least two words."""
    if not any(mark in text for mark in _MARKS):
        return []  # the common case, without running the pattern
    return [m.span() for m in _QUOTED.finditer(text) if len(_WORD.findall(m.group())) >= 2]


def reported_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the claims a comment attributes to others ("they say <claim>."), of two words or
    more; the attributing words themselves are the writer's own."""
    if _CUES.isdisjoint(_WORD.findall(text.lower())):
        return []  # the common case, without running the pattern (~35 µs)
    return [m.span("claim") for m in _REPORTED.finditer(text)
            if len(_WORD.findall(m.group("claim"))) >= 2]


def cited_spans(text: str) -> list[tuple[int, int]]:
    """Quoted and reported passages, sorted, overlaps merged."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(quoted_spans(text) + reported_spans(text)):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def unquoted(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each cited passage (``cited_spans``) replaced by a space: the writer's own
    words."""
    pieces, last = [], 0
    for start, end in spans:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return " ".join(pieces)


def own_words_to_decide(text: str, rejected: bool, matches: Sequence[Match]) -> str | None:
    """The writer's own words, if a comment must also be decided on them: it was rejected, it
    cites a passage, and no severe word outside the passages rejects it anyway. None otherwise."""
    if not rejected:
        return None
    spans = cited_spans(text)
    if not spans or _rejecting_word_outside(matches, spans):
        return None
    return unquoted(text, spans)


def _rejecting_word_outside(matches: Sequence[Match], spans: list[tuple[int, int]]) -> bool:
    """Does a severe word outside every cited span reject the comment on its own? (Then its own
    words reject it too, and there is no need to decide again.)"""
    return any(m.severity is Severity.SEVERE and not m.possible_name
               and not any(a <= m.start and m.end <= b for a, b in spans) for m in matches)

"""Scores and word-list hits → a decision with reasons. Pure: no I/O, no model.

The rule, per category ``c`` with thresholds ``review_at[c] ≤ reject_at[c]``:

* any *severe* word-list hit (unambiguous profanity, a slur)            → reject
* … written as a proper name ("Fucking, Austria"; ``names.py``)          → review
* any score ≥ ``reject_at``                                            → reject
* any score ≥ ``review_at``                                            → review
* no model (degraded mode)                                             → review: nothing is auto-approved
* otherwise                                                            → approve

and then (``hold_if_quoted``): a rejection that the comment's own words, outside quoted or
reported passages, would not earn ("the man shouting "…" has been charged") → review.

*Mild* hits (words that need context: "hell", "stupid", "kill") never decide on
their own; they are reported and highlighted, and the classifier weighs them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from .categories import CATEGORIES, Category
from .wordlist import Match, Severity

DEFAULT_MAX_LENGTH = 5000


class Decision(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Per-category cut-offs on the classifier's probability."""

    review_at: float
    reject_at: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.review_at <= self.reject_at <= 1.0:
            raise ValueError(
                f"thresholds must satisfy 0 ≤ review_at ≤ reject_at ≤ 1, got "
                f"{self.review_at} and {self.reject_at}"
            )


# Used when a model's sidecar names no thresholds of its own.
DEFAULT_THRESHOLDS: Mapping[Category, Thresholds] = {
    Category.OBSCENE: Thresholds(0.50, 0.90),
    Category.PERSONAL: Thresholds(0.40, 0.90),
    Category.DEROGATORY: Thresholds(0.35, 0.90),
}


@dataclass(frozen=True, slots=True)
class Policy:
    """What a site tolerates: thresholds per category and the length cap."""

    thresholds: Mapping[Category, Thresholds] = field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS)
    )
    max_length: int = DEFAULT_MAX_LENGTH

    def with_thresholds(self, overrides: Mapping[str, Thresholds]) -> Policy:
        """A copy with some categories' thresholds replaced (a site's own settings)."""
        merged = dict(self.thresholds)
        merged.update({Category(name): t for name, t in overrides.items()})
        return replace(self, thresholds=merged)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase that pushed a category's score up, with its span in the original text."""

    text: str
    weight: float
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "weight": round(self.weight, 4), "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The engine's answer for one comment."""

    decision: Decision
    scores: Mapping[str, float]
    matches: tuple[Match, ...]
    reasons: tuple[str, ...]
    model_version: str
    explanations: Mapping[str, tuple[Phrase, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the CLI and the APIs."""
        return {
            "decision": str(self.decision),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "matches": [m.to_dict() for m in self.matches],
            "reasons": list(self.reasons),
            "model_version": self.model_version,
            "explanations": {
                cat: [p.to_dict() for p in phrases] for cat, phrases in self.explanations.items()
            },
        }


def decide(
    scores: Mapping[str, float] | None,
    matches: Sequence[Match],
    policy: Policy,
) -> tuple[Decision, tuple[str, ...]]:
    """Apply the policy. ``scores`` is None when no model is loaded (degraded mode).

    The reasons are those of the decision: a rejection lists only what rejected it (the reader is
    told why; a category that merely reached its review threshold would mislead), a hold lists
    what held it."""
    reject: list[str] = []
    review: list[str] = []
    severe = [m for m in matches if m.severity is Severity.SEVERE]
    for m in _unique_terms([m for m in severe if not m.possible_name]):
        reject.append(f'{m.category} word "{m.term}"')
    for m in _unique_terms([m for m in severe if m.possible_name]):
        review.append(f'{m.category} word "{m.term}", written as a name or in an innocent sense: '
                      "held for review")
    if scores is None:
        review.append("no model loaded: held for human review")
    else:
        for cat in CATEGORIES:
            t = policy.thresholds[cat]
            s = scores[cat]
            if s >= t.reject_at:
                reject.append(f"{cat} {s:.2f} ≥ {t.reject_at:.2f}")
            elif s >= t.review_at:
                review.append(f"{cat} {s:.2f} ≥ {t.review_at:.2f}")
    if reject:
        return Decision.REJECT, tuple(reject)
    if review:
        return Decision.REVIEW, tuple(review)
    return Decision.APPROVE, ()


QUOTED = "in quoted or reported words: held for review"


def hold_if_quoted(
    verdict: tuple[Decision, tuple[str, ...]],
    own_words: tuple[Decision, tuple[str, ...]],
) -> tuple[Decision, tuple[str, ...]]:
    """``verdict`` for the whole comment, unless only its quoted words reject it.

    ``own_words`` is the decision on the text outside quoted and reported passages
    (``quotes.own_words_to_decide``).
    Quoting a slur or a bigoted claim in order to condemn it is not using it, but a quote can also
    carry an attack: a moderator decides. Never approves: the result is at least review."""
    decision, reasons = verdict
    if decision is not Decision.REJECT or own_words[0] is Decision.REJECT:
        return verdict
    held = tuple(f"{r}, {QUOTED}" for r in reasons)
    return Decision.REVIEW, held + tuple(r for r in own_words[1] if r not in held)


# What a rejected author is told, per category: the site rule in plain words, not a score.
READER_SCORE_REASON: Mapping[str, str] = {
    "obscene": "It reads as obscene or vulgar",
    "personal": "It reads as a personal attack",
    "derogatory": "It reads as demeaning a group of people",
}
READER_WORD_REASON: Mapping[str, str] = {
    "obscene": "an obscene word", "personal": "an insult", "derogatory": "a slur",
}
_WORD_REASON = re.compile(r'(obscene|personal|derogatory) word "(.*)"', re.DOTALL)
_SCORE_REASON = re.compile(r"(obscene|personal|derogatory) [0-9.]+ ≥ [0-9.]+")


def reader_reasons(reasons: Sequence[str]) -> tuple[str, ...]:
    """``decide``'s reasons for a rejection, as the author reads them: 'It uses an obscene word:
    "sh1t"', 'It reads as a personal attack'. A category named by a word is not repeated as a
    score; a reason of another shape is kept as it is."""
    worded = {m.group(1) for r in reasons if (m := _WORD_REASON.fullmatch(r))}
    out = []
    for r in reasons:
        if m := _WORD_REASON.fullmatch(r):
            out.append(f'It uses {READER_WORD_REASON[m.group(1)]}: "{m.group(2)}"')
        elif m := _SCORE_REASON.fullmatch(r):
            if m.group(1) not in worded:
                out.append(READER_SCORE_REASON[m.group(1)])
        else:
            out.append(r)
    return tuple(dict.fromkeys(out))


def _unique_terms(matches: Sequence[Match]) -> list[Match]:
    """One reason per distinct (category, folded word), in text order."""
    seen: set[tuple[str, str]] = set()
    out = []
    for m in matches:
        key = (m.category, m.word)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out

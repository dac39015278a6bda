"""The engine's front door: text → ``Verdict``.

``Scorer.score`` folds the text once, matches the word list, runs the classifier on the folded
text and hands both to the policy. Without a model (missing or refused at load) it runs on the
word list alone and auto-approves nothing.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from . import classifier as classifier_mod
from .categories import CATEGORIES, Category
from .errors import InvalidText, ModelRefused, TextTooLong
from .fields import encodable
from .names import mark_names
from .policy import (
    DEFAULT_THRESHOLDS,
    Decision,
    Phrase,
    Policy,
    Thresholds,
    Verdict,
    decide,
    hold_if_quoted,
)
from .quotes import own_words_to_decide
from .text import Folded, fold
from .wordlist import Match, Severity, WordList

log = logging.getLogger(__name__)

WORDLIST_ONLY = "wordlist-only"
EXPLAIN_TOP_K = 3


@dataclass(frozen=True)
class Scorer:
    """A word list, an optional classifier and a policy; immutable and safe to share across threads."""

    wordlist: WordList
    classifier: classifier_mod.Classifier | None
    policy: Policy = field(default_factory=Policy)
    model_error: str | None = None  # why the model is not loaded, in degraded mode

    @property
    def degraded(self) -> bool:
        return self.classifier is None

    @property
    def model_version(self) -> str:
        return self.classifier.version if self.classifier else WORDLIST_ONLY

    def score(self, text: str) -> Verdict:
        """Score one comment."""
        return self.score_many([text])[0]

    def score_many(self, texts: Sequence[str], *, explain: bool = True) -> list[Verdict]:
        """Score a batch; the classifier runs once over the whole batch."""
        verdicts = self._verdicts([fold(self.validate(t)) for t in texts], explain)
        # A rejected comment with quoted or reported passages is decided again on its own words,
        # the text outside them (policy.hold_if_quoted); rare, so a second, small batch.
        own = {i: fold(words) for i, v in enumerate(verdicts) if (words := own_words_to_decide(
            texts[i], v.decision is Decision.REJECT, v.matches)) is not None}
        for i, mine in zip(own, self._verdicts(list(own.values()), explain=False)):
            decision, reasons = hold_if_quoted((verdicts[i].decision, verdicts[i].reasons),
                                               (mine.decision, mine.reasons))
            verdicts[i] = replace(verdicts[i], decision=decision, reasons=reasons)
        return verdicts

    def _verdicts(self, folded: list[Folded], explain: bool) -> list[Verdict]:
        matched = [mark_names(f, self.wordlist.match(f)) for f in folded]
        matches = [m for m, _ in matched]
        if self.classifier is None:
            return [self._degraded_verdict(m) for m in matches]
        inputs = [text for _, text in matched]
        probs = self.classifier.predict_proba(inputs)
        verdicts = []
        for f, m, text, row in zip(folded, matches, inputs, probs):
            scores = {str(c): float(p) for c, p in zip(CATEGORIES, row)}
            decision, reasons = decide(scores, m, self.policy)
            phrases = self._explain(f, text, scores) if explain else {}
            verdicts.append(
                Verdict(decision, scores, tuple(m), reasons, self.model_version, phrases)
            )
        return verdicts

    def for_site(
        self,
        *,
        deny: Iterable[str] = (),
        allow: Iterable[str] = (),
        thresholds: Mapping[str, Thresholds] | None = None,
    ) -> Scorer:
        """A scorer with a site's own word lists and thresholds, sharing the loaded model."""
        deny, allow = tuple(deny), tuple(allow)
        wordlist = WordList.default(deny=deny, allow=allow) if deny or allow else self.wordlist
        policy = self.policy.with_thresholds(thresholds) if thresholds else self.policy
        return Scorer(wordlist, self.classifier, policy, self.model_error)

    def validate(self, text: object) -> str:
        """Return the text if it can be scored; raise InvalidText or TextTooLong otherwise."""
        if not isinstance(text, str):
            raise InvalidText(f"text must be a string, not {type(text).__name__}")
        if not text.strip():
            raise InvalidText("text is empty")
        try:
            encodable(text)
        except ValueError as exc:
            raise InvalidText(str(exc)) from None
        if len(text) > self.policy.max_length:
            raise TextTooLong(len(text), self.policy.max_length)
        return text

    def _degraded_verdict(self, matches: list[Match]) -> Verdict:
        scores = {str(c): 0.0 for c in CATEGORIES}
        for m in matches:
            weight = 1.0 if m.severity is Severity.SEVERE else 0.5
            scores[m.category] = max(scores[m.category], weight)
        decision, reasons = decide(None, matches, self.policy)
        return Verdict(decision, scores, tuple(matches), reasons, WORDLIST_ONLY)

    def _explain(
        self, folded: Folded, text: str, scores: Mapping[str, float]
    ) -> dict[str, tuple[Phrase, ...]]:
        """Top phrases for each category that reached its review threshold (what a moderator sees);
        ``text`` is what the classifier saw (names masked)."""
        assert self.classifier is not None
        wanted = [c for c in CATEGORIES if scores[c] >= self.policy.thresholds[c].review_at]
        if not wanted:
            return {}
        top = self.classifier.explain(text, k=EXPLAIN_TOP_K)
        return {c: tuple(_locate(folded, p, w) for p, w in top.get(c, [])) for c in wanted}


def _locate(folded: Folded, phrase: str, weight: float) -> Phrase:
    """Find a folded phrase in the text; its original span, or none for synthetic features."""
    words = phrase.split()
    if not words:
        return Phrase(phrase, weight)
    if len(words) == 1:
        found = _find_word(folded.text, words[0])
    else:
        m = _phrase_pattern(tuple(words)).search(folded.text)
        found = m.span() if m else None
    if found is None:
        return Phrase(phrase, weight)
    start, end = folded.span(*found)
    return Phrase(folded.original[start:end], weight, start, end)


_WORD_CHAR = re.compile(r"\w")


def _find_word(text: str, word: str) -> tuple[int, int] | None:
    r"""The first occurrence of ``word`` not inside a longer word: ``(?<!\w)word(?!\w)`` without
    compiling a pattern per word (most explained phrases are one word)."""
    i = text.find(word)
    while i >= 0:
        j = i + len(word)
        if not (i and _WORD_CHAR.match(text, i - 1)) and not _WORD_CHAR.match(text, j):
            return i, j
        i = text.find(word, i + 1)
    return None


@lru_cache(maxsize=4096)
def _phrase_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """The words with any non-word characters between them, as whole words."""
    return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)")


def default_model_dir() -> Path:
    """``$MODERATION_MODEL_DIR``, else the checkout's ``models/``, else the installed copy."""
    env = os.environ.get("MODERATION_MODEL_DIR")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parent.parent / "models"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "moderation" / "models"


def load_scorer(
    model_dir: str | Path | None = None,
    *,
    policy: Policy | None = None,
    max_length: int | None = None,
) -> Scorer:
    """Load the bundled (or given) model; fall back to the word list alone if it is refused."""
    directory = Path(model_dir) if model_dir is not None else default_model_dir()
    wordlist = WordList.default()
    try:
        clf: classifier_mod.Classifier | None = classifier_mod.load(directory)
        error = None
    except ModelRefused as exc:
        clf, error = None, str(exc)
        log.warning(
            "model refused (%s): running on the word list alone; nothing will be auto-approved",
            error,
        )
    if policy is None:
        policy = Policy(thresholds=_thresholds_of(clf))
    if max_length is not None:
        policy = Policy(policy.thresholds, max_length)
    return Scorer(wordlist, clf, policy, error)


def _thresholds_of(clf: classifier_mod.Classifier | None) -> dict[Category, Thresholds]:
    merged = dict(DEFAULT_THRESHOLDS)
    for name, (review_at, reject_at) in (getattr(clf, "thresholds", None) or {}).items():
        merged[Category(name)] = Thresholds(review_at, reject_at)
    return merged

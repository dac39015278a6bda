"""Word-list matching on folded text, built from better-profanity's list in severity tiers.

better-profanity's 916 entries mix unambiguous profanity with words every news story uses
("god", "gay", "kill", "breasts", "pot", "strip", "stroke"); as a hard rule the whole list hits
about a third of clean comments. So every entry is filed, by hand, into one of the reviewed data
files in ``moderation/lexicon/`` (a test keeps the split complete and disjoint):

* SEVERE (rejects on its own): ``severe_obscene.txt`` (fuck, cunt, motherfucker, blowjob, …)
  and ``severe_slur.txt`` → "derogatory" (slurs with no everyday meaning).
* MILD (highlighted; the classifier decides): ``insults.txt`` → "personal" (idiot, moron,
  stupid: "idiotic policy" is fair comment), ``mild_personal.txt`` (kill, murder, rape: crime
  reporting), ``mild_obscene.txt`` (hell, damn, god, breasts, anal, weed) and
  ``mild_derogatory.txt``. Identity words — gay, queer, lesbians, negro, nazi, hitler — are MILD
  "derogatory": neutral reporting uses them, and a list cannot tell reporting from abuse. Slurs
  that are also ordinary words or names (chink in the armour, coon, paddy, jap, slope) are
  MILD too.

Construction folds every entry with :func:`moderation.text.fold` and indexes, once, the
variants better-profanity would accept (its ``CHARS_MAPPING``: ``*`` for a vowel, ``l`` for
``i``, ``v`` for ``u``; digits and ``@$!`` are already undone by folding) and, for SEVERE words,
simple inflections (-s, -es, -ed, -er, -ers, -ing, -in, -y). Matching is whole-token: single
tokens, multi-word entries as token n-grams ("blow job", "blow-job"), and SEVERE words split
into 2–3 pieces ("fu ck", "as shole"). Scunthorpe, assassin, cocktail and Dickens are one token
each, so they never match.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from typing import Any

from .text import Folded, fold


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
    possible_name: bool = False  # written as a proper name ("Fucking, Austria"): see names.py

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "term": self.term,
            "start": self.start,
            "end": self.end,
            "word": self.word,
            "category": self.category,
            "severity": str(self.severity),
        }
        if self.possible_name:
            out["possible_name"] = True
        return out


@dataclass(frozen=True, slots=True)
class Entry:
    """One list entry, folded, as the index stores it."""

    word: str
    category: str
    severity: Severity
    disguised_only: bool = False  # "s0b": match only when not written as the plain word "sob"


TIERS: dict[str, tuple[str, Severity]] = {
    "severe_obscene.txt": ("obscene", Severity.SEVERE),
    "severe_slur.txt": ("derogatory", Severity.SEVERE),
    "insults.txt": ("personal", Severity.MILD),
    "mild_obscene.txt": ("obscene", Severity.MILD),
    "mild_personal.txt": ("personal", Severity.MILD),
    "mild_derogatory.txt": ("derogatory", Severity.MILD),
}

_TOKEN = re.compile(r"\**[^\W_]+(?:['*]+[^\W_]+)*\**")
_WORD = re.compile(r"[^\W_]+(?:['*]+[^\W_]+)*")
_CLITICS = frozenset({"s", "re", "ll", "d", "ve", "m", "t"})
# better-profanity's CHARS_MAPPING, minus what folding already undoes (digits, @, $).
_VARIANTS = {"a": "a*", "e": "e*", "i": "il*", "o": "o*", "u": "uv*", "v": "vu*"}
_MAX_VARIANTS = 4096
# Variants that are everyday words or names (found on the shared comment corpora): better-profanity
# flags "gal" as "gai" and the SPLC as "spic"; we do not.
_NOT_VARIANTS = frozenset({"gal", "splc", "rvm", "guldo"})
_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
# Tried first when a masked token ("f**k") fits several words.
_LIKELY_MASKED = ("fuck", "shit", "cunt", "bitch", "twat", "whore", "slut", "wank", "asshole")
# Words that never start or continue a split-up word: joining them made names into inflections
# ("Twatt in" → "twattin'") and plain prose into oaths ("who re-elected" → "whore").
_FUNCTION_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "i", "in", "is", "it", "of", "on", "or", "the", "to",
     "who", "he", "she", "we", "his", "her", "was", "for", "with"}
)
_NEVER_STARTS = _FUNCTION_WORDS - {"as"}  # "as shole" is a disguise; "who re-elected" is prose
_GAP = re.compile(r"[ .\-_*~/|]{1,3}")  # may split a phrase or a word: "blow-job", "fu ck"


def bp_words() -> list[str]:
    """better-profanity's bundled list, as shipped."""
    raw = files("better_profanity").joinpath("profanity_wordlist.txt").read_text("utf-8")
    return [w.strip() for w in raw.splitlines() if w.strip()]


def lexicon_text(name: str) -> str:
    """A file of ``lexicon/``, from the package that holds this code."""
    return files(__package__ or "moderation").joinpath("lexicon", name).read_text("utf-8")


def read_tiers() -> Iterator[tuple[str, str, Severity, bool]]:
    """(entry, category, severity, disguised_only) from the lexicon files."""
    for name, (category, severity) in TIERS.items():
        for line in lexicon_text(name).splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                yield line.lstrip("~"), category, severity, line.startswith("~")


class WordList:
    """An index of folded list entries; build it with :meth:`default`."""

    def __init__(self, entries: Iterable[tuple[str, str, Severity, bool]]) -> None:
        self._single: dict[str, Entry] = {}
        self._phrases: dict[tuple[str, ...], Entry] = {}
        self._phrase_len: dict[str, int] = {}  # first token → longest phrase starting with it
        exact: list[tuple[str, Entry]] = []
        for raw, category, severity, disguised in entries:
            tokens = _WORD.findall(fold(raw).text)
            if not tokens:
                continue
            entry = Entry(" ".join(tokens), category, severity, disguised)
            if len(tokens) > 1:
                self._add_phrase(tuple(tokens), entry)
            exact.append(("".join(tokens), entry))
        # Exact spellings win over variants and inflections; one-word entries over joined
        # phrases ("bullshit" over "bull shit").
        exact.sort(key=lambda ke: " " in ke[1].word)
        for key, entry in exact:
            self._add(key, entry)
        for key, entry in exact:
            for form in _inflections(entry):
                self._add(form, entry)
            for form in _variants(key):
                if form not in _NOT_VARIANTS:
                    self._add(form, entry)
        severe = [k for k, e in self._single.items() if e.severity is Severity.SEVERE]
        self._prefixes = {k[:i] for k in severe for i in range(1, len(k))}
        self._masked = sorted(k for k in severe if k.isalpha())
        self._starts = frozenset(self._single) | frozenset(self._phrase_len)
        self._multi_starts = frozenset(self._phrase_len) | (self._prefixes - set(self._single))
        self._scan_starts = self._starts | self._multi_starts

    @classmethod
    def default(
        cls, deny: Iterable[str | tuple[str, str]] = (), allow: Iterable[str] = ()
    ) -> WordList:
        """The lexicon tiers plus a site's ``deny`` words (SEVERE; "obscene" unless given as
        ``(word, category)``), minus its ``allow`` words (folded, with all their variants)."""
        entries = list(read_tiers())
        filed = {e[0].casefold() for e in entries}
        # A better-profanity upgrade must not silently drop words: unfiled ones come in MILD.
        entries += [(w, "obscene", Severity.MILD, False) for w in bp_words()
                    if w.casefold() not in filed]
        for d in deny:
            word, category = (d, "obscene") if isinstance(d, str) else d
            entries.insert(0, (word, category, Severity.SEVERE, False))
        allowed = {_plain(a) for a in allow}
        return cls(e for e in entries if _plain(e[0]) not in allowed)

    def match(self, folded: Folded) -> list[Match]:
        """Matches in text order, with spans in the original text."""
        return [] if self._clean(folded) else self._scan(folded)

    def _scan(self, folded: Folded) -> list[Match]:
        """The full token-by-token scan that ``_clean`` lets clean comments skip."""
        text = folded.text
        words = _TOKEN.findall(text)
        toks = list(_TOKEN.finditer(text))  # two scans in C: cheaper than one loop in Python
        out: list[Match] = []
        resume = 0  # the first token after the last match
        for i in self._candidates(words, toks, folded):
            if i < resume:
                continue
            entry, j = (self._multi(words, toks, i, text) if words[i] in self._multi_starts
                        else (None, i))
            start = toks[i].start()
            if entry is None:
                entry, j = self._lookup(words[i], start, toks[i].end(), folded), i + 1
                entry, start = self._after_article(words[i], entry, start, toks[i].end(), folded)
            if entry is not None:
                s, e = folded.span(start, toks[j - 1].end())
                term = folded.original[s:e]
                if not (entry.disguised_only and term.casefold() == entry.word):
                    out.append(Match(term, s, e, entry.word, entry.category, entry.severity))
                    resume = j
        return out

    def _candidates(self, words: list[str], toks: list[re.Match[str]],
                    folded: Folded) -> Iterable[int]:
        """Indices of the tokens that can start a match: a key or key prefix, a token with
        digits, masks or apostrophes, one holding "fuck", or one that folding shortened
        (stretched or spaced letters). Any other token fails every lookup, so skipping it skips
        the per-token work for most of a comment's words."""
        keys = self._scan_starts
        # ASCII text that kept its length lost nothing in folding: no token was shortened
        may_shorten = not (len(folded.text) == len(folded.original) and folded.original.isascii())
        return [i for i, t in enumerate(words)
                if t in keys or not t.isalpha() or "fuck" in t
                or (may_shorten and _shortened(folded, toks[i].start(), toks[i].end()))]

    def _clean(self, folded: Folded) -> bool:
        """Fast path: no token can start a match (set operations in C, little per-token Python)."""
        text = folded.text
        words = _WORD.findall(text)
        if not self._starts.isdisjoint(words) or "*" in text or "fuck" in text:
            return False
        if not _unstretched(folded):
            return False
        for w in words:  # the slow path reads clitics ("shit's") and digits ("a55") too
            if not w.isalpha() and not self._starts.isdisjoint(
                w.split("'") + w.replace("11", "ll").translate(_DIGITS).split("'")
            ):
                return False
        prefixes = self._prefixes
        if prefixes.isdisjoint(words):
            return True
        firsts = [k for k, w in enumerate(words[:-1]) if w in prefixes]
        return not any(_split_word(self, words, k) for k in firsts)

    # -- construction ------------------------------------------------------------------------

    def _add(self, key: str, entry: Entry) -> None:
        old = self._single.get(key)
        if old is None or (old.severity is Severity.MILD and entry.severity is Severity.SEVERE):
            self._single[key] = entry

    def _add_phrase(self, tokens: tuple[str, ...], entry: Entry) -> None:
        self._phrases.setdefault(tokens, entry)
        first = tokens[0]
        self._phrase_len[first] = max(self._phrase_len.get(first, 0), len(tokens))

    def _entries(self) -> set[Entry]:
        return set(self._single.values()) | set(self._phrases.values())

    # -- matching ----------------------------------------------------------------------------

    def _multi(
        self, words: list[str], toks: list[re.Match[str]], i: int, text: str
    ) -> tuple[Entry | None, int]:
        """A phrase ("blow job") or a split-up SEVERE word ("fu ck") starting at token i."""
        first = words[i]
        for n in range(min(self._phrase_len.get(first, 0), len(toks) - i), 1, -1):
            entry = self._phrases.get(tuple(words[i:i + n]))
            if entry is not None and all(_adjacent(toks[k], toks[k + 1], text)
                                         for k in range(i, i + n - 1)):
                return entry, i + n
        if (first in self._single or first not in self._prefixes or first in _NEVER_STARTS
                or i + 1 == len(toks)):
            return None, i  # a whole word stays one match: "twats in" is "twats"
        found: tuple[Entry | None, int] = (None, i)
        joined = first
        for j in range(i + 1, min(i + 3, len(toks))):
            if not _adjacent(toks[j - 1], toks[j], text) or words[j] in _FUNCTION_WORDS:
                break  # "Twatt in Orkney" is a name and a word, not "twattin'"
            joined += words[j]
            entry = self._single.get(joined)
            if entry is not None and entry.severity is Severity.SEVERE:
                found = (entry, j + 1)
            if joined not in self._prefixes:
                break
        return found

    def _lookup(self, tok: str, start: int, end: int, folded: Folded) -> Entry | None:
        """One token: as folded, then contractions, masks, digits and stretched letters."""
        entry = self._single.get(tok)
        if entry is not None:
            return entry
        if "'" in tok:
            base, _, clitic = tok.rpartition("'")
            if clitic in _CLITICS:
                return self._lookup(base, start, end, folded)
        if "*" in tok:
            core = tok.strip("*")
            return self._unmask(core, _LIKELY_MASKED) or self._single.get(core) or self._unmask(
                core, self._masked)
        if not tok.isalpha() and any(c.isdigit() for c in tok):  # "a55", "sh17": left by fold
            entry = self._single.get(tok.replace("11", "ll").translate(_DIGITS))
            if entry is not None:
                return entry
        if "fuck" in tok:  # no English word contains it: "fuckery", "fuckwittery"
            return self._single.get("fuck")
        if _shortened(folded, start, end):
            return self._disguised(_unsqueeze(tok, start, folded))
        return None

    def _after_article(self, tok: str, entry: Entry | None, start: int, end: int,
                       folded: Folded) -> tuple[Entry | None, int]:
        """A spaced-out word after the article "a" or the pronoun "I": folding joins "a s h i t"
        into one token, "ashit". The word after the letter is looked up when the whole token
        matched nothing, and the match then starts after it; it also starts after it when both
        match and the word after is no milder ("a f u c k i n g" is shown without the "a ")."""
        if tok[0] not in "ai" or len(tok) < 4 or not _shortened(folded, start, end):
            return entry, start
        rest = self._lookup(tok[1:], start + 1, end, folded)
        if rest is not None and (entry is None or rest.severity is entry.severity
                                 or rest.severity is Severity.SEVERE):
            return rest, start + 1
        return entry, start

    def _disguised(self, tok: str) -> Entry | None:
        """A token that folding shortened (stretched, spaced): the word, or a word it starts with
        ("a s s e d", "n i g g e r f a g g o t")."""
        for k in range(len(tok), 2, -1):
            entry = self._single.get(tok[:k])
            if entry is not None:
                return entry
        return None

    def _unmask(self, tok: str, candidates: Iterable[str]) -> Entry | None:
        """A SEVERE word with letters masked by ``*`` ("f**k", "c**t")."""
        if sum(c.isalpha() for c in tok) < 2 or not tok.replace("*", "").isalpha():
            return None
        pattern = re.compile(tok.replace("*", "[a-z]"))
        key = next((k for k in candidates if len(k) == len(tok) and pattern.fullmatch(k)), None)
        return self._single.get(key) if key else None


def _plain(word: str) -> str:
    """An entry's folded form with every digit read as a letter ("he11" → "hell")."""
    return " ".join(_WORD.findall(fold(word).text)).replace("11", "ll").translate(_DIGITS)


def _split_word(wl: WordList, words: list[str], k: int) -> bool:
    """Whether words[k:k+2] or words[k:k+3] join into a SEVERE word (fast-path check)."""
    if (words[k] in wl._single or words[k] not in wl._prefixes or words[k] in _NEVER_STARTS
            or words[k + 1] in _FUNCTION_WORDS):
        return False
    joined = words[k] + words[k + 1]
    if joined in wl._single:
        return True
    return k + 2 < len(words) and joined in wl._prefixes and joined + words[k + 2] in wl._single


def _shortened(folded: Folded, start: int, end: int) -> bool:
    """Did folding shorten the folded token [start, end) (spaced or stretched letters)?"""
    return folded.ends[end - 1] - folded.starts[start] > end - start


def _unstretched(folded: Folded) -> bool:
    """No squeezed letters and no joined spelling (then the disguise fallback has nothing to do).

    Lengths alone decide for ASCII; otherwise NFKC expansions ("ﬁ") could hide a deletion, so
    every folded character must also come from exactly one original one.
    """
    if len(folded.text) != len(folded.original):
        return False
    return folded.original.isascii() or sum(folded.ends) - sum(folded.starts) == len(folded.text)


def _adjacent(a: re.Match[str], b: re.Match[str], text: str) -> bool:
    return _GAP.fullmatch(text, a.end(), b.start()) is not None


def _unsqueeze(tok: str, start: int, folded: Folded) -> str:
    """Undo text.fold's squeeze to two letters where it happened: "fuuck" → "fuck"."""
    out = []
    for k, c in enumerate(tok):
        squeezed = folded.ends[start + k] - folded.starts[start + k] > 1
        if not (k and squeezed and c == tok[k - 1]):
            out.append(c)
    return "".join(out)


def _variants(key: str) -> Iterator[str]:
    """better-profanity's substitutions, in folded form ("f*ck", "dlck", "fvck")."""
    options = [_VARIANTS.get(c, c) for c in key]
    total = 1
    for o in options:
        total *= len(o)
    if total > _MAX_VARIANTS:  # very long entries: one substitution at a time
        for k, o in enumerate(options):
            for c in o[1:]:
                yield key[:k] + c + key[k + 1:]
        return
    for combo in itertools.product(*options):
        yield "".join(combo)


def _inflections(entry: Entry) -> Iterator[str]:
    """-s, -es, -ed, -er, -ers, -ing, -in, -y, with a doubled final consonant or a dropped e.

    SEVERE words only; slurs get the plural alone ("spic" must not reach "spicy", "spac" not
    "spacing").
    """
    key = entry.word.replace(" ", "")
    if entry.severity is Severity.MILD or len(key) < 4 or not key.isalpha():
        return
    if entry.category != "obscene":
        yield key + "s"
        return
    stems = [key, key + key[-1]] if key[-1] not in "aeiouy" else [key]
    if key.endswith("e"):
        stems.append(key[:-1])
    for stem in stems:
        for suffix in ("s", "es", "ed", "er", "ers", "ing", "in", "y"):
            yield stem + suffix

"""Text folding: map a comment onto a canonical form for matching and scoring.

``fold`` runs four stages, each keeping a map from folded characters back to the original:

1. characters: NFKC, casefold, diacritics and format (Cf) characters dropped, Cyrillic/Greek/
   small-capital look-alikes and enclosed letters (🅵, 🅕, 🇫) mapped to Latin, typographic
   quotes and dashes to ASCII;
2. spaced letters: three or more single characters split by the same separator are joined
   (``f u c k``, ``b.u.l.l.s.h.i.t``, ``s-h-1-t``) when at least two of them are letters;
3. leetspeak, inside tokens that contain letters (``sh1t``, ``a$$``, ``f@ck``, ``sh!t``);
   numbers, prices, times, ``1990s``, ``10am``, ``mp3`` and ``covid19`` stay as they are;
4. stretched letters: runs of three or more identical letters become two (``fuuuck`` →
   ``fuuck``; the word list tries the single-letter form for squeezed runs).

ASCII text skips stage 1 (NFKC and casefold are ``str.lower`` there), and one RE2 pass over it
(``patternset``) tells which of stages 2–4 can have anything to do; the others are skipped
(``bench/stages.py``: ~12 µs per typical comment, against ~28 µs running every stage). Other
text runs every stage. Folding is idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .patternset import PatternSet

# Look-alikes NFKC leaves alone. Mapping them always (not only in mixed-script words) also
# turns genuine Cyrillic or Greek into Latin-ish strings: acceptable for an English-language
# site, and it keeps folding a per-character function, hence idempotent.
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ӏ": "l", "ү": "y",
        "ѵ": "v", "ъ": "b", "ь": "b",
        # Greek
        "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "u",
        "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ς": "s",
        # Latin letters without a decomposition, and small capitals
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƒ": "f", "ɑ": "a",
        "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h",
        "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p",
        "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
        # Punctuation, so that "it’s" tokenizes like "it's"
        "‘": "'", "’": "'", "ʼ": "'", "´": "'", "‛": "'", "′": "'",
        "“": '"', "”": '"', "„": '"', "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-",
        "―": "-", "−": "-",
    }
    # Enclosed letters NFKC leaves alone: negative circled (🅐), negative squared (🅰) and the
    # regional indicators that flags are made of (🇦; a flag then reads as its country code).
    | {chr(base + k): chr(ord("a") + k) for base in (0x1F150, 0x1F170, 0x1F1E6) for k in range(26)}
)
# Invisible characters that are not Cf: Hangul fillers, braille blank.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Combining diacritics (not all Mn: Indic vowel signs and Hebrew points are Mn too).
_DIACRITIC_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                     (0xFE00, 0xFE0F), (0xFE20, 0xFE2F))

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# `\b` first: about twice as fast as a look-behind, at the price of "$ h i t" (no word start).
_SPACED = re.compile(
    r"(?<![\w@$])[a-z0-9@$](?P<sep>(?:[^\w\n@$]|_){1,3})[a-z0-9@$](?:(?P=sep)[a-z0-9@$])+(?![^\W_]|[@$])"
)
# "f#ck", "sh%t": a symbol standing for a letter inside a word is a mask, like "*" ("f*ck").
_MASK_INSIDE = re.compile(r"(?<=[a-z])[#%](?=[a-z])")
_LEET_RUN = re.compile(r"(?<![a-z0-9@$!+])[a-z0-9@$!+]*[0-9@$!+][a-z0-9@$!+]*")
# ASCII gate for stage 3: classify bytes (letter → a, digit or @$+ → 0) and look for a letter
# next to a leet character with bytes.find, instead of running the regex over clean prose.
_CLASSES = bytes(
    ord("a") if chr(b).isalpha() else ord("0") if chr(b).isdigit() or chr(b) in "@$+" else b
    for b in range(128)
) + bytes(128)
_KEEP_AS_IS = re.compile(
    r"\$?\d+[a-z]{1,3}"  # 1990s, 10am, 4th, $5bn
    r"|[a-z]{1,3}\d"  # mp3, g7, ww2
    r"|[a-z]+\d{2,}"  # covid19, a380, he11 (the list has it as written)
)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "@": "a", "$": "s", "!": "i"})
_SQUEEZE = re.compile(r"([a-z])\1\1+")

# Necessary conditions for stages 2–4 on lower-cased ASCII text, in RE2's syntax (no look-arounds,
# no back-references): three single characters split by separators (``_SPACED`` without the
# same-separator rule); ``_maybe_leet``'s hints; a letter three times (``_SQUEEZE``).
_SPACED_HINT = re.compile(r"(?:^|[^\w@$])[a-z0-9@$](?:[^\w\n@$]|_){1,3}[a-z0-9@$]"
                          r"(?:[^\w\n@$]|_){1,3}[a-z0-9@$](?:[^\w@$]|_|$)")
_LEET_HINT = re.compile(r"[a-z][0-9@$+]|[0-9@$+][a-z]|![a-z]|[a-z]![0-9@$+]")
_SQUEEZE_HINT = re.compile("|".join(c * 3 for c in "abcdefghijklmnopqrstuvwxyz"))
_HINTS = PatternSet([_SPACED_HINT, _LEET_HINT, _SQUEEZE_HINT])
_SPACED_AT, _LEET_AT, _SQUEEZE_AT = range(3)
_PLUS = re.compile(r"(?<=[a-z])\+(?=[a-z]|$)")


@dataclass(frozen=True, slots=True)
class Folded:
    """Folded text plus, for each folded character, the span of original text it came from."""

    original: str
    text: str
    # starts[i]: index in `original` of the first char behind text[i]; ends[i]: one past the
    # last. A range when folding kept every character in place (no tuple to build).
    starts: tuple[int, ...] | range
    ends: tuple[int, ...] | range

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original-text span covering folded characters [start, end)."""
        return self.starts[start], self.ends[end - 1]


# Offsets while folding: None means the identity map (the ASCII fast path, until a stage
# deletes characters), otherwise parallel lists of starts and ends.
_Offsets = tuple[list[int], list[int]] | None


def fold(text: str, *, hints: bool = True) -> Folded:
    """Fold ``text``; ``fold(fold(t).text).text == fold(t).text``. ``hints=False`` runs every
    stage (the reference the skipping is tested against)."""
    found: frozenset[int] | None = None  # None: run every stage
    if text.isascii():
        s, offsets = text.lower(), None
        if hints and _HINTS.accelerated:
            found = _HINTS.found(s)
            if _SPACED_AT in found:
                found = None  # joining letters can make new hints: "s h 1 t", "a a a"
    else:
        s, offsets = _fold_chars(text)
    if found is None:
        s, offsets = _join_spaced(s, offsets)
    if _LEET_AT in found if found is not None else _maybe_leet(s):
        s = _LEET_RUN.sub(_unleet, s)
        found = None  # "b00o" → "booo"
    if "#" in s or "%" in s:
        s = _MASK_INSIDE.sub("*", s)  # one for one: the offsets stay as they are
    if found is None or _SQUEEZE_AT in found:
        s, offsets = _squeeze(s, offsets)
    if offsets is None:
        return Folded(text, s, range(len(s)), range(1, len(s) + 1))
    return Folded(text, s, tuple(offsets[0]), tuple(offsets[1]))


def _fold_chars(text: str) -> tuple[str, _Offsets]:
    """Stage 1 for non-ASCII text: ASCII runs in bulk, other characters one by one."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _NON_ASCII.finditer(text + "\x00"):  # sentinel: the loop also flushes the tail
        a, b = m.span()
        if a > pos:
            out.append(text[pos:a].lower())
            starts.extend(range(pos, a))
            ends.extend(range(pos + 1, a + 1))
        for i in range(a, min(b, len(text))):
            f = fold_char(text[i])
            out.append(f)
            starts.extend([i] * len(f))
            ends.extend([i + 1] * len(f))
        pos = b
    if pos < len(text):
        out.append(text[pos:].lower())
        starts.extend(range(pos, len(text)))
        ends.extend(range(pos + 1, len(text) + 1))
    return "".join(out), (starts, ends)


@lru_cache(maxsize=1 << 16)
def fold_char(ch: str) -> str:
    """Stage 1 for one character, iterated to a fixed point so that folding is idempotent."""
    s = ch
    for _ in range(4):
        t = _fold_once(s)
        if t == s:
            break
        s = t
    return s


def _fold_once(s: str) -> str:
    kept = [c for c in unicodedata.normalize("NFKD", s) if not _invisible(c)]
    return unicodedata.normalize("NFKC", "".join(kept).casefold()).translate(_HOMOGLYPHS)


def _invisible(c: str) -> bool:
    o = ord(c)
    if any(a <= o <= b for a, b in _DIACRITIC_RANGES):
        return True
    return c in _INVISIBLE or unicodedata.category(c) == "Cf"


def _join_spaced(s: str, offsets: _Offsets) -> tuple[str, _Offsets]:
    """Stage 2: drop the separators of ``f u c k``-style runs."""
    keep: list[int] = []
    pos = 0
    for m in _SPACED.finditer(s):
        a, b = m.span()
        chunk = m.group()
        if sum(c.isalpha() for c in chunk) < 2:  # "1 2 3" and "$ 5 0" are not words
            continue
        keep.extend(range(pos, a))
        keep.extend(range(a, b, len(m.group("sep")) + 1))  # char, sep, char, sep, …, char
        pos = b
    if not keep:
        return s, offsets
    keep.extend(range(pos, len(s)))
    text = "".join(map(s.__getitem__, keep))
    if offsets is None:
        return text, (keep, list(map((1).__add__, keep)))
    starts, ends = offsets
    return text, (list(map(starts.__getitem__, keep)), list(map(ends.__getitem__, keep)))


def _maybe_leet(s: str) -> bool:
    if not s.isascii():
        return True
    classes = s.encode("ascii").translate(_CLASSES)
    # a letter next to a digit, or a bang before a letter ("sh!t", "!diot"), or after one and
    # before a digit
    return b"a0" in classes or b"0a" in classes or b"!a" in classes or b"a!0" in classes


def _unleet(m: re.Match[str]) -> str:
    """Stage 3 for one run of letters, digits and ``@$!+``: one character in, one out."""
    run = m.group()
    core = run.strip("!")  # bangs around a word are punctuation: "wow!!", "!!no"
    if not core or not any("a" <= c <= "z" for c in core) or _KEEP_AS_IS.fullmatch(core):
        return run
    if sum(c.isdigit() for c in core) > sum("a" <= c <= "z" for c in core):
        return run  # mostly a number: "4x4", "h5n1n2"
    mapped = core.replace("11", "ll").translate(_LEET)  # "bu11shit", while "b1tch" keeps its i
    if "+" in mapped and len(mapped) > 3:  # "shi+", "l3i+ch"; but not "c++" or a grade "a+"
        mapped = _PLUS.sub("t", mapped)
    lead = len(run) - len(run.lstrip("!"))
    return run[:lead] + mapped + run[lead + len(core):]


def _squeeze(s: str, offsets: _Offsets) -> tuple[str, _Offsets]:
    """Stage 4: runs of three or more identical letters become two; the second covers the rest."""
    if not _SQUEEZE.search(s):
        return s, offsets
    starts, ends = offsets if offsets is not None else (list(range(len(s))),
                                                        list(range(1, len(s) + 1)))
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for m in _SQUEEZE.finditer(s):
        a, b = m.span()
        out.append(s[pos:a] + s[a] * 2)
        new_starts.extend(starts[pos:a + 2])
        new_ends.extend(ends[pos:a + 1])
        new_ends.append(ends[b - 1])
        pos = b
    out.append(s[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), (new_starts, new_ends)

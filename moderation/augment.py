"""Counterfactual group swaps: the news corpus again with one identity group put for another.

A linear model learns which words go with which label. The public data's hate examples name a
few groups over and over, so the bare mention of those groups ("The Muslim community raised
money …") scored as derogatory, while attacks on groups it rarely saw scored low. Swapping the
group in each corpus line, with the labels unchanged, teaches that the *structure* ("X are all
thieves", "send them back") carries the label and the group name does not. This is counterfactual
data augmentation (Garg et al., AIES 2019; Dixon et al., AIES 2018 for the identity-term bias).

Only protected identities are swapped (nationality, ethnicity, religion, gender, sexuality,
disability, age), each within its grammatical class, never slurs or political labels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .datasets import LabelledSet


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# People, in the plural: "Muslims are …", "the refugees arrived".
PLURALS = _words(
    "muslims jews christians hindus sikhs buddhists catholics immigrants migrants refugees poles "
    "romanians nigerians pakistanis mexicans somalis syrians afghans arabs africans asians indians "
    "albanians bulgarians turks kurds russians ukrainians israelis palestinians women lesbians "
    "pensioners teenagers ghanaians eritreans filipinos brazilians kenyans iraqis iranians"
)
# Identity adjectives: "the Muslim community", "a Polish neighbour", "disabled people".
ADJECTIVES = _words(
    "muslim jewish christian hindu sikh buddhist catholic polish romanian nigerian pakistani "
    "mexican somali syrian afghan arab african asian indian chinese irish black gay lesbian trans "
    "disabled elderly deaf immigrant albanian bulgarian turkish kurdish russian ukrainian israeli "
    "palestinian ghanaian eritrean filipino brazilian kenyan iraqi iranian"
)
LOWERCASE = frozenset(_words("immigrants migrants refugees women lesbians pensioners teenagers "
                             "black gay lesbian trans disabled elderly deaf immigrant"))
VARIANTS = 2  # swapped copies per line that names a group
_CLASSES = (PLURALS, ADJECTIVES)
_PATTERNS = tuple(re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE) for words in _CLASSES)


def swap_groups(text: str, rng: np.random.Generator, variants: int = VARIANTS) -> list[str]:
    """Up to ``variants`` copies of ``text``, each with every group term replaced by another of
    its class (the same replacement for repeats of one term); [] if the text names no group."""
    found = [(k, m.group(1).casefold()) for k, pat in enumerate(_PATTERNS) for m in pat.finditer(text)]
    if not found:
        return []
    out = []
    for _ in range(variants):
        mapping: dict[str, str] = {}
        for k, term in found:
            if term not in mapping:
                choices = [w for w in _CLASSES[k] if w != term]
                mapping[term] = choices[int(rng.integers(len(choices)))]
        swapped = _replace(text, mapping)
        if swapped != text:
            out.append(swapped)
    return out


def _replace(text: str, mapping: dict[str, str]) -> str:
    for pat in _PATTERNS:
        text = pat.sub(lambda m: _cased(m.group(1), mapping[m.group(1).casefold()]), text)
    return text


def _cased(original: str, replacement: str) -> str:
    """Proper adjectives and demonyms are capitalised; others follow the original's first letter."""
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if replacement in LOWERCASE and not original[:1].isupper():
        return replacement
    return replacement[:1].upper() + replacement[1:]


def augmented(sets: Sequence[LabelledSet], seed: int = 0, name: str = "augmented-news") -> LabelledSet:
    """One set of group-swapped copies of every line in ``sets`` that names a group."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    rows: list[np.ndarray] = []
    kinds: list[str] = []
    for s in sets:
        for text, labels, kind in zip(s.texts, s.labels, s.meta.get("kind", [""] * len(s)),
                                      strict=True):
            for variant in swap_groups(text, rng):
                texts.append(variant)
                rows.append(labels)
                kinds.append(kind)
    labels = np.vstack(rows) if rows else np.zeros((0, sets[0].labels.shape[1] if sets else 3))
    return LabelledSet(name, texts, labels, {"kind": kinds})

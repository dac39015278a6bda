"""Folding: the obfuscation table, numbers that must survive, and properties (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.text import fold

OBFUSCATIONS = [
    ("f#ck", "f*ck"),  # a symbol inside a word is a mask
    ("sh%t", "sh*t"),
    ("sh1t", "shit"),
    ("a$$", "ass"),
    ("a$$hole", "asshole"),
    ("f@ck", "fack"),
    ("sh!t", "shit"),
    ("$hit", "shit"),
    ("b1tch", "bitch"),
    ("@ss", "ass"),
    ("phuck", "phuck"),  # "ph" stays: the word list has the ph- spellings
    ("bu11shit", "bullshit"),
    ("shi+", "shit"),
    ("fuuuck", "fuuck"),
    ("biiitch", "biitch"),
    ("shiiiit", "shiit"),
    ("f u c k", "fuck"),
    ("b.u.l.l.s.h.i.t", "bullshit"),
    ("s-h-i-t", "shit"),
    ("f_u_c_k", "fuck"),
    ("s-h-1-t", "shit"),
    ("$ h i t", "shit"),  # a leet symbol may open a spaced run
    ("@ s s", "ass"),
    ("p.u.s.s.y.", "pussy."),
    ("ѕһіt", "shit"),  # Cyrillic dze, shha, byelorussian i
    ("ｆｕｃｋ", "fuck"),  # fullwidth
    ("𝐟𝐮𝐜𝐤", "fuck"),  # mathematical bold
    ("🅵🆄🅲🅺", "fuck"),  # negative squared: no NFKC decomposition
    ("🅢🅗🅘🅣", "shit"),  # negative circled
    ("🇫🇺🇨🇰", "fuck"),  # regional indicators
    ("ꜰᴜᴄᴋ", "fuck"),  # small capitals
    ("f\u200buck", "fuck"),  # zero-width space
    ("f\u00adu\u200dck", "fuck"),  # soft hyphen, zero-width joiner
    ("fúck", "fuck"),
    ("FUCK", "fuck"),
    ("it’s", "it's"),
    ("sh!t!", "shit!"),
]

UNCHANGED = [
    "#metoo",
    "c# developers",
    "50% of voters",
    "2020",
    "$100",
    "5:30",
    "covid-19",
    "covid19",
    "the 1990s",
    "at 10am",
    "an mp3",
    "a 4x4",
    "c++",
    "an a+ grade",
    "wow!!!",
    "i am a reader",
    "e.g. and i.e.",
    "u.s. policy",
    "scunthorpe assassin cocktail",
    "1, 2, 3",
]


@pytest.mark.parametrize(("text", "folded"), OBFUSCATIONS)
def test_obfuscations_fold_to_plain_letters(text: str, folded: str) -> None:
    assert fold(text).text == folded


@pytest.mark.parametrize("text", UNCHANGED)
def test_numbers_and_prose_survive(text: str) -> None:
    assert fold(text).text == text


@pytest.mark.parametrize(
    ("text", "word", "original"),
    [
        ("well f u c k that", "fuck", "f u c k"),
        ("so fuuuck it", "fuuck", "fuuuck"),
        ("ok ѕһіt!", "shit", "ѕһіt"),
        ("a ｆｕｃｋ b", "fuck", "ｆｕｃｋ"),
        ("a 🅵🆄🅲🅺 b", "fuck", "🅵🆄🅲🅺"),
        ("x f\u200buck y", "fuck", "f\u200buck"),
        ("b.u.l.l.s.h.i.t.", "bullshit", "b.u.l.l.s.h.i.t"),
    ],
)
def test_span_points_at_the_original(text: str, word: str, original: str) -> None:
    f = fold(text)
    i = f.text.index(word)
    s, e = f.span(i, i + len(word))
    assert text[s:e] == original


def test_squeezed_letter_covers_the_whole_run() -> None:
    f = fold("fuuuuck")
    assert f.text == "fuuck"
    assert [(s, e) for s, e in zip(f.starts, f.ends)] == [(0, 1), (1, 2), (2, 5), (5, 6), (6, 7)]


def test_ligature_expands_to_one_span() -> None:
    f = fold("ﬁne")
    assert f.text == "fine"
    assert f.span(0, 2) == (0, 1)


_WORDS = st.sampled_from(
    ["the", "council", "said", "it", "would", "review", "plans", "for", "new", "housing", "near",
     "river", "and", "school", "readers", "asked", "whether", "budget", "cuts", "fair", "i", "a"]
)


@st.composite
def prose(draw: st.DrawFn) -> str:
    """Lowercase ASCII prose: no two single-letter words in a row (that is not prose)."""
    words = draw(st.lists(_WORDS, min_size=1, max_size=30))
    words = [w for k, w in enumerate(words) if len(w) > 1 or k == 0 or len(words[k - 1]) > 1]
    seps = draw(st.lists(st.sampled_from([" ", ", ", ". ", "; ", " - ", "\n"]),
                         min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps)).strip()


_ANY_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=60
) | st.text("abcfhikstu 1!@$.-_\u200b\u0301ѕһіｆ", max_size=60)


@settings(max_examples=400, deadline=None)
@given(_ANY_TEXT)
def test_folding_is_idempotent(text: str) -> None:
    once = fold(text).text
    assert fold(once).text == once


@settings(max_examples=400, deadline=None)
@given(_ANY_TEXT)
def test_offsets_map_into_the_original(text: str) -> None:
    f = fold(text)
    assert len(f.starts) == len(f.ends) == len(f.text)
    assert all(0 <= s < e <= len(text) for s, e in zip(f.starts, f.ends))
    assert list(f.starts) == sorted(f.starts)
    assert list(f.ends) == sorted(f.ends)


@settings(max_examples=200, deadline=None)
@given(prose())
def test_plain_prose_is_unchanged(text: str) -> None:
    assert fold(text).text == text


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "s", "h", "i", "t", "o", "0", "1", "3", "$", "@", "!",
                                 "+", "#", "%", "_", "*", " ", "  ", ".", "-", "\n", "aa", "sh",
                                 "uuu", "Sh", "you", "the"]), max_size=25))
def test_skipping_stages_by_hints_changes_nothing(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert fold(text) == fold(text, hints=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("abshit01$@!")), min_size=2, max_size=6),
       st.sampled_from([" ", "  ", ".", " - ", "_", "*", "...", "-", " . "]),
       st.sampled_from(["", "the ", "x", "no! ", "1 "]), st.sampled_from(["", " now", "s", "!", "_"]))
def test_skipping_stages_by_hints_keeps_spaced_letters(letters: list[str], sep: str, before: str,
                                                       after: str) -> None:
    text = before + sep.join(letters) + after
    assert fold(text) == fold(text, hints=False)

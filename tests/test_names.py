"""Listed words written as proper names are held, not rejected; casing alone never approves."""

import pytest

from moderation import load_scorer
from moderation.names import NameContext, Names, mark_names, mask
from moderation.policy import Decision
from moderation.text import fold
from moderation.wordlist import WordList


@pytest.fixture(scope="module")
def scorer():
    return load_scorer()  # the bundled model: the point is what a real classifier does


def context(text: str, word: str) -> NameContext:
    start = text.index(word)
    return Names(text).context(start, start + len(word))


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("I drove through Fucking, Austria last summer.", "Fucking", NameContext.STRONG),
        ("Dick Van Dyke turns 100 this week.", "Dyke", NameContext.STRONG),
        ("Dick Van Dyke turns 100 this week.", "Dick", NameContext.STRONG),
        ("Moby Dick is still the best novel.", "Dick", NameContext.STRONG),
        ("The village of Fucking renamed itself.", "Fucking", NameContext.WEAK),
        ("Fucking hell, the trains again.", "Fucking", NameContext.NONE),  # sentence start
        ("You Fucking Idiot", "Fucking", NameContext.NONE),  # capitalised throughout
        ("What a FUCKING joke this is.", "FUCKING", NameContext.NONE),  # shouting is not a name
        ("what a fucking joke", "fucking", NameContext.NONE),
    ],
)
def test_name_context(text: str, word: str, expected: NameContext) -> None:
    assert context(text, word) is expected


def test_mask_replaces_only_the_span_in_folded_text() -> None:
    text = "We went to Fucking, Austria."
    start = text.index("Fucking")
    assert mask(fold(text), [(start, start + 7)]) == "we went to name, austria."


def test_severe_word_as_name_is_flagged_and_masked() -> None:
    folded = fold("I drove through Fucking, Austria.")
    matches, masked = mark_names(folded, WordList.default().match(folded))
    assert [(m.term, m.possible_name) for m in matches] == [("Fucking", True)]
    assert "fucking" not in masked


@pytest.mark.parametrize(
    "text",
    ["I drove through Fucking, Austria last summer.", "The village of Fucking renamed itself."],
)
def test_place_names_are_held_not_rejected(scorer, text: str) -> None:
    verdict = scorer.score(text)
    assert verdict.decision is Decision.REVIEW
    assert any("written as a name" in r for r in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    ["you are a Cunt", "Go back home, Fucking losers", "what a Twat that councillor is"],
)
def test_capitalising_a_swear_word_never_gets_it_approved(scorer, text: str) -> None:
    assert scorer.score(text).decision is not Decision.APPROVE


def test_plain_swearing_is_still_rejected(scorer) -> None:
    assert scorer.score("Fucking hell, the trains again.").decision is Decision.REJECT


def test_the_same_word_as_a_name_and_as_an_oath_is_rejected(scorer) -> None:
    verdict = scorer.score("We stayed in Fucking, Austria. Fucking freezing it was.")
    assert verdict.decision is Decision.REJECT
    assert 'obscene word "Fucking"' in verdict.reasons

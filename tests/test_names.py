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
        # a sentence may open with a place: "in" and a capitalised word say so
        ("Fucking in Austria renamed itself.", "Fucking", NameContext.STRONG),
        ("Fucking in the rain, again.", "Fucking", NameContext.NONE),
        # phrases of lexicon/names.txt, in any casing and position
        ("Pussy willow is out early this year.", "Pussy", NameContext.STRONG),
        ("the pussy willows by the canal", "pussy", NameContext.STRONG),
        ("Pussy Riot played in Berlin.", "Pussy", NameContext.STRONG),
        ("what a pussy", "pussy", NameContext.NONE),
    ],
)
def test_name_context(text: str, word: str, expected: NameContext) -> None:
    assert context(text, word) is expected


def test_mask_replaces_only_the_span_in_folded_text() -> None:
    text = "We went to Fucking, Austria."
    start = text.index("Fucking")
    assert mask(fold(text), [(start, start + 7)]) == "we went to , austria."


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
    assert any("written as a name or in an innocent sense" in r for r in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    ["you are a Cunt", "Go back home, Fucking losers", "what a Twat that councillor is"],
)
def test_capitalising_a_swear_word_never_gets_it_approved(scorer, text: str) -> None:
    assert scorer.score(text).decision is not Decision.APPROVE


def test_every_known_name_is_read_as_a_name() -> None:
    from moderation.names import known_names

    assert len(known_names()) >= 10
    for words in known_names():
        text = "They said " + " ".join(words) + " again."
        listed = WordList.default().match(fold(text))
        assert listed, words  # each phrase holds a listed word
        assert {Names(text).context(m.start, m.end) for m in listed} == {NameContext.STRONG}


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("The bitch had a litter of six puppies.", "bitch", NameContext.STRONG),
        ("She carried a faggot of sticks for the fire.", "faggot", NameContext.STRONG),
        ("you stupid bitch", "bitch", NameContext.NONE),
        ("the b1tch had puppies", "b1tch", NameContext.NONE),  # a disguised word is no sense
        ("Puppies? " + "x " * 11 + "bitch", "bitch", NameContext.NONE),  # too far away
        ("Harry went off and Jack off the bench scored.", "Jack off", NameContext.WEAK),
    ],
)
def test_innocent_senses_and_phrases(text: str, word: str, expected: NameContext) -> None:
    assert context(text, word) is expected


def test_a_mild_word_in_its_innocent_sense_is_hidden_from_the_classifier() -> None:
    folded = fold("Two blue tits on the feeder this morning.")
    matches, masked = mark_names(folded, WordList.default().match(folded))
    assert [m.term for m in matches] == ["tits"]
    assert not matches[0].possible_name  # mild: nothing to hold, the classifier decides
    assert "tits" not in masked
    folded = fold("she has great tits")
    assert mark_names(folded, WordList.default().match(folded))[1] == folded.text


def test_every_innocent_sense_is_read_as_one() -> None:
    from moderation.names import innocent_senses

    for form, words in innocent_senses().items():
        for near in words:
            text = f"the {form} and the {near}"
            listed = [m for m in WordList.default().match(fold(text)) if m.term == form]
            assert listed, form  # each form is a listed word
            assert Names(text).context(listed[0].start, listed[0].end) is NameContext.STRONG


@pytest.mark.parametrize(
    "text",
    ["Fucking in Austria renamed itself because tourists kept stealing the sign.",
     "Pussy willow is out early this year.", "pussy willows line the towpath",
     "The bitch had a litter of six puppies, the breeder said.",
     "Faggots and peas with gravy, a proper Black Country tea.",
     "Bastard sword replicas were on display at the armoury."],
)
def test_names_opening_a_sentence_or_in_lower_case_are_held_not_rejected(scorer, text) -> None:
    assert scorer.score(text).decision is Decision.REVIEW


def test_plain_swearing_is_still_rejected(scorer) -> None:
    assert scorer.score("Fucking hell, the trains again.").decision is Decision.REJECT


def test_the_same_word_as_a_name_and_as_an_oath_is_rejected(scorer) -> None:
    verdict = scorer.score("We stayed in Fucking, Austria. Fucking freezing it was.")
    assert verdict.decision is Decision.REJECT
    assert 'obscene word "Fucking"' in verdict.reasons

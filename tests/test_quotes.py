"""Quoting a slur or a bigoted claim to condemn it is held for a moderator, not rejected."""

import pytest

from moderation import load_scorer
from moderation.policy import QUOTED, Decision, hold_if_quoted
from moderation.quotes import quoted_spans, unquoted


@pytest.fixture(scope="module")
def scorer():
    return load_scorer()  # the bundled model: the point is what a real classifier does


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ('He shouted "go home" twice.', ['"go home"']),
        ("She wrote “they are all the same” on the wall.", ["“they are all the same”"]),
        ("«nous sommes» and ‘two words’ here", ["«nous sommes»", "‘two words’"]),
        ('A "single" word is no passage.', []),
        ("Don't read the Smiths' house as a quote.", []),  # straight single quotes: apostrophes
        ('An open "quote with no end', []),
        ('Two\n"lines are\nnot" one quote', []),
    ],
)
def test_quoted_spans(text: str, quoted: list[str]) -> None:
    assert [text[a:b] for a, b in quoted_spans(text)] == quoted


def test_unquoted_keeps_the_writers_own_words() -> None:
    text = 'He shouted "go home" and ran.'
    assert unquoted(text, quoted_spans(text)) == "He shouted   and ran."


def test_hold_if_quoted_only_turns_a_quote_made_rejection_into_review() -> None:
    reject = (Decision.REJECT, ("derogatory 1.00 ≥ 0.97",))
    assert hold_if_quoted(reject, (Decision.APPROVE, ())) == (
        Decision.REVIEW, (f"derogatory 1.00 ≥ 0.97, {QUOTED}",))
    assert hold_if_quoted(reject, (Decision.REVIEW, ("personal 0.3 ≥ 0.2",)))[1][-1] == \
        "personal 0.3 ≥ 0.2"
    assert hold_if_quoted(reject, (Decision.REJECT, ("x",))) == reject  # own words reject too
    review = (Decision.REVIEW, ("y",))
    assert hold_if_quoted(review, (Decision.APPROVE, ())) == review  # never approves


@pytest.mark.parametrize(
    "text",
    ['The man shouting "Muslims are all terrorists" has been charged. Good.',
     'He called her a "stupid bitch" in court and was fined.',
     "The judge said “go back to your own country” was a racist remark."],
)
def test_quoting_to_condemn_is_held_not_rejected(scorer, text: str) -> None:
    verdict = scorer.score(text)
    assert verdict.decision is Decision.REVIEW
    assert any(QUOTED in r for r in verdict.reasons)
    assert verdict.matches or max(verdict.scores.values()) > 0.9  # what it quotes is still shown


@pytest.mark.parametrize(
    "text",
    ['Muslims are all terrorists, as "everyone" knows',  # one quoted word is no passage
     'Fuck off. "I agree" said nobody',  # the writer's own words reject it
     'You are a moron and "a total waste of space", everyone says'],
)
def test_own_words_still_reject(scorer, text: str) -> None:
    assert scorer.score(text).decision is Decision.REJECT


def test_a_quoted_attack_is_never_approved(scorer) -> None:
    assert scorer.score('"Muslims are all terrorists"').decision is Decision.REVIEW


def test_evaluation_decides_as_the_scorer_does(scorer) -> None:
    from moderation.evaluation import engine_inputs, policy_decisions

    texts = ['The man shouting "Muslims are all terrorists" has been charged.',
             'Fuck off. "I agree" said nobody', "Lovely weather today."]
    inputs, matches = engine_inputs(texts, scorer.wordlist)
    scores = scorer.classifier.predict_proba(inputs)
    got = policy_decisions(texts, scores, matches, scorer.classifier, scorer.policy,
                           scorer.wordlist)
    assert list(got) == [v.decision for v in scorer.score_many(texts)]


def test_without_a_model_a_quoted_severe_word_is_held_too() -> None:
    from moderation.scorer import Scorer
    from moderation.wordlist import WordList

    degraded = Scorer(WordList.default(), None)
    assert degraded.score('He called her a "stupid bitch" in court.').decision is Decision.REVIEW
    assert degraded.score("He called her a stupid bitch in court.").decision is Decision.REJECT

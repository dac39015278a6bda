"""Quoting a slur or a bigoted claim to condemn it is held for a moderator, not rejected."""

import pytest

from moderation import load_scorer
from moderation.policy import QUOTED, Decision, decide, hold_if_quoted
from moderation.quotes import cited_spans, quoted_spans, reported_spans, unquoted


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
        ("Don't read the Smiths' house as a quote.", []),  # apostrophes
        ("He called him a 'dirty foreigner' in court.", ["'dirty foreigner'"]),  # British style
        ("It's rock 'n' roll, isn't it, and the Joneses' car", []),
        ("She said 'don't go' twice", []),  # an apostrophe inside: missed, never mismatched
        ('An open "quote with no end', []),
        ('Two\n"lines are\nnot" one quote', []),
    ],
)
def test_quoted_spans(text: str, quoted: list[str]) -> None:
    assert [text[a:b] for a, b in quoted_spans(text)] == quoted


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        ("People keep saying immigrants are all criminals; the figures say otherwise.",
         [" immigrants are all criminals"]),
        ("The old myth that Jews control the banks is back, but it is still a lie.",
         [" Jews control the banks is back,"]),
        ("Some people still think that women cannot drive", [" women cannot drive"]),
        ("They claimed Poles steal jobs! Nonsense.", [" Poles steal jobs"]),
        ("I say you are an idiot.", []),  # the writer's own claim
        ("Nobody said anything.", []),
        ("They said no.", []),  # one word is no passage
    ],
)
def test_reported_spans(text: str, reported: list[str]) -> None:
    assert [text[a:b] for a, b in reported_spans(text)] == reported


def test_cited_spans_merge_quotes_and_reports() -> None:
    text = 'He shouted "go home" and they claimed Poles steal jobs, but nobody believed it.'
    assert [text[a:b] for a, b in cited_spans(text)] == [
        ' "go home" and they claimed Poles steal jobs,']


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
     "The judge said “go back to your own country” was a racist remark.",
     "People keep saying immigrants are all criminals; the figures show the opposite.",
     "The claim that Muslims are all terrorists is a lie and you know it."],
)
def test_quoting_to_condemn_is_held_not_rejected(scorer, text: str) -> None:
    verdict = scorer.score(text)
    assert verdict.decision is Decision.REVIEW
    # the reasons name the quote exactly when the whole text would have been rejected
    whole, _ = decide(verdict.scores, verdict.matches, scorer.policy)
    assert (whole is Decision.REJECT) == any(QUOTED in r for r in verdict.reasons)
    assert verdict.matches or max(verdict.scores.values()) > 0.9  # what it quotes is still shown


@pytest.mark.parametrize(
    "text",
    ['Muslims are all terrorists, as "everyone" knows',  # one quoted word is no passage
     'Fuck off. "I agree" said nobody',  # the writer's own words reject it
     'You are a moron and "a total waste of space", everyone says',
     "They say you are an idiot. You are an idiot.",  # reported, then said in its own words
     "I say Muslims are all terrorists."],  # the writer's own claim
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


def test_without_a_model_a_reported_severe_word_is_held_too() -> None:
    from moderation.scorer import Scorer
    from moderation.wordlist import WordList

    degraded = Scorer(WordList.default(), None)
    reported = "People keep saying the referees are all cunts; they are not."
    assert degraded.score(reported).decision is Decision.REVIEW
    assert degraded.score("I say the referees are all cunts.").decision is Decision.REJECT

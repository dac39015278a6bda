"""The policy table: scores and word-list hits → decision and reasons."""

import pytest

from moderation.categories import Category
from moderation.policy import Decision, Policy, Thresholds, decide, reader_reasons
from moderation.wordlist import Match, Severity

POLICY = Policy(
    thresholds={
        "obscene": Thresholds(0.5, 0.9),
        "personal": Thresholds(0.4, 0.8),
        "derogatory": Thresholds(0.3, 0.7),
    }
)


def scores(o=0.0, p=0.0, d=0.0):
    return {"obscene": o, "personal": p, "derogatory": d}


def match(word, severity, category="obscene"):
    return Match(word, 0, len(word), word, category, severity)


@pytest.mark.parametrize(
    ("s", "matches", "expected"),
    [
        (scores(), [], Decision.APPROVE),
        (scores(0.49, 0.39, 0.29), [], Decision.APPROVE),
        (scores(o=0.5), [], Decision.REVIEW),  # at the review threshold: held
        (scores(p=0.79), [], Decision.REVIEW),
        (scores(p=0.8), [], Decision.REJECT),  # at the reject threshold: rejected
        (scores(d=0.95), [], Decision.REJECT),
        (scores(), [match("shit", Severity.SEVERE)], Decision.REJECT),  # severe word alone rejects
        (scores(), [match("hell", Severity.MILD)], Decision.APPROVE),  # mild word alone never decides
        (scores(o=0.6), [match("hell", Severity.MILD)], Decision.REVIEW),
    ],
)
def test_decision_table(s, matches, expected):
    decision, _ = decide(s, matches, POLICY)
    assert decision is expected


def test_reasons_are_human():
    _, reasons = decide(scores(p=0.91), [match("sh1t", Severity.SEVERE)], POLICY)
    assert reasons == ('obscene word "sh1t"', "personal 0.91 ≥ 0.80")


def test_the_author_reads_the_rule_not_the_scores():
    _, reasons = decide(
        scores(o=0.95, p=0.91, d=0.8),
        [match("sh1t", Severity.SEVERE), match("kike", Severity.SEVERE, "derogatory")],
        POLICY,
    )
    assert reader_reasons(reasons) == (
        'It uses an obscene word: "sh1t"',
        'It uses a slur: "kike"',
        "It reads as a personal attack",  # obscene and derogatory are named by their words
    )
    assert reader_reasons(("derogatory 0.71 ≥ 0.70",)) == ("It reads as demeaning a group of people",)
    assert reader_reasons(("something else",)) == ("something else",)


def test_one_reason_per_distinct_word():
    hits = [match("shit", Severity.SEVERE), match("shit", Severity.SEVERE)]
    _, reasons = decide(scores(), hits, POLICY)
    assert reasons == ('obscene word "shit"',)


def test_degraded_mode_approves_nothing():
    decision, reasons = decide(None, [], POLICY)
    assert decision is Decision.REVIEW
    assert "no model" in reasons[0]


def test_degraded_mode_still_rejects_severe_words():
    decision, reasons = decide(None, [match("fuck", Severity.SEVERE)], POLICY)
    assert decision is Decision.REJECT
    assert reasons == ('obscene word "fuck"',)


@pytest.mark.parametrize(("review", "reject"), [(0.9, 0.5), (-0.1, 0.5), (0.5, 1.1)])
def test_thresholds_must_be_ordered_probabilities(review, reject):
    with pytest.raises(ValueError):
        Thresholds(review, reject)


def test_site_overrides_replace_only_named_categories():
    site = POLICY.with_thresholds({"personal": Thresholds(0.2, 0.6)})
    assert site.thresholds["personal"] == Thresholds(0.2, 0.6)
    assert site.thresholds["obscene"] == POLICY.thresholds["obscene"]
    assert decide(scores(p=0.3), [], site)[0] is Decision.REVIEW
    assert decide(scores(p=0.3), [], POLICY)[0] is Decision.APPROVE


def test_a_rejection_gives_only_the_reasons_that_rejected_it() -> None:
    policy = Policy(thresholds={c: Thresholds(0.2, 0.9) for c in Category})
    scores = {"obscene": 0.5, "personal": 0.95, "derogatory": 0.0}
    decision, reasons = decide(scores, [], policy)
    assert decision is Decision.REJECT
    assert reasons == ("personal 0.95 ≥ 0.90",)
    decision, reasons = decide({**scores, "personal": 0.3}, [], policy)
    assert decision is Decision.REVIEW
    assert reasons == ("obscene 0.50 ≥ 0.20", "personal 0.30 ≥ 0.20")

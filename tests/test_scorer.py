"""Scorer behaviour with a fake classifier (ML-independent) and in degraded mode."""

import logging
import pickle
import re
import shutil
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import moderation
from moderation import Decision, InvalidText, Policy, Scorer, TextTooLong, Thresholds
from moderation.scorer import _find_word
from moderation.wordlist import WordList


class FakeClassifier:
    """Scores 'personal' high when the folded text contains 'clown'; explains with that word."""

    version = "fake-1"
    thresholds: ClassVar = {"personal": (0.4, 0.8)}

    def predict_proba(self, folded_texts):
        return np.array([[0.01, 0.95 if "clown" in t else 0.02, 0.01] for t in folded_texts])

    def explain(self, folded_text, k=3):
        return {"personal": [("clown", 1.7), ("zzmarker", 0.4)]}


@pytest.fixture(scope="module")
def wordlist():
    return WordList.default()


@pytest.fixture
def scorer(wordlist):
    return Scorer(wordlist, FakeClassifier(), Policy())


def test_verdict_contract(scorer):
    v = scorer.score("Thanks for the clear reporting.")
    assert v.decision is Decision.APPROVE
    assert set(v.scores) == {"obscene", "personal", "derogatory"}
    assert all(0.0 <= s <= 1.0 for s in v.scores.values())
    assert v.model_version == "fake-1"
    assert v.matches == () and v.reasons == ()


def test_explanations_point_into_the_original_text(scorer):
    text = "What a CLOWN this columnist is."
    v = scorer.score(text)
    assert v.decision is Decision.REJECT
    clown, marker = v.explanations["personal"]
    assert text[clown.start : clown.end] == "CLOWN"
    assert marker.start is None  # a synthetic feature has no span


def test_score_many_keeps_order(scorer):
    texts = ["fine text", "you clown", "another fine one"]
    assert [v.decision for v in scorer.score_many(texts)] == [
        Decision.APPROVE,
        Decision.REJECT,
        Decision.APPROVE,
    ]


def test_site_thresholds_and_words(scorer):
    site = scorer.for_site(deny=["blorf"], thresholds={"personal": Thresholds(0.99, 1.0)})
    assert site.score("you clown").decision is Decision.APPROVE
    assert site.score("what a blorf").decision is Decision.REJECT
    assert scorer.score("what a blorf").decision is Decision.APPROVE


@pytest.mark.parametrize("bad", ["", "   \n", None, 42, "unpaired \ud800 surrogate"])
def test_invalid_text_is_refused(scorer, bad):
    with pytest.raises(InvalidText):
        scorer.score(bad)


def test_text_over_the_cap_is_refused_not_truncated(wordlist):
    scorer = Scorer(wordlist, FakeClassifier(), Policy(max_length=100))
    scorer.score("a" * 100)
    with pytest.raises(TextTooLong, match="101 characters.*limit is 100"):
        scorer.score("a" * 101)


def test_missing_model_degrades_with_one_log_line(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        scorer = moderation.load_scorer(tmp_path / "nowhere")
    assert scorer.degraded
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "nothing will be auto-approved" in caplog.records[0].getMessage()
    assert scorer.score("A lovely, calm, clean remark.").decision is Decision.REVIEW
    assert scorer.score("what a load of shit").decision is Decision.REJECT
    assert scorer.score("hi").model_version == "wordlist-only"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300).filter(str.strip))
def test_degraded_never_approves_and_scores_stay_in_range(text):
    scorer = Scorer(WORDLIST, None, Policy())
    v = scorer.score(text)
    assert v.decision is not Decision.APPROVE
    assert all(0.0 <= s <= 1.0 for s in v.scores.values())
    for m in v.matches:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.term


WORDLIST = WordList.default()


BUNDLED = Path(__file__).resolve().parents[1] / "models"


def _pickle(path):
    path.write_bytes(pickle.dumps({"obscene": None}))


def _truncate(path):
    path.write_bytes(path.read_bytes()[:1000])


def _tamper(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_pickle, _truncate, _tamper, lambda p: p.unlink()])
def test_refused_model_degrades_the_scorer(tmp_path, caplog, damage):
    shutil.copytree(BUNDLED, tmp_path / "m")
    damage(tmp_path / "m" / "moderation.skops")
    with caplog.at_level(logging.WARNING):
        scorer = moderation.load_scorer(tmp_path / "m")
    assert scorer.degraded and scorer.model_error
    assert len(caplog.records) == 1
    assert scorer.score("Thanks for the clear reporting.").decision is Decision.REVIEW


def test_bundled_model_loads():
    scorer = moderation.load_scorer(BUNDLED)
    assert not scorer.degraded
    assert scorer.score("Thanks for the clear reporting.").decision is Decision.APPROVE
    assert scorer.score("You are a worthless idiot.").decision is not Decision.APPROVE


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab _-é1.'\n", max_size=40), st.text(alphabet="abé1_", min_size=1,
                                                              max_size=3))
def test_explained_word_is_found_as_a_whole_word_like_the_pattern(text, word):
    m = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text)
    assert _find_word(text, word) == (m.span() if m else None)

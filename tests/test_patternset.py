"""One-pass marker search (RE2) gives exactly Python's answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from moderation import features
from moderation.patternset import PatternSet
from moderation.text import fold

CORPUS = Path(__file__).resolve().parents[1] / "moderation" / "corpus"
SEARCHED = features._SEARCHED

# Words the marker patterns are made of, so that random sentences often match one.
VOCABULARY = ["you", "u", "will", "pay", "for", "this", "i", "know", "where", "live", "should",
              "be", "shot", "deported", "send", "them", "back", "control", "the", "media",
              "calling", "is", "disgusting", "not", "all", "suck", "my", "cock", "these",
              "people", "horny", "watch", "your", "back", "über", "naïve", "日本", "_", "'ll",
              "go", "home", "wake", "up", "behind", "every", "they're", "deaf", "2", "x"]


def corpus_texts() -> list[str]:
    return [fold(json.loads(line)["text"]).text for path in sorted(CORPUS.glob("*.jsonl"))
            for line in path.read_text("utf-8").splitlines()]


def test_markers_are_searched_by_re2() -> None:
    # google-re2 is a dependency: without it markers still work, 6x slower (the bench target fails).
    assert SEARCHED.accelerated


def test_re2_answers_equal_python_re_on_every_corpus_line() -> None:
    texts = corpus_texts()
    assert len(texts) > 3000
    hits = 0
    for text in texts:
        found = SEARCHED.found(text)
        assert found == SEARCHED.found_by_re(text), text
        hits += bool(found)
    assert hits > 300  # the comparison is not between two empty answers


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=14),
       st.lists(st.sampled_from([" ", " ", " ", ", ", ". ", "'", "-", "\n", "é"]),
                min_size=14, max_size=14))
def test_re2_answers_equal_python_re_on_generated_text(words: list[str], seps: list[str]) -> None:
    text = "".join(w + s for w, s in zip(words, seps))
    assert SEARCHED.found(text) == SEARCHED.found_by_re(text)


def test_non_ascii_text_is_searched_with_python_re() -> None:
    # RE2's \b sees "ü" as a non-word character, Python's does not: "übershot" has no word "shot".
    patterns = PatternSet([re.compile(r"\bshot\b")])
    assert patterns.accelerated
    assert patterns.found("übershot") == frozenset()
    assert patterns.found("he was shot") == frozenset({0})


def test_a_pattern_re2_refuses_falls_back_to_python_re() -> None:
    patterns = PatternSet([re.compile(r"\bkill(?= them)"), re.compile(r"(\w)\1\1")])
    assert not patterns.accelerated
    assert patterns.found("kill them all") == frozenset({0})
    assert patterns.found("kill tomorrow") == frozenset()
    assert patterns.found("brrr") == frozenset({1})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY + ["people", "these", "the", "deaf", "folks", "don't",
                                              "black", "men", "kind", ",", "'"]),
                max_size=30),
       st.sampled_from([" ", "  ", ", ", "-", "'"]))
def test_group_phrase_positions_count_the_words_before_each_phrase_end(words, sep):
    # the definition: the words of the text up to the phrase's end, less one
    text = fold(sep.join(words)).text
    expected = [len(features._WORD.findall(text[: m.end()])) - 1
                for m in features._GROUP_PHRASES.finditer(text)]
    assert features.group_phrase_positions(text) == expected

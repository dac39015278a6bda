"""`moderation score`: JSON Lines in, one verdict or error per line out, in order, streaming."""

import io
import json
import subprocess
import sys

import pytest

from moderation import Policy, Scorer
from moderation.jsonl import CHUNK, score_stream
from moderation.wordlist import WordList

from .test_scorer import FakeClassifier

KEYS = {"id", "decision", "scores", "matches", "reasons", "model_version"}


@pytest.fixture(scope="module")
def scorer():
    return Scorer(WordList.default(), FakeClassifier(), Policy(max_length=50))


def run(scorer, lines):
    out = io.StringIO()
    errors = score_stream(scorer, lines, out)
    return errors, [json.loads(x) for x in out.getvalue().splitlines()]


def test_contract_shape(scorer):
    errors, [row] = run(scorer, ['{"id": "c1", "text": "oh sh1t", "extra": true}\n'])
    assert errors == 0
    assert set(row) == KEYS
    assert row["id"] == "c1" and row["decision"] == "reject"
    assert {"term": "sh1t", "start": 3, "end": 7}.items() <= row["matches"][0].items()


def test_bad_lines_get_an_error_line_in_place(scorer):
    lines = [
        '{"id": 1, "text": "fine"}',
        "{not json",
        '{"id": 3}',
        '{"id": 4, "text": 7}',
        "[1, 2]",
        "",
        '{"id": 7, "text": "' + "x" * 51 + '"}',
        '{"id": 8, "text": "you clown"}',
    ]
    errors, rows = run(scorer, lines)
    assert errors == 6
    assert [r.get("id") for r in rows] == [1, None, 3, 4, None, None, 7, 8]
    assert [("error" in r) for r in rows] == [False, True, True, True, True, True, True, False]
    assert "limit is 50" in rows[6]["error"]
    assert rows[7]["decision"] == "reject"


def test_streams_instead_of_reading_everything(scorer):
    out = io.StringIO()
    lag = []

    def lines():
        for i in range(10 * CHUNK):
            lag.append(i - out.getvalue().count("\n"))  # lines read but not yet answered
            yield json.dumps({"id": i, "text": "a calm remark"})

    assert score_stream(scorer, lines(), out) == 0
    assert out.getvalue().count("\n") == 10 * CHUNK
    assert max(lag) <= CHUNK


def test_command_exit_status(tmp_path):
    env_model = ["--model-dir", str(tmp_path)]  # no model here: degraded mode, still answers
    good = subprocess.run(
        [sys.executable, "-m", "moderation.cli", "score", *env_model],
        input='{"id": 1, "text": "hello"}\n', capture_output=True, text=True, check=False,
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["decision"] == "review"
    bad = subprocess.run(
        [sys.executable, "-m", "moderation.cli", "score", *env_model],
        input='{"id": 1, "text": "hello"}\nnope\n{"id": 3, "text": "bye"}\n',
        capture_output=True, text=True, check=False,
    )
    assert bad.returncode == 1
    assert [json.loads(x).get("id") for x in bad.stdout.splitlines()] == [1, None, 3]
    assert "1 line(s) could not be scored" in bad.stderr

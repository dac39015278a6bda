"""Stream JSON Lines of comments through a scorer: the engine behind ``moderation score``.

Input lines are ``{"id": ..., "text": "..."}`` (other keys ignored). Output is one line per input
line, in input order: the verdict, or ``{"id": ..., "error": "..."}`` for a line that cannot be
scored. Lines are scored in chunks, so memory stays flat however long the input is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from .errors import ModerationError
from .scorer import Scorer

CHUNK = 256


@dataclass(slots=True)
class _Item:
    id: Any
    text: str | None = None
    error: str | None = None


def score_stream(scorer: Scorer, lines: Iterable[str], out: IO[str]) -> int:
    """Score every line; write results to ``out``; return the number of lines in error."""
    errors = 0
    it = iter(lines)
    while chunk := list(islice(it, CHUNK)):
        for result in _score_chunk(scorer, [_parse(line) for line in chunk]):
            errors += "error" in result
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return errors


def _parse(line: str) -> _Item:
    if not line.strip():
        return _Item(None, error="empty line")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return _Item(None, error=f"invalid JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(obj, dict):
        return _Item(None, error="each line must be a JSON object")
    item = _Item(obj.get("id"))
    text = obj.get("text")
    if not isinstance(text, str):
        item.error = '"text" is missing or not a string'
    else:
        item.text = text
    return item


def _score_chunk(scorer: Scorer, items: list[_Item]) -> Iterator[dict[str, Any]]:
    _check_texts(scorer, items)
    good = [i for i in items if i.error is None]
    verdicts = iter(scorer.score_many([i.text for i in good], explain=False))  # type: ignore[misc]
    for item in items:
        if item.error is not None:
            yield {"id": item.id, "error": item.error}
            continue
        v = next(verdicts).to_dict()
        yield {
            "id": item.id,
            "decision": v["decision"],
            "scores": v["scores"],
            "matches": v["matches"],
            "reasons": v["reasons"],
            "model_version": v["model_version"],
        }


def _check_texts(scorer: Scorer, items: list[_Item]) -> None:
    """Find texts the scorer would refuse, so one bad line never fails its whole chunk."""
    for item in items:
        if item.error is None:
            try:
                scorer.validate(item.text)
            except ModerationError as exc:
                item.error = str(exc)

"""Perspective-compatible API: ``comments:analyze`` and ``comments:suggestscore`` (``?key=KEY``).

A site using Perspective (Coral Talk, for one) switches by pointing its Perspective endpoint at
``https://HOST/v1alpha1``. Attributes map onto our three categories:

=====================  ==============================================================
Perspective attribute  our score
=====================  ==============================================================
TOXICITY               max(obscene, personal, derogatory)
SEVERE_TOXICITY        max(obscene, personal, derogatory)², so only confident scores stay high
INSULT                 personal
IDENTITY_ATTACK        derogatory
PROFANITY              obscene
OBSCENE                obscene (experimental in Perspective)
ATTACK_ON_AUTHOR       personal (experimental)
ATTACK_ON_COMMENTER    personal (experimental)
=====================  ==============================================================

A severe word-list hit counts as 1.0 in its category (Perspective clients see no decision, only
scores). In degraded mode (no model) the scores come from the word list alone, so the rule that
nothing is auto-approved cannot reach a client that decides on its own thresholds.

Any other attribute (THREAT, SEXUALLY_EXPLICIT, FLIRTATION, …) and any language but English is
refused with Perspective's error shape and status 400. ``scoreThreshold`` drops attributes scoring
below it; ``spanAnnotations: true`` adds per-sentence ``spanScores``. ``analyze`` never stores the
text (``doNotStore`` is honoured by construction). ``suggestscore`` stores the suggested values as a
training label for the key's site: TOXICITY (else SEVERE_TOXICITY) as the label's toxicity, the
others as category labels (the highest suggestion wins when two map to one category).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Blueprint, request

from moderation import Scorer, Verdict
from moderation.storage import LabelSource, labels

from . import apikeys, db
from .api import api_limit, effective_scores, json_body
from .errors import Unsupported
from .metrics import record_decisions
from .schemas import AnalyzeRequest, SuggestRequest

bp = Blueprint("perspective", __name__, url_prefix="/v1alpha1")
api_limit(bp)

SUPPORTED_LANGUAGES = ("en",)
Scores = Mapping[str, float]


def _toxicity(s: Scores) -> float:
    return max(s["obscene"], s["personal"], s["derogatory"])


ATTRIBUTES: dict[str, Callable[[Scores], float]] = {
    "TOXICITY": _toxicity,
    "SEVERE_TOXICITY": lambda s: _toxicity(s) ** 2,
    "INSULT": lambda s: s["personal"],
    "IDENTITY_ATTACK": lambda s: s["derogatory"],
    "PROFANITY": lambda s: s["obscene"],
    "OBSCENE": lambda s: s["obscene"],
    "ATTACK_ON_AUTHOR": lambda s: s["personal"],
    "ATTACK_ON_COMMENTER": lambda s: s["personal"],
}
# suggestscore: the category (or "toxicity") each attribute's suggested value labels.
LABEL_TARGET = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "toxicity",
    "INSULT": "personal",
    "ATTACK_ON_AUTHOR": "personal",
    "ATTACK_ON_COMMENTER": "personal",
    "IDENTITY_ATTACK": "derogatory",
    "PROFANITY": "obscene",
    "OBSCENE": "obscene",
}
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


@bp.post("/comments:analyze")
def analyze() -> dict[str, Any]:
    """Score a comment for the requested attributes."""
    caller = apikeys.authenticate(_query_key())
    body = AnalyzeRequest.model_validate(json_body())
    check_request(body.requestedAttributes, body.languages)
    scorer = apikeys.scorer_for(caller)
    verdict = scorer.score(body.comment.text)
    record_decisions([verdict], "perspective")
    spans = sentence_verdicts(scorer, body.comment.text) if body.spanAnnotations else None
    return analysis(verdict, body, spans)


@bp.post("/comments:suggestscore")
def suggest_score() -> dict[str, Any]:
    """Store a suggested score as a training label for the key's site."""
    caller = apikeys.authenticate(_query_key())
    body = SuggestRequest.model_validate(json_body())
    check_request(body.attributeScores, body.languages)
    text = apikeys.scorer_for(caller).validate(body.comment.text)
    toxicity, categories = label_values(
        {a: s.summaryScore.value for a, s in body.attributeScores.items()}
    )
    with db.write() as session:
        site = apikeys.site_for(caller)
        labels.add_label(
            session,
            site,
            LabelSource.SUGGESTSCORE,
            text=text,
            toxicity=toxicity,
            categories=categories or None,
        )
    return _with_token({"detectedLanguages": list(SUPPORTED_LANGUAGES)}, body.clientToken)


def _query_key() -> str:
    """Perspective's ``?key=`` (or Google's ``X-Goog-Api-Key`` header)."""
    return request.args.get("key") or request.headers.get("X-Goog-Api-Key", "")


def check_request(attributes: Mapping[str, Any], languages: Sequence[str]) -> None:
    """Refuse attributes and languages we cannot score, as Perspective does."""
    unknown = [a for a in attributes if a not in ATTRIBUTES]
    if unknown:
        raise Unsupported(f"Unknown requested attribute: {', '.join(unknown)}")
    other = [lang for lang in languages if lang.lower().split("-")[0] not in SUPPORTED_LANGUAGES]
    if other:
        names = ", ".join(attributes)
        raise Unsupported(
            f"Attribute {names} does not support request languages: {', '.join(other)}"
        )


def analysis(
    verdict: Verdict, body: AnalyzeRequest, spans: list[tuple[int, int, Verdict]] | None
) -> dict[str, Any]:
    """The AnalyzeCommentResponse for ``verdict``."""
    scores: dict[str, Any] = {}
    for name, params in body.requestedAttributes.items():
        value = ATTRIBUTES[name](effective_scores(verdict))
        if params.scoreThreshold is not None and value < params.scoreThreshold:
            continue
        entry: dict[str, Any] = {"summaryScore": _score(value)}
        if spans is not None:
            entry["spanScores"] = [
                {"begin": b, "end": e, "score": _score(ATTRIBUTES[name](effective_scores(v)))}
                for b, e, v in spans
            ]
        scores[name] = entry
    languages = body.languages or list(SUPPORTED_LANGUAGES)
    response = {"attributeScores": scores, "languages": languages, "detectedLanguages": ["en"]}
    return _with_token(response, body.clientToken)


def sentence_verdicts(scorer: Scorer, text: str) -> list[tuple[int, int, Verdict]]:
    """Each sentence's span and verdict (blank stretches skipped)."""
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]
    verdicts = scorer.score_many([text[b:e] for b, e in spans], explain=False)
    return [(b, e, v) for (b, e), v in zip(spans, verdicts)]


def label_values(suggested: Mapping[str, float]) -> tuple[float | None, dict[str, float]]:
    """Suggested attribute values → (toxicity, {category: value})."""
    toxicity = suggested.get("TOXICITY", suggested.get("SEVERE_TOXICITY"))
    categories: dict[str, float] = {}
    for attribute, value in suggested.items():
        target = LABEL_TARGET[attribute]
        if target != "toxicity":
            categories[target] = max(value, categories.get(target, 0.0))
    return toxicity, categories


def _score(value: float) -> dict[str, Any]:
    return {"value": round(float(value), 4), "type": "PROBABILITY"}


def _with_token(response: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token is not None:
        response["clientToken"] = token
    return response

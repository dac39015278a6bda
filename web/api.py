"""The native moderation API: ``POST /api/v1/moderate`` (``Authorization: Bearer KEY``).

``{"text": "..."}`` → the verdict: ``decision`` (approve / review / reject), ``scores``
(obscene / personal / derogatory, each in [0, 1]), word-list ``matches``, human ``reasons``,
``model_version`` and ``explanations``. ``{"texts": [...]}`` (up to 100) →
``{"results": [verdict, ...]}`` in the same order. The key's site word lists and thresholds apply.
The Perspective- and OpenAI-compatible endpoints live in ``perspective.py`` and ``openai_compat.py``
and share :data:`api_limit` (one quota per key across all three).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from moderation import Verdict
from moderation.wordlist import Severity

from . import apikeys, limits
from .errors import ApiError
from .metrics import record_decisions
from .schemas import ModerateRequest

bp = Blueprint("api", __name__)

# One quota per API key, shared by the native, Perspective and OpenAI endpoints. Applied to whole
# blueprints, so Flask-Limiter checks it once, before the view (a view decorator would add a
# second evaluation per request).
api_limit = limits.limiter.shared_limit(
    limits.api_limit, scope="moderation-api", key_func=limits.api_key_or_address
)
api_limit(bp)


def json_body() -> Any:
    """The request's JSON body; a clear 400 when it is missing or not JSON."""
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError("the request body must be JSON (Content-Type: application/json)")
    return body


def effective_scores(verdict: Verdict) -> dict[str, float]:
    """Scores for APIs that carry no decision: a severe word-list hit counts as 1.0 in its category.

    Perspective and OpenAI clients decide on scores alone, so a comment our policy rejects for a
    severe word must not reach them with a low score from the classifier.
    """
    scores = {cat: float(value) for cat, value in verdict.scores.items()}
    for match in verdict.matches:
        if match.severity is Severity.SEVERE:
            scores[match.category] = 1.0
    return scores


@bp.post("/api/v1/moderate")
def moderate() -> dict[str, Any]:
    """Score one text or a batch with the calling site's policy."""
    caller = apikeys.authenticate()
    body = ModerateRequest.model_validate(json_body())
    scorer = apikeys.scorer_for(caller)
    if body.text is not None:
        verdict = scorer.score(body.text)
        record_decisions([verdict], "native")
        return verdict.to_dict()
    verdicts = scorer.score_many(body.texts or [])
    record_decisions(verdicts, "native")
    return {"results": [v.to_dict() for v in verdicts]}

"""OpenAI-moderation-compatible API: ``POST /v1/moderations`` (``Authorization: Bearer KEY``).

Code written against OpenAI's moderation endpoint works by changing its base URL. Every category
OpenAI defines is present; the ones we model take our scores, the others are reported as not
flagged with score 0, and our own ``obscene`` is added:

========================  =====================================================================
OpenAI category           our score
========================  =====================================================================
harassment                personal
hate                      derogatory
obscene (ours)            obscene
sexual                    0: not modelled (``obscene`` mixes profanity with sexual vulgarity)
harassment/threatening,   0: not modelled
hate/threatening,
illicit, illicit/violent,
self-harm, self-harm/intent, self-harm/instructions,
sexual/minors, violence, violence/graphic
========================  =====================================================================

A severe word-list hit counts as score 1.0 in its category, and a category is flagged when its
score reaches the site's review threshold. ``flagged`` is true whenever our decision is not ``approve`` — including in
degraded mode (no model), where nothing is auto-approved.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint

from moderation import Category, Decision, Scorer, Verdict

from . import apikeys
from .api import api_limit, effective_scores, json_body
from .metrics import record_decisions
from .schemas import ModerationRequest

bp = Blueprint("openai_compat", __name__, url_prefix="/v1")
api_limit(bp)

MAPPED = {"harassment": "personal", "hate": "derogatory", "obscene": "obscene"}
UNMODELLED = (
    "harassment/threatening",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
CATEGORY_NAMES = tuple(sorted((*MAPPED, *UNMODELLED)))


@bp.post("/moderations")
def moderations() -> dict[str, Any]:
    """Classify one input or a list, in OpenAI's response shape."""
    caller = apikeys.authenticate()
    body = ModerationRequest.model_validate(json_body())
    scorer = apikeys.scorer_for(caller)
    verdicts = scorer.score_many(body.texts(), explain=False)
    record_decisions(verdicts, "openai")
    return {
        "id": f"modr-{uuid.uuid4().hex}",
        "model": verdicts[0].model_version,
        "results": [result(scorer, v) for v in verdicts],
    }


def result(scorer: Scorer, verdict: Verdict) -> dict[str, Any]:
    """One entry of ``results``."""
    ours = effective_scores(verdict)
    scores = {name: 0.0 for name in CATEGORY_NAMES}
    flags = {name: False for name in CATEGORY_NAMES}
    for name, category in MAPPED.items():
        scores[name] = round(ours[category], 4)
        flags[name] = ours[category] >= scorer.policy.thresholds[Category(category)].review_at
    return {
        "flagged": verdict.decision is not Decision.APPROVE,
        "categories": flags,
        "category_scores": scores,
        "category_applied_input_types": {name: ["text"] for name in CATEGORY_NAMES},
    }

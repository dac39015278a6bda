"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 description of every endpoint.

Request bodies of the moderation API come from the pydantic models in ``schemas.py`` (so the
document cannot drift from validation); responses and the public comment API are written here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from pydantic import BaseModel

from moderation.comments_service import AUTHOR_MAX, CommentDraft, PageQuery
from moderation.fields import MAX_ID
from moderation.policy import DEFAULT_MAX_LENGTH

from .contract import thread_key, tighten
from .limits import limiter
from .openai_compat import CATEGORY_NAMES
from .perspective import ATTRIBUTES, SUPPORTED_LANGUAGES
from .schemas import AnalyzeRequest, ModerateRequest, ModerationRequest, SuggestRequest

bp = Blueprint("openapi", __name__)

REF = "#/components/schemas/"
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
# Perspective clients send the key as ?key= or in Google's header: either one will do.
QUERY_KEY: list[dict[str, list[str]]] = [{"queryKey": []}, {"googApiKey": []}]
# gunicorn refuses a request line over 4094 bytes before the app sees it (512 characters of a
# thread key can take 6 KB once percent-encoded).
TOO_LONG_URL = {"description": "request line over the HTTP server's limit (a very long thread key)"}


@bp.get("/api/v1/openapi.json")
@limiter.exempt
def openapi_json() -> dict[str, Any]:
    """The OpenAPI document, with this server's text length cap."""
    return document(current_app.config["SETTINGS"].max_length)


def document(max_length: int = DEFAULT_MAX_LENGTH) -> dict[str, Any]:
    """Build the document (pure; cheap enough to build per request)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "moderation", "version": "1", "description": __doc__.split("\n")[0]},
        "paths": {**_moderation_paths(), **_comment_paths(), **_ops_paths()},
        "components": {"schemas": _schemas(max_length), "securitySchemes": _security()},
    }


def _schemas(max_length: int) -> dict[str, Any]:
    models: list[type[BaseModel]] = [
        ModerateRequest,
        AnalyzeRequest,
        SuggestRequest,
        ModerationRequest,
        CommentDraft,
    ]
    schemas: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template=REF + "{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    tighten(
        schemas,
        max_length=max_length,
        author_max=AUTHOR_MAX,
        attributes=sorted(ATTRIBUTES),
        languages=list(SUPPORTED_LANGUAGES),
    )
    schemas.update(_response_schemas())
    return schemas


def _response_schemas() -> dict[str, Any]:
    number = {"type": "number", "minimum": 0, "maximum": 1}
    scores = {
        "type": "object",
        "properties": {c: number for c in ("obscene", "personal", "derogatory")},
    }
    bools = {"type": "object", "properties": {c: {"type": "boolean"} for c in CATEGORY_NAMES}}
    floats = {"type": "object", "properties": {c: number for c in CATEGORY_NAMES}}
    return {
        "Verdict": {
            **_object(
                decision={"enum": ["approve", "review", "reject"]},
                scores=scores,
                matches={"type": "array", "items": {"type": "object"}},
                reasons={"type": "array", "items": {"type": "string"}},
                model_version={"type": "string"},
                explanations={"type": "object"},
            ),
            "required": ["decision", "scores", "matches", "reasons", "model_version"],
        },
        "Error": _object(error={"type": "string"}, message={"type": "string"}),
        "OpenAIError": _object(
            error=_object(
                message={"type": "string"},
                type={"type": "string"},
                param={"type": ["string", "null"]},
                code={"type": ["string", "null"]},
            )
        ),
        "PerspectiveError": _object(
            error=_object(
                code={"type": "integer"}, message={"type": "string"}, status={"type": "string"}
            )
        ),
        "AnalyzeResponse": _object(
            attributeScores={
                "type": "object",
                "propertyNames": {"enum": sorted(ATTRIBUTES)},
                "additionalProperties": _object(
                    summaryScore=_score(), spanScores={"type": "array"}
                ),
            },
            languages={"type": "array", "items": {"type": "string"}},
            clientToken={"type": "string"},
        ),
        "ModerationResponse": _object(
            id={"type": "string"},
            model={"type": "string"},
            results={
                "type": "array",
                "items": _object(
                    flagged={"type": "boolean"}, categories=bools, category_scores=floats
                ),
            },
        ),
        "Comment": _object(
            id={"type": "integer"},
            author={"type": "string"},
            text={"type": "string"},
            created_at={"type": "string", "format": "date-time"},
        ),
        "CommentOutcome": _object(
            id={"type": "integer"},
            status={"enum": ["published", "pending", "rejected"]},
            reasons={"type": "array", "items": {"type": "string"}},
            message={"type": "string"},
        ),
    }


def _moderation_paths() -> dict[str, Any]:
    return {
        "/api/v1/moderate": {
            "post": _op(
                "Score one text or up to 100 with the key's site policy",
                "ModerateRequest",
                {
                    "oneOf": [
                        _ref("Verdict"),
                        {
                            **_object(results={"type": "array", "items": _ref("Verdict")}),
                            "required": ["results"],
                        },
                    ]
                },
                BEARER,
                "Error",
            )
        },
        "/v1alpha1/comments:analyze": {
            "post": _op(
                "Perspective-compatible AnalyzeComment",
                "AnalyzeRequest",
                _ref("AnalyzeResponse"),
                QUERY_KEY,
                "PerspectiveError",
            )
        },
        "/v1alpha1/comments:suggestscore": {
            "post": _op(
                "Perspective-compatible SuggestCommentScore: stored as a training label",
                "SuggestRequest",
                _object(detectedLanguages={"type": "array"}, clientToken={"type": "string"}),
                QUERY_KEY,
                "PerspectiveError",
            )
        },
        "/v1/moderations": {
            "post": _op(
                "OpenAI-compatible moderation",
                "ModerationRequest",
                _ref("ModerationResponse"),
                BEARER,
                "OpenAIError",
            )
        },
    }


def _comment_paths() -> dict[str, Any]:
    site = {"name": "site", "in": "path", "required": True, "schema": {"type": "string"}}
    thread = {"name": "thread", "in": "path", "required": True, "schema": {"type": "string"}}
    stored_thread = {**thread, "schema": thread_key()}
    page = PageQuery.model_json_schema()["properties"]
    page["after"] = {"type": "integer", "minimum": 0, "maximum": MAX_ID}  # absent, never "null"
    query = [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in page.items()
    ]
    listing = _object(
        comments={"type": "array", "items": _ref("Comment")},
        next={"type": ["string", "null"], "description": "pass as ?after= for the next page"},
    )
    outcome = {"application/json": {"schema": _ref("CommentOutcome")}}
    return {
        "/api/v1/sites/{site}/threads/{thread}/comments": {
            "get": {
                "summary": "Published comments, oldest first, paginated",
                "parameters": [site, thread, *query],
                "responses": {
                    "200": _json(listing),
                    "404": {"description": "no such site", **_json(_ref("Error"))},
                    "422": {"description": "bad after or limit", **_json(_ref("Error"))},
                    "414": TOO_LONG_URL,
                },
            },
            "post": {
                "summary": "Submit a comment (stored with its verdict whatever the outcome)",
                "parameters": [site, stored_thread],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("CommentDraft")}},
                },
                "responses": {
                    "201": {"description": "published", "content": outcome},
                    "202": {"description": "held for review", "content": outcome},
                    "400": {"description": "bad input or refused", **_json(_ref("Error"))},
                    "403": {
                        "description": "origin not allowed for the site",
                        **_json(_ref("Error")),
                    },
                    "404": {"description": "no such site", **_json(_ref("Error"))},
                    "413": {"description": "text over the length cap", **_json(_ref("Error"))},
                    "422": {
                        "description": "rejected, with reasons (or a body that is not a draft)",
                        **_json({"anyOf": [_ref("CommentOutcome"), _ref("Error")]}),
                    },
                    "429": {"description": "rate limited; see Retry-After", **_json(_ref("Error"))},
                    "414": TOO_LONG_URL,
                },
            },
        }
    }


def _ops_paths() -> dict[str, Any]:
    return {
        "/healthz": {"get": {"summary": "Alive", "responses": {"200": _json({"type": "object"})}}},
        "/readyz": {
            "get": {
                "summary": "Database reachable; model loaded or degraded",
                "responses": {"200": _json({"type": "object"}), "503": _json({"type": "object"})},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": _json({"type": "object"})}}
        },
    }


def _op(
    summary: str, body: str, ok: dict[str, Any], security: list[Any], error: str
) -> dict[str, Any]:
    err = _json(_ref(error))
    return {
        "summary": summary,
        "security": security,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(body)}}},
        "responses": {
            "200": _json(ok),
            "400": {**err, "description": "bad input"},
            "401": {**err, "description": "missing, unknown or revoked key"},
            "413": {**err, "description": "text over the length cap"},
            **({} if error == "PerspectiveError" else {  # Perspective: a 400, as Google sends
                "422": {**err, "description": "request does not match the schema"},
            }),
            "429": {**err, "description": "rate limited; see Retry-After"},
        },
    }


def _security() -> dict[str, Any]:
    return {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "a site API key (moderation create-api-key)",
        },
        "queryKey": {"type": "apiKey", "in": "query", "name": "key"},
        "googApiKey": {"type": "apiKey", "in": "header", "name": "X-Goog-Api-Key"},
    }


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _score() -> dict[str, Any]:
    return _object(
        value={"type": "number", "minimum": 0, "maximum": 1}, type={"const": "PROBABILITY"}
    )

"""Request bodies of the moderation API, as pydantic models (validation → 422 via errors.py).

Text length and emptiness are the engine's to judge (413 / 400), so the models only check types
and shapes, strictly (the JSON types the OpenAPI document names, no coercion). Unknown fields are
ignored, as Perspective and OpenAI clients send extras.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from moderation.fields import Text

MAX_BATCH = 100


class _Body(BaseModel):
    # Strict: a JSON type is what the document says it is (no "0.5" for 0.5, no 0 for false).
    model_config = ConfigDict(extra="ignore", strict=True)


# --- native ---------------------------------------------------------------------------------


class ModerateRequest(_Body):
    """``{"text": ...}`` or ``{"texts": [...]}`` (1 to 100), not both."""

    text: Text | None = None
    texts: Annotated[list[Text], Field(min_length=1, max_length=MAX_BATCH)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ModerateRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError('give exactly one of "text" or "texts"')
        return self


# --- Perspective ----------------------------------------------------------------------------


class TextEntry(_Body):
    text: Text
    type: Literal["PLAIN_TEXT"] = "PLAIN_TEXT"


class AttributeParameters(_Body):
    scoreType: Literal["PROBABILITY"] | None = None
    scoreThreshold: Annotated[float, Field(ge=0, le=1)] | None = None


class AnalyzeRequest(_Body):
    """``comments:analyze``: Perspective's AnalyzeCommentRequest."""

    comment: TextEntry
    requestedAttributes: Annotated[dict[str, AttributeParameters], Field(min_length=1)]
    languages: list[str] = Field(default_factory=list)
    doNotStore: bool = False
    spanAnnotations: bool = False
    context: dict[str, Any] | None = None
    clientToken: str | None = None
    sessionId: str | None = None
    communityId: str | None = None


class Score(_Body):
    value: Annotated[float, Field(ge=0, le=1)]
    type: Literal["PROBABILITY"] | None = None


class AttributeScore(_Body):
    summaryScore: Score
    spanScores: list[dict[str, Any]] | None = None


class SuggestRequest(_Body):
    """``comments:suggestscore``: Perspective's SuggestCommentScoreRequest."""

    comment: TextEntry
    attributeScores: Annotated[dict[str, AttributeScore], Field(min_length=1)]
    languages: list[str] = Field(default_factory=list)
    context: dict[str, Any] | None = None
    clientToken: str | None = None
    sessionId: str | None = None
    communityId: str | None = None


# --- OpenAI ---------------------------------------------------------------------------------


class TextInput(_Body):
    """A multi-modal input item; only ``{"type": "text"}`` items are supported."""

    type: Literal["text"]
    text: Text


class ModerationRequest(_Body):
    """``/v1/moderations``: a string, a list of strings, or a list of text items."""

    input: Text | Annotated[list[Text | TextInput], Field(min_length=1, max_length=MAX_BATCH)]
    model: str | None = None

    def texts(self) -> list[str]:
        """The inputs as plain strings."""
        if isinstance(self.input, str):
            return [self.input]
        return [item if isinstance(item, str) else item.text for item in self.input]

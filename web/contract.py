"""The exact request contract, written into the OpenAPI document's request schemas.

pydantic's JSON schemas say what the models parse; the service checks a few things more (a
scored text must not be blank and has at most ``MODERATION_MAX_LENGTH`` characters, an author's
name is trimmed before its length counts, a comment's ``url`` is http(s), the honeypot must stay
blank, Perspective attributes and languages are the ones we score, ``text`` and ``texts`` are
exclusive, and what is stored holds no NUL character, which PostgreSQL cannot store). :func:`tighten` adds those rules to the generated schemas, so that a request the
document calls valid is accepted and one it calls invalid is refused (schemathesis checks both
ways). Character classes are spelled out rather than written ``\\s``: regex engines disagree about
which characters ``\\s`` covers, and the document must mean the same thing to all of them.
"""

from __future__ import annotations

from typing import Any

_REF = "#/components/schemas/"

# Unicode White_Space: what the Rust regex engine inside pydantic calls \s (the url pattern).
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# What Python's str.strip() removes: White_Space plus the four ASCII separators (blank checks).
STRIPPED = WHITE_SPACE + "\x1c\x1d\x1e\x1f"
ANY = "[\\s\\S]"
NUL = "\\x00"  # stored text never holds it (PostgreSQL cannot): excluded inside the patterns
THREAD_KEY_MAX = 512  # threads.key


def not_blank(max_length: int, *, stored: bool = False) -> dict[str, Any]:
    """A text the scorer accepts: some character that is not space, at most ``max_length``."""
    pattern = f"^[^{NUL}]*[^{NUL}{STRIPPED}][^{NUL}]*$" if stored else f"[^{STRIPPED}]"
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": pattern}


def trimmed(max_length: int) -> dict[str, Any]:
    """A stored string whose trimmed length is 1 to ``max_length`` (surrounding space dropped)."""
    edge = f"[^{NUL}{STRIPPED}]"
    body = f"{edge}([^{NUL}]{{0,{max_length - 2}}}{edge})?"
    return {"type": "string", "pattern": f"^[{STRIPPED}]*{body}[{STRIPPED}]*$"}


def no_nul(max_length: int, min_length: int = 0) -> dict[str, Any]:
    """A stored string of ``min_length`` to ``max_length`` characters."""
    pattern = f"^[^{NUL}]*$"
    return {"type": "string", "minLength": min_length, "maxLength": max_length, "pattern": pattern}


def tighten(
    schemas: dict[str, Any],
    *,
    max_length: int,
    author_max: int,
    attributes: list[str],
    languages: list[str],
) -> dict[str, Any]:
    """Add the service's own checks to the generated request schemas (in place; returned)."""
    text = not_blank(max_length)
    moderate = schemas["ModerateRequest"]
    moderate["properties"]["text"] = {"anyOf": [text, {"type": "null"}], "default": None}
    moderate["properties"]["texts"]["anyOf"][0]["items"] = text
    moderate["oneOf"] = [_only("text", "texts"), _only("texts", "text")]
    schemas["TextEntry"]["properties"]["text"] = text
    schemas["TextInput"]["properties"]["text"] = text
    openai_input = schemas["ModerationRequest"]["properties"]["input"]["anyOf"]
    openai_input[0] = text
    openai_input[1]["items"]["anyOf"][0] = text
    for name in ("AnalyzeRequest", "SuggestRequest"):
        _perspective(schemas[name], attributes, languages)
    # suggestscore stores its text as a label: its own entry schema, without NUL.
    stored_entry = {**schemas["TextEntry"], "title": "StoredTextEntry"}
    stored = not_blank(max_length, stored=True)
    stored_entry["properties"] = {**stored_entry["properties"], "text": stored}
    schemas["StoredTextEntry"] = stored_entry
    schemas["SuggestRequest"]["properties"]["comment"] = {"$ref": _REF + "StoredTextEntry"}
    _comment(schemas["CommentDraft"], stored, author_max)
    return schemas


def thread_key() -> dict[str, Any]:
    """A thread key a submission can be stored under (the list accepts any string)."""
    return no_nul(THREAD_KEY_MAX, min_length=1)


def _only(present: str, absent: str) -> dict[str, Any]:
    """``present`` given and not null; ``absent`` missing or null."""
    return {
        "required": [present],
        "properties": {present: {"not": {"type": "null"}}, absent: {"type": "null"}},
    }


def _perspective(schema: dict[str, Any], attributes: list[str], languages: list[str]) -> None:
    field = (
        "requestedAttributes"
        if "requestedAttributes" in schema["properties"]
        else ("attributeScores")
    )
    schema["properties"][field]["propertyNames"] = {"enum": attributes}
    # Perspective's codes: "en", "EN", "en-GB", … (the part before the first "-" decides).
    codes = "|".join("".join(f"[{c.lower()}{c.upper()}]" for c in code) for code in languages)
    schema["properties"]["languages"]["items"] = {
        "type": "string",
        "pattern": f"^({codes})(-{ANY}*)?$",
    }


def _comment(schema: dict[str, Any], text: dict[str, Any], author_max: int) -> None:
    props = schema["properties"]
    props["text"] = text
    props["author"] = trimmed(author_max)
    props["url"]["anyOf"][0]["pattern"] = f"^https?://[^{NUL}{WHITE_SPACE}]+$"
    props["title"]["anyOf"][0] = no_nul(props["title"]["anyOf"][0]["maxLength"])
    props["homepage"]["pattern"] = f"^[{STRIPPED}]*$"  # the honeypot: people leave it blank

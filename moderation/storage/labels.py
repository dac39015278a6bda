"""Training labels: feedback on a text or a stored comment, for a later retraining."""

from __future__ import annotations

import math
from collections.abc import Mapping

from sqlalchemy.orm import Session

from ..categories import Category
from ._checks import check_text
from .errors import InvalidData
from .schema import Comment, Label, LabelSource, Site


def add_label(
    session: Session,
    site: Site,
    source: LabelSource,
    *,
    comment: Comment | None = None,
    text: str | None = None,
    categories: Mapping[str, float] | None = None,
    toxicity: float | None = None,
) -> Label:
    """Store category labels and/or a toxicity value (each in [0, 1]) for a text or comment."""
    if comment is None and not text:
        raise InvalidData("a label needs a text or a comment")
    if comment is not None and comment.site_id != site.id:
        raise InvalidData("the comment belongs to another site")
    if categories is None and toxicity is None:
        raise InvalidData("a label needs category labels or a toxicity value")
    check_text(Label.text, text)
    label = Label(
        site_id=site.id,
        comment_id=comment.id if comment is not None else None,
        text=text,
        categories=_categories(categories),
        toxicity=None if toxicity is None else _unit(toxicity, "toxicity"),
        source=LabelSource(source),
    )
    session.add(label)
    session.flush()
    return label


def _categories(raw: Mapping[str, float] | None) -> dict[str, float] | None:
    """Known categories only, each value in [0, 1]."""
    if raw is None:
        return None
    unknown = set(raw) - set(Category)
    if unknown:
        raise InvalidData(f"unknown label categories: {sorted(unknown)}")
    return {str(Category(k)): _unit(v, k) for k, v in raw.items()}


def _unit(value: float, name: str) -> float:
    """``value`` as a float in [0, 1]."""
    number = float(value)
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise InvalidData(f"{name} must be in [0, 1], got {value!r}")
    return number

"""Small helpers shared by the dashboard views: the scorer's thresholds, query parsing, undo."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from flask import request, session

from moderation import queue
from moderation.fields import MAX_ID
from moderation.policy import Policy, Thresholds
from moderation.review import UNDO_SECONDS
from moderation.storage import CommentStatus

from ..models import registry


def base_policy() -> Policy:
    """The global scorer's policy (a default one for scorers without a policy, e.g. fakes)."""
    policy = getattr(registry().scorer(None), "policy", None)
    return policy if isinstance(policy, Policy) else Policy()


def base_thresholds() -> Mapping[str, Thresholds]:
    return {str(k): v for k, v in base_policy().thresholds.items()}


def parse_query(
    status: CommentStatus, args: Mapping[str, Any], default: queue.Order
) -> queue.Query:
    """A queue query from request arguments; unknown values are ignored, not errors."""
    return queue.Query(
        status=status,
        site=args.get("site") or None,
        thread=number(args.get("thread")),
        category=args.get("category") if args.get("category") in _CATEGORIES else None,
        reason=_enum(queue.ReasonKind, args.get("rule")),
        search=str(args.get("q") or ""),
        order=_enum(queue.Order, args.get("order")) or default,
        page=number(args.get("page")) or 1,
        per_page=number(args.get("per_page")) or queue.PER_PAGE,
    )


_CATEGORIES = ("obscene", "personal", "derogatory")


def number(value: Any) -> int | None:
    """A whole number a query can use, or None (never a 500 for "²" or 30 nines)."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.lstrip("-").isdigit()):
        return None
    whole = int(text)
    return whole if abs(whole) <= MAX_ID else None


def ids(values: Iterable[Any]) -> list[int]:
    """The valid row ids among ``values`` (numbers or digit strings); the rest are dropped."""
    return [n for n in map(number, values) if n is not None and n >= 0]


def _enum(cls: Any, value: Any) -> Any:
    try:
        return cls(value) if value else None
    except ValueError:
        return None


def remember_undo(event_ids: list[int]) -> None:
    """Offer an undo of these events on the next page, for a few seconds."""
    if event_ids:
        session["undo"] = {"events": event_ids, "until": time.time() + UNDO_SECONDS}


def pending_undo() -> list[int]:
    """The events an undo button may still revert."""
    offer = session.get("undo") or {}
    if offer.get("until", 0) < time.time():
        session.pop("undo", None)
        return []
    return [int(i) for i in offer.get("events", [])]


def filter_args() -> dict[str, str]:
    """The current filter, to carry through links and forms."""
    keep = ("site", "thread", "category", "rule", "q", "order", "per_page")
    return {k: request.args[k] for k in keep if request.args.get(k)}

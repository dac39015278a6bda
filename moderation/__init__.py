"""moderation: score news comments against the site rule and decide approve / review / reject.

    >>> import moderation
    >>> scorer = moderation.load_scorer()
    >>> scorer.score("Thanks for the clear reporting.").decision
    <Decision.APPROVE: 'approve'>
"""

from .categories import CATEGORIES, Category
from .errors import InvalidText, ModelRefused, ModerationError, TextTooLong
from .policy import Decision, Policy, Thresholds, Verdict
from .scorer import Scorer, load_scorer

__all__ = [
    "CATEGORIES",
    "Category",
    "Decision",
    "InvalidText",
    "ModelRefused",
    "ModerationError",
    "Policy",
    "Scorer",
    "TextTooLong",
    "Thresholds",
    "Verdict",
    "load_scorer",
]

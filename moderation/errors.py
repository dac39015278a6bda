"""Domain exceptions raised by the engine.

    ModerationError
    ├── TextTooLong        text over the configured cap (never truncated silently)
    ├── InvalidText        not a string, or empty after stripping
    └── ModelRefused       a model artifact that is missing, damaged, untrusted or tampered with

The web layer turns these into HTTP responses in one place (``web/errors.py``).
"""

from __future__ import annotations


class ModerationError(Exception):
    """Base class of every error the engine raises on purpose."""


class InvalidText(ModerationError, ValueError):
    """The input is not a usable comment text."""


class TextTooLong(ModerationError, ValueError):
    """The text is longer than the configured cap."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"text is {length} characters long; the limit is {limit}")
        self.length = length
        self.limit = limit


class ModelRefused(ModerationError):
    """A model artifact could not be loaded safely; the engine runs on the word list alone."""

"""The site rule's three categories, in the one order used everywhere (arrays, columns, reports)."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    OBSCENE = "obscene"  # profanity, obscene or sexual vulgarity, however spelled
    PERSONAL = "personal"  # attacks on a person: the author, another reader, a named person
    DEROGATORY = "derogatory"  # demeaning a group or identity


CATEGORIES: tuple[Category, ...] = (Category.OBSCENE, Category.PERSONAL, Category.DEROGATORY)

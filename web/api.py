"""Moderation API for other sites: native, Perspective-compatible and OpenAI-compatible."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

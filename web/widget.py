"""Embed widget (embed.js), the demo article page, and the public comment API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("widget", __name__)

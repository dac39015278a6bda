"""The Flask application: widget and public comment API, moderation API, dashboard, operations.

``create_app(config=None)`` is the only entry point; nothing reads configuration or loads a model
at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build an app from ``MODERATION_*`` variables, overridden by ``config`` (tests)."""
    app = Flask(__name__, instance_relative_config=False)
    if config:
        app.config.update(config)

    from . import api, ops, widget

    for module in (ops, widget, api):
        app.register_blueprint(module.bp)
    return app

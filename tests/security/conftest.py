"""Fixtures for the security suite: an app on SQLite with a moderator and an admin, and clients.

The security properties under test (headers, error pages, access, limits) do not depend on the
database engine, so these tests run on SQLite only; the storage suite covers PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.storage import upgrade

from ..dashboard_support import dashboard_app, login
from ..widget_support import dispose


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'moderation.db'}"
    upgrade(url)
    return url


@pytest.fixture
def make(sqlite_url: str, tmp_path: Path) -> Iterator[Any]:
    """Build dashboard apps (moderator ``mod``, admin ``boss``) with config overrides."""
    apps: list[Flask] = []

    def build(**config: Any) -> Flask:
        app = dashboard_app(sqlite_url, tmp_path, **config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        dispose(app)


@pytest.fixture
def app(make: Any) -> Flask:
    return make()


@pytest.fixture
def anon(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def moderator(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client).status_code == 302
    return client


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    return client

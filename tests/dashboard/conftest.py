"""Fixtures shared by the dashboard tests: an app on each database and a logged-in moderator."""

import pytest

from ..dashboard_support import dashboard_app, login
from ..widget_support import dispose


@pytest.fixture
def app(db_url, tmp_path):
    app = dashboard_app(db_url, tmp_path)
    yield app
    dispose(app)


@pytest.fixture
def client(app):
    client = app.test_client()
    login(client)
    return client

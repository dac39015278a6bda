"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

``db_url`` is parametrized ``[sqlite]`` / ``[postgresql]`` (select with ``-k sqlite`` or
``-k postgresql``) and gives an empty database already migrated to head:

* SQLite: a copy of a template file migrated once per test session;
* PostgreSQL: a database created for this test session (and pytest-xdist worker), migrated
  once, dropped at the end, and emptied before each test. The server is
  ``$MODERATION_TEST_PG_URL`` or ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; when it
  is unreachable the PostgreSQL cases skip, except under ``CI=true`` where they fail.

``empty_db_url`` gives a database with no tables at all (for migration tests): a new SQLite
file, or a new PostgreSQL schema put alone on the search path (much faster than a database).
No test mocks the database.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker as SessionMaker
from sqlalchemy.pool import NullPool

from moderation.storage.engine import make_engine, session_factory
from moderation.storage.migrate import upgrade
from moderation.storage.schema import Base

PG_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASES = ["sqlite", "postgresql"]


def _pg_server_url() -> URL:
    """The PostgreSQL server the tests may create databases on."""
    return make_url(os.environ.get("MODERATION_TEST_PG_URL") or PG_DEFAULT_URL)


@pytest.fixture(scope="session")
def pg_server() -> URL:
    """A reachable PostgreSQL server; skip (or fail under CI=true) when there is none."""
    url = _pg_server_url()
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        message = f"PostgreSQL unreachable at {url.render_as_string(hide_password=True)}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    _drop_abandoned_databases(url)
    return url


def _drop_abandoned_databases(server: URL) -> None:
    """Drop test databases left by runs that were killed before their teardown."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        names = conn.scalars(
            text("SELECT datname FROM pg_database WHERE datname LIKE 'moderation_test_%'")
        ).all()
        for name in names:
            if not _alive(int(name.split("_")[2])):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _pg_database(server: URL) -> Iterator[URL]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"moderation_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def pg_migrated(pg_server: URL) -> Iterator[URL]:
    """This test session's PostgreSQL database, migrated to head."""
    with _pg_database(pg_server) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "moderation.db"
    upgrade(f"sqlite:///{path}")  # disposes its engine: the WAL is checkpointed into the file
    return path


@pytest.fixture(scope="session")
def pg_cleaner(pg_migrated: URL) -> Iterator[Engine]:
    """A connection pool used only to empty the tables between tests."""
    engine = create_engine(pg_migrated)
    yield engine
    engine.dispose()


def _empty_tables(engine: Engine) -> None:
    """Delete every row, children first (25× faster than TRUNCATE on tiny tables)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@contextmanager
def _pg_schema(database: URL) -> Iterator[URL]:
    """A new, empty schema in ``database``, first on the search path of the URL's connections."""
    name = f"empty_{secrets.token_hex(6)}"
    admin = create_engine(database, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        yield database.update_query_dict({"options": f"-csearch_path={name}"})
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        admin.dispose()


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database at head, on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "moderation.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    _empty_tables(request.getfixturevalue("pg_cleaner"))
    url: URL = request.getfixturevalue("pg_migrated")
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=DATABASES)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with _pg_schema(request.getfixturevalue("pg_migrated")) as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the migrated test database."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessionmaker(engine: Engine) -> SessionMaker[Session]:
    """The application's session factory on the test database."""
    return session_factory(engine)


@pytest.fixture
def session(sessionmaker: SessionMaker[Session]) -> Iterator[Session]:
    """A session whose transaction is rolled back after the test (tests may flush, not commit)."""
    with sessionmaker() as sess:
        yield sess
        sess.rollback()

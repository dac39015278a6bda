"""Engines, sessions and transactions for SQLite (default) and PostgreSQL.

SQLite is set up for several worker processes writing one file: WAL, a busy timeout,
``synchronous=FULL`` and foreign keys on every connection, and transactions opened with
``BEGIN IMMEDIATE`` so that a writer waits for the lock up front (honouring the busy timeout)
instead of failing with "database is locked" when a read transaction later tries to write.
This is SQLAlchemy's documented pysqlite recipe: pysqlite's own BEGIN handling is switched off
and we emit BEGIN ourselves. Read-only sessions (``session_factory(engine, readonly=True)``) use a deferred BEGIN
instead, so readers never queue behind writers.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 5
SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
)
_WAL_RETRY_S = 0.01
_BEGIN_OPTION = "moderation_sqlite_begin"  # execution option: "IMMEDIATE" (default) or "DEFERRED"


def default_url(instance_dir: str | Path) -> str:
    """The default database: ``moderation.db`` in the instance directory."""
    return f"sqlite:///{Path(instance_dir).resolve() / 'moderation.db'}"


def normalize_url(url: str | URL) -> URL:
    """Parse a URL; plain ``postgresql://`` / ``postgres://`` use psycopg 3."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the SQLite profile or PostgreSQL's pre-ping pool."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    if "connect_timeout" not in parsed.query:
        # An unreachable host fails in seconds (a 503) instead of outliving the worker's timeout.
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", PG_CONNECT_TIMEOUT_S)
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    """A SQLite engine whose connections get the pragmas and explicit BEGIN."""
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Turn off pysqlite's implicit BEGIN and apply the pragmas."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            if "journal_mode" in pragma:
                _switch_to_wal(cursor, pragma)
            else:
                cursor.execute(pragma)
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any, pragma: str) -> None:
    """Switch to WAL, retrying while another connection holds the lock, up to the busy timeout.

    SQLite answers "database is locked" at once, without calling the busy handler, when two
    connections race to convert a fresh file to WAL (several workers starting on a new
    database); the loser waits here and then finds the file already in WAL mode.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute(pragma)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(_WAL_RETRY_S)


def _on_sqlite_begin(conn: Connection) -> None:
    """Open the transaction ourselves: IMMEDIATE unless the engine was marked read-only."""
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def readonly_engine(engine: Engine) -> Engine:
    """The same pool, but SQLite transactions start DEFERRED (for read-only work)."""
    return engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})


def session_factory(engine: Engine, *, readonly: bool = False) -> sessionmaker[Session]:
    """Sessions on ``engine`` (objects stay usable after commit); ``readonly``: deferred BEGIN."""
    bind = readonly_engine(engine) if readonly else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: commit on success, rollback on error, then close."""
    with factory() as session, session.begin():
        yield session

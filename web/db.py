"""The database's lifetime in the app: one engine per app, one session per request.

``get_session()`` opens the request's session on first use (requests that never touch the
database never open one) and teardown closes it, rolling back anything left uncommitted. Views
that write use ``with write() as session:``, which commits or rolls back. ``read_session()`` is a
second, read-only session for the request: on SQLite its BEGIN is deferred, so page loads read
the WAL snapshot instead of queueing for the write lock behind submissions.

When the database cannot be reached (PostgreSQL restarting, a connection cut, the pool
exhausted, SQLite locked past its busy timeout) the request ends in a 503 with ``Retry-After``,
never a 500. A commit whose answer was lost is also a 503, though the row may be stored: the
client retries with the same idempotency key and gets the stored comment back, so nothing stored
is ever reported as failed. The engine's pre-ping pool replaces dead connections on the next
checkout, so the service recovers as soon as the database answers again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g
from sqlalchemy import Engine, text
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from moderation.storage import make_engine, session_factory

from .errors import error_response

RETRY_AFTER_SECONDS = 2
# Connection refused or cut, server shutting down or starting up, SQLite busy, pool exhausted.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
log = logging.getLogger("web.db")


def init_app(app: Flask, url: str) -> None:
    """Create the engine and session factory for ``app``; close sessions at teardown."""
    engine = make_engine(url)
    app.extensions["db.engine"] = engine
    app.extensions["db.sessions"] = session_factory(engine)
    app.extensions["db.readers"] = session_factory(engine, readonly=True)
    app.teardown_appcontext(close_session)
    for exc_class in UNAVAILABLE:
        app.register_error_handler(exc_class, unavailable)
    # Runs after every other after_request hook (they run last-registered first): the rate
    # limiter would otherwise stretch our Retry-After to the end of its window (a minute).
    app.after_request_funcs.setdefault(None, []).insert(0, _keep_retry_after)


def engine() -> Engine:
    """The app's engine."""
    engine: Engine = current_app.extensions["db.engine"]
    return engine


def get_session() -> Session:
    """The request's session, opened on first use."""
    return _request_session("db_session", "db.sessions")


def read_session() -> Session:
    """The request's read-only session, opened on first use (never takes SQLite's write lock)."""
    return _request_session("db_reader", "db.readers")


def _request_session(name: str, factory_key: str) -> Session:
    """``g.<name>``, opened from ``app.extensions[factory_key]`` on first use."""
    if name not in g:
        factory: sessionmaker[Session] = current_app.extensions[factory_key]
        setattr(g, name, factory())
    session: Session = getattr(g, name)
    return session


@contextmanager
def write() -> Iterator[Session]:
    """The request's session inside a transaction: committed on success, rolled back on error."""
    session = get_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's sessions, if any were opened."""
    for name in ("db_session", "db_reader"):
        session = g.pop(name, None)
        if session is not None:
            _close(session)


def _close(session: Session) -> None:
    """Close (rolling back); a connection that died meanwhile is dropped, not raised: the answer
    is already made (a 201 for a stored comment must not turn into a 500 at teardown)."""
    try:
        session.close()
    except SQLAlchemyError as exc:
        log.warning("dropping a dead database connection at teardown: %s", type(exc).__name__)
        session.invalidate()


def ping() -> None:
    """Run ``SELECT 1``; raises when the database is unreachable."""
    with engine().connect() as conn:
        conn.execute(text("SELECT 1"))


def unavailable(exc: Exception) -> Response:
    """503 with ``Retry-After`` when the database cannot answer (never a 500)."""
    cause = getattr(exc, "orig", None) or exc  # the driver's error: no SQL, no parameters
    first_line = (str(cause).splitlines() or [""])[0][:200]
    log.warning("database unavailable: %s: %s", type(cause).__name__, first_line)
    g.db_retry_after = str(RETRY_AFTER_SECONDS)
    return error_response(
        503,
        "database_unavailable",
        "the database is unavailable; retry shortly (with the same idempotency key)",
        {"Retry-After": g.db_retry_after},
    )


def _keep_retry_after(response: Response) -> Response:
    if "db_retry_after" in g:
        response.headers["Retry-After"] = g.db_retry_after
    return response

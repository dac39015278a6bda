"""The database's lifetime in the app: one engine per app, one session per request.

``get_session()`` opens the request's session on first use (requests that never touch the
database never open one) and teardown closes it, rolling back anything left uncommitted. Views
that write use ``with write() as session:``, which commits or rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from moderation.storage import make_engine, session_factory


def init_app(app: Flask, url: str) -> None:
    """Create the engine and session factory for ``app``; close sessions at teardown."""
    engine = make_engine(url)
    app.extensions["db.engine"] = engine
    app.extensions["db.sessions"] = session_factory(engine)
    app.teardown_appcontext(close_session)


def engine() -> Engine:
    """The app's engine."""
    engine: Engine = current_app.extensions["db.engine"]
    return engine


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        factory: sessionmaker[Session] = current_app.extensions["db.sessions"]
        g.db_session = factory()
    session: Session = g.db_session
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
    """Close the request's session, if one was opened."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def ping() -> None:
    """Run ``SELECT 1``; raises when the database is unreachable."""
    with engine().connect() as conn:
        conn.execute(text("SELECT 1"))

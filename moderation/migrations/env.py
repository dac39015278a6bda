"""Alembic environment: run on the connection that ``moderation.storage.migrate`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from moderation.storage.engine import make_engine
from moderation.storage.schema import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    """Configure alembic on ``connection`` and run the migrations in its transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Use the caller's connection, or open one from ``sqlalchemy.url``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        run(conn)
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run upgrade() on a database")
run_online()

"""Alembic environment: runs migrations on the engine built by bot.storage.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.storage.db import make_engine

target_metadata = SQLModel.metadata
# Any constant of our own: the key of the advisory lock every migrating process takes.
MIGRATION_LOCK_KEY = 0x44_52_4F_50_5F_4D_49_47  # "DROP_MIG"


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    # Batch migrations rebuild SQLite tables; with foreign keys on, dropping the old parent
    # table would cascade-delete every child row.
    engine = make_engine(url, foreign_keys=False)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Replicas started together on a fresh database would each create the
                # tables; the second waits here, then finds them at the newest revision.
                # (SQLite needs nothing: every transaction begins IMMEDIATE, see db.py.)
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            context.run_migrations()
    engine.dispose()


run_migrations_online()

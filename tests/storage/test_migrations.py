"""Upgrades keep every row: build the previous schema, fill it, upgrade, check."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from bot.storage.db import make_engine
from bot.storage.migrate import current_revision, upgrade
from bot.storage.models import Chat, Delivery, Learner

NOW = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)


def test_upgrade_from_first_schema_keeps_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO chats (id, kind, title, time_zone, delivery_time, paused, active,"
                " created_at) VALUES (42, 'private', NULL, 'Europe/Berlin', '07:30', 0, 1,"
                " '2026-03-01 07:30:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO learners (id, first_name, desired_retention, review_cap,"
                " reviews_with_drop, created_at) VALUES (42, 'Ada', 0.9, 20, 1,"
                " '2026-03-01 07:30:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO deliveries (chat_id, drop_id, path_round, local_day, scheduled,"
                " sent_at) VALUES (42, '1.1', 1, '2026-03-01', 1, '2026-03-01 07:30:00')"
            )
        )
    upgrade(url)
    assert current_revision(url) is not None
    with Session(engine) as session:
        chat = session.get(Chat, 42)
        assert chat is not None and chat.time_zone == "Europe/Berlin" and chat.path_round == 1
        assert not chat.current_opened
        learner = session.get(Learner, 42)
        assert learner is not None and learner.first_name == "Ada"
        delivery = session.exec(select(Delivery)).one()
        assert delivery.status == "sent" and delivery.sent_at == NOW
    engine.dispose()


def test_fresh_database_has_every_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    upgrade(url)
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"chats", "learners", "deliveries", "cards", "review_logs", "plans"} <= tables


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    engine.dispose()


def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'naive.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session, pytest.raises(Exception, match="naive"):
        session.add(Chat(id=1, kind="private", created_at=datetime(2026, 1, 1)))
        session.commit()
    engine.dispose()


def test_migrations_match_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    url = f"sqlite:///{tmp_path / 'cmp.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == []

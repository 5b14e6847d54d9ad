"""Upgrades keep every row: build the previous schema, fill it, upgrade, check.

Each test runs on SQLite and on PostgreSQL (the ``database_url`` fixture, tests/dbs.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.storage.db import make_engine
from bot.storage.migrate import current_revision, upgrade
from bot.storage.models import Chat, Delivery, DistillRun, Learner, QuizRound

NOW = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
HEAD = "0016"


def insert_rows(connection: Connection, table_name: str, *rows: dict[str, Any]) -> None:
    """Insert through the table as the database has it now, so any old schema can be filled."""
    schema = MetaData()
    schema.reflect(connection, only=[table_name])
    table = schema.tables[table_name]
    connection.execute(table.insert(), list(rows))


def test_upgrade_from_first_schema_keeps_rows(database_url: str) -> None:
    upgrade(database_url, "0001")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        insert_rows(
            connection,
            "chats",
            {
                "id": 42,
                "kind": "private",
                "title": None,
                "time_zone": "Europe/Berlin",
                "delivery_time": "07:30",
                "paused": False,
                "active": True,
                "created_at": NOW,
            },
        )
        insert_rows(
            connection,
            "learners",
            {
                "id": 42,
                "first_name": "Ada",
                "desired_retention": 0.9,
                "review_cap": 20,
                "reviews_with_drop": True,
                "created_at": NOW,
            },
        )
        insert_rows(
            connection,
            "deliveries",
            {
                "chat_id": 42,
                "drop_id": "1.1",
                "path_round": 1,
                "local_day": "2026-03-01",
                "scheduled": True,
                "sent_at": NOW,
            },
        )
    upgrade(database_url)
    assert current_revision(database_url) is not None
    with Session(engine) as session:
        chat = session.get(Chat, 42)
        assert chat is not None and chat.time_zone == "Europe/Berlin" and chat.path_round == 1
        assert not chat.current_opened and not chat.reminded and chat.silent_days == 0
        assert chat.created_at == NOW
        learner = session.get(Learner, 42)
        assert learner is not None and learner.first_name == "Ada"
        delivery = session.exec(select(Delivery)).one()
        assert delivery.status == "sent" and delivery.sent_at == NOW
        assert delivery.parts_sent == 0
    engine.dispose()


def test_upgrade_gives_old_distill_runs_no_owner(database_url: str) -> None:
    upgrade(database_url, "0003")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        # One row per insert: an executemany takes its columns from the first row only.
        insert_rows(
            connection,
            "distill_runs",
            {"user_id": 42, "chat_id": 42, "settings": "T=4", "status": "running",
             "created_at": NOW},
        )  # fmt: skip
        insert_rows(
            connection,
            "distill_runs",
            {"user_id": 42, "chat_id": 42, "settings": "", "status": "done", "created_at": NOW,
             "finished_at": NOW, "metrics": '{"kd_accuracy": 0.95}'},
        )  # fmt: skip
    upgrade(database_url)
    with Session(engine) as session:
        runs = session.exec(select(DistillRun).order_by(DistillRun.id)).all()  # type: ignore[arg-type]
    assert [(r.settings, r.status, r.owner, r.lease_until) for r in runs] == [
        ("T=4", "running", None, None),
        ("", "done", None, None),
    ]
    assert runs[1].metrics == '{"kd_accuracy": 0.95}'
    engine.dispose()


def test_upgrade_keeps_one_of_a_members_answers_counted_twice_for_one_poll(
    database_url: str,
) -> None:
    """One poll answer handled by two instances at once was logged twice (two points on the
    board); the upgrade keeps the first and from then on refuses a second one."""
    upgrade(database_url, "0011")
    engine = make_engine(database_url)
    learner = {"id": 42, "first_name": "Ada", "desired_retention": 0.9, "review_cap": 20,
               "reviews_with_drop": True, "created_at": NOW}  # fmt: skip
    answer = {"learner_id": 42, "item_id": "1.1a", "rating": 3, "correct": True,
              "reviewed_at": NOW, "source": "group", "chat_id": -42}  # fmt: skip
    with engine.begin() as connection:
        insert_rows(connection, "learners", learner)
        for poll_id in ("p1", "p1", "p2", None, None, "p1"):  # two button answers: no poll
            # One row per insert: an executemany takes its columns from the first row only.
            insert_rows(connection, "review_logs", {**answer, "poll_id": poll_id})
    upgrade(database_url)
    assert current_revision(database_url) == HEAD
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT id, poll_id FROM review_logs ORDER BY id")).all()
    assert [tuple(row) for row in kept] == [(1, "p1"), (3, "p2"), (4, None), (5, None)]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_rows(connection, "review_logs", {**answer, "poll_id": "p2"})
    with engine.begin() as connection:  # answers by button still log as many as there are
        insert_rows(connection, "review_logs", {**answer, "poll_id": None})
    engine.dispose()


def test_claims_from_before_the_upgrade_have_no_holder_and_wait_for_their_lease(
    database_url: str,
) -> None:
    """A delivery, a quiz question and a round question claimed before holders were
    recorded are all kept, with no holder: no instance takes them for its own at start-up;
    they are taken over once their lease runs out, as before."""
    from alembic import command

    from bot.services.delivery.outbox import reclaim_stale
    from bot.storage.instance_lock import Claimant
    from bot.storage.migrate import alembic_config

    upgrade(database_url, "0012")
    engine = make_engine(database_url)
    lease = timedelta(minutes=2)
    chat = {"id": 42, "kind": "private", "title": None, "time_zone": "UTC",
            "delivery_time": "07:30", "paused": False, "active": True, "created_at": NOW,
            "path_round": 1, "current_opened": False, "reminded": False, "silent_days": 0,
            "round_starters": "anyone"}  # fmt: skip
    learner = {"id": 42, "first_name": "Ada", "desired_retention": 0.9, "review_cap": 20,
               "reviews_with_drop": True, "created_at": NOW}  # fmt: skip
    delivery = {"chat_id": 42, "drop_id": "1.3", "path_round": 1, "local_day": "2026-03-01",
                "scheduled": True, "sent_at": NOW, "status": "sending", "parts_sent": 1,
                "cards_open": 1, "lease_until": NOW + lease}  # fmt: skip
    question = {"learner_id": 42, "chat_id": 42, "item_id": "1.1a", "kind": "new",
                "sent_at": NOW}  # fmt: skip
    game = {"id": 1, "chat_id": -42, "running_in": -42, "started_by": 42, "open_period_s": 30,
            "status": "running", "started_at": NOW}  # fmt: skip
    asked = {"round_id": 1, "position": 1, "item_id": "1.1a", "asking_since": NOW}
    with engine.begin() as connection:
        insert_rows(connection, "chats", chat)
        insert_rows(connection, "learners", learner)
        insert_rows(connection, "deliveries", delivery)
        insert_rows(connection, "quiz_questions", question)
        insert_rows(connection, "quiz_rounds", game)
        insert_rows(connection, "round_questions", asked)
    upgrade(database_url)
    assert current_revision(database_url) == HEAD
    with engine.connect() as connection:
        kept = [
            tuple(connection.execute(text(f"SELECT COUNT(*), MIN(holder) FROM {table}")).one())
            for table in ("deliveries", "quiz_questions", "round_questions")
        ]
    assert kept == [(1, None)] * 3
    restarted = NOW + timedelta(seconds=30)
    with Session(engine) as session:
        heir = Claimant(holder="0123456789ab:bot-a", heir_of="bot-a")
        at_start = reclaim_stale(session, restarted, lease, claimant=heir)
        session.commit()
        expired = reclaim_stale(session, NOW + 2 * lease, lease, claimant=heir)
        session.commit()
    assert at_start == []
    assert [(w.drop_id, w.parts_sent) for w in expired] == [("1.3", 2)]
    command.downgrade(alembic_config(database_url), "0012")
    with engine.connect() as connection:
        counts = [
            connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            for table in ("deliveries", "quiz_questions", "round_questions")
        ]
    assert counts == [1, 1, 1]
    upgrade(database_url)
    engine.dispose()


def test_upgrade_keeps_every_review_log_and_never_gives_a_freed_id_again(
    database_url: str,
) -> None:
    """SQLite gave the id of the newest answer, once undone, to the next answer; after the
    upgrade every log is there as it was, and an id freed after it is not given again (as
    PostgreSQL's sequence never did). Down and up again keep every log too."""
    from alembic import command

    from bot.storage.migrate import alembic_config

    upgrade(database_url, "0013")
    engine = make_engine(database_url)
    learner = {"id": 42, "first_name": "Ada", "desired_retention": 0.9, "review_cap": 20,
               "reviews_with_drop": True, "created_at": NOW}  # fmt: skip
    answer = {"learner_id": 42, "item_id": "1.1a", "rating": 3, "correct": True,
              "reviewed_at": NOW, "source": "group", "chat_id": -42}  # fmt: skip
    with engine.begin() as connection:
        insert_rows(connection, "learners", learner)
        for poll_id in ("p1", "p2", None):
            insert_rows(connection, "review_logs", {**answer, "poll_id": poll_id})
    query = text("SELECT id, learner_id, item_id, rating, poll_id FROM review_logs ORDER BY id")
    with engine.connect() as connection:
        before = [tuple(row) for row in connection.execute(query)]
    upgrade(database_url)
    assert current_revision(database_url) == HEAD
    with engine.begin() as connection:
        assert [tuple(row) for row in connection.execute(query)] == before
        connection.execute(text("DELETE FROM review_logs WHERE id = 3"))  # an undo
        insert_rows(connection, "review_logs", {**answer, "poll_id": None})
        newest = connection.execute(text("SELECT MAX(id) FROM review_logs")).scalar()
    assert newest == 4
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_rows(connection, "review_logs", {**answer, "poll_id": "p2"})  # index kept
    command.downgrade(alembic_config(database_url), "0013")
    with engine.connect() as connection:
        kept = [tuple(row) for row in connection.execute(query)]
    assert kept == [*before[:2], (4, 42, "1.1a", 3, None)]
    upgrade(database_url)
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(query)] == kept
    engine.dispose()


def test_upgrade_keeps_every_question_and_never_gives_a_withdrawn_ones_id_again(
    database_url: str,
) -> None:
    """A question withdrawn by a new review session passed its id, and with it its answer
    buttons, to the next question. After the upgrade the questions are kept, and a
    withdrawn question's id is not given again; the other tables whose ids leave the
    database are rebuilt the same way."""
    upgrade(database_url, "0013")
    engine = make_engine(database_url)
    learner = {"id": 42, "first_name": "Ada", "desired_retention": 0.9, "review_cap": 20,
               "reviews_with_drop": True, "created_at": NOW}  # fmt: skip
    question = {"learner_id": 42, "chat_id": 42, "item_id": "1.1a", "kind": "review",
                "sent_at": NOW}  # fmt: skip
    with engine.begin() as connection:
        insert_rows(connection, "learners", learner)
        for message_id in (7, 8):
            insert_rows(connection, "quiz_questions", {**question, "message_id": message_id})
    query = text("SELECT id, item_id, message_id FROM quiz_questions ORDER BY id")
    with engine.connect() as connection:
        before = [tuple(row) for row in connection.execute(query)]
    upgrade(database_url)
    with engine.begin() as connection:
        assert [tuple(row) for row in connection.execute(query)] == before
        connection.execute(text("DELETE FROM quiz_questions WHERE id = 2"))  # withdrawn
        insert_rows(connection, "quiz_questions", {**question, "message_id": 9})
        newest = connection.execute(text("SELECT MAX(id) FROM quiz_questions")).scalar()
    assert newest == 3
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            rebuilt = {
                name
                for name, sql in connection.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
                )
                if "AUTOINCREMENT" in sql
            }
        assert rebuilt == {"review_logs", "quiz_questions", "deliveries", "plans", "distill_runs"}
    engine.dispose()


def test_runs_interrupted_before_the_upgrade_are_not_told_again(database_url: str) -> None:
    """A run interrupted (and its asker told) before the upgrade is not told a second time
    by the first start after it; a run still training then is, once. Down and up again
    keep every run."""
    from alembic import command

    from bot.services.distill import take_interrupted
    from bot.storage.db import session_scope
    from bot.storage.instance_lock import Owner
    from bot.storage.migrate import alembic_config

    upgrade(database_url, "0014")
    engine = make_engine(database_url)
    run = {"user_id": 42, "chat_id": 42, "created_at": NOW, "owner": "bot-a"}
    with engine.begin() as connection:
        insert_rows(connection, "distill_runs", {**run, "settings": "T=2",
                    "status": "interrupted", "finished_at": NOW})  # fmt: skip
        insert_rows(connection, "distill_runs", {**run, "settings": "T=3", "status": "running"})
        insert_rows(connection, "distill_runs", {**run, "settings": "T=4", "status": "done",
                    "finished_at": NOW, "metrics": '{"kd_accuracy": 0.95}'})  # fmt: skip
    query = text("SELECT id, settings, status, finished_at, metrics FROM distill_runs ORDER BY id")
    with engine.connect() as connection:
        before = [tuple(row) for row in connection.execute(query)]
    upgrade(database_url)
    assert current_revision(database_url) == HEAD
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(query)] == before
    with session_scope(engine) as session:
        next_start = Owner.of("bot-a", "0123456789ab", held=True)
        told = take_interrupted(session, datetime.now(UTC), owner=next_start, at_start=True)
    assert [run.settings for run in told] == ["T=3"]
    command.downgrade(alembic_config(database_url), "0014")
    with engine.connect() as connection:
        assert [row[1:3] for row in connection.execute(query)] == [
            ("T=2", "interrupted"),
            ("T=3", "interrupted"),
            ("T=4", "done"),
        ]
    upgrade(database_url)
    engine.dispose()


def test_chat_moves_upgrade_and_downgrade_keep_every_chat(database_url: str) -> None:
    """The table of moved groups comes and goes; every chat stays as it was."""
    from alembic import command

    from bot.storage.migrate import alembic_config

    upgrade(database_url, "0015")
    engine = make_engine(database_url)
    group = {"id": -42, "kind": "supergroup", "title": "Study group", "delivery_time": "09:00",
             "paused": False, "active": True, "created_at": NOW}  # fmt: skip
    with engine.begin() as connection:
        insert_rows(connection, "chats", group)
    query = text("SELECT id, kind, title, delivery_time FROM chats")
    upgrade(database_url)
    assert current_revision(database_url) == HEAD
    with engine.begin() as connection:
        assert [tuple(row) for row in connection.execute(query)] == [
            (-42, "supergroup", "Study group", "09:00")
        ]
        insert_rows(connection, "chat_moves", {"old_id": -7, "new_id": -42, "moved_at": NOW})
    command.downgrade(alembic_config(database_url), "0015")
    assert "chat_moves" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(query)] == [
            (-42, "supergroup", "Study group", "09:00")
        ]
    upgrade(database_url)
    engine.dispose()


def test_fresh_database_has_every_table(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"chats", "learners", "deliveries", "cards", "review_logs", "plans"} <= tables


def test_timestamps_come_back_aware_and_in_utc(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    berlin_morning = datetime.fromisoformat("2026-03-01T08:30:00+01:00")
    with Session(engine) as session:
        session.add(Chat(id=7, kind="private", created_at=berlin_morning))
        session.commit()
    with Session(engine) as session:
        chat = session.get(Chat, 7)
        assert chat is not None
        assert chat.created_at == NOW and chat.created_at.tzinfo == UTC
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    engine.dispose()


def test_naive_datetimes_are_refused(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session, pytest.raises(Exception, match="naive"):
        session.add(Chat(id=1, kind="private", created_at=datetime(2026, 1, 1)))
        session.commit()
    engine.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_quiz_rounds_upgrade_and_downgrade_keep_every_chat(database_url: str) -> None:
    from alembic import command

    from bot.storage.migrate import alembic_config

    upgrade(database_url, "0005")
    engine = make_engine(database_url)
    group = {"id": -42, "kind": "group", "title": "Study group", "time_zone": "Europe/Berlin",
             "delivery_time": "09:00", "paused": False, "active": True,
             "created_at": NOW}  # fmt: skip
    with engine.begin() as connection:
        insert_rows(connection, "chats", group)
    upgrade(database_url, "0006")
    # Read without the model: it has the columns of later revisions too.
    with engine.connect() as connection:
        chat = connection.execute(
            text("SELECT round_starters, title, delivery_time FROM chats WHERE id = -42")
        ).one()
    assert tuple(chat) == ("anyone", "Study group", "09:00")  # as before: anyone starts rounds
    with Session(engine) as session:
        session.add(QuizRound(chat_id=-42, running_in=-42, started_by=7, open_period_s=30,
                              status="running", started_at=NOW))  # fmt: skip
        session.commit()
    command.downgrade(alembic_config(database_url), "0005")
    assert current_revision(database_url) == "0005"
    assert "quiz_rounds" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, title, delivery_time FROM chats")).all()
    assert [tuple(row) for row in rows] == [(-42, "Study group", "09:00")]
    upgrade(database_url)  # and up again, cleanly
    assert current_revision(database_url) == HEAD
    engine.dispose()


def test_an_open_question_for_a_zone_survives_the_upgrade_and_waits_an_hour_from_then(
    database_url: str,
) -> None:
    from bot.services.schedule import owed_input

    upgrade(database_url, "0010")
    engine = make_engine(database_url)
    row = {"kind": "private", "title": None, "delivery_time": "07:30", "paused": False,
           "active": True, "created_at": NOW, "path_round": 2, "current_drop_id": "1.2",
           "current_opened": False, "reminded": True, "silent_days": 1,
           "round_starters": "anyone"}  # fmt: skip
    with engine.begin() as connection:
        insert_rows(connection, "chats", {**row, "id": 1, "time_zone": None, "awaiting": "zone"})
        insert_rows(connection, "chats", {**row, "id": 2, "time_zone": "UTC", "awaiting": None})
    upgraded_at = datetime.now(UTC)
    upgrade(database_url)
    with Session(engine) as session:
        chats = session.exec(select(Chat).order_by(Chat.id)).all()  # type: ignore[arg-type]
    engine.dispose()
    assert [(c.id, c.time_zone, c.awaiting) for c in chats] == [(1, None, "zone"), (2, "UTC", None)]
    for chat in chats:
        assert (chat.delivery_time, chat.path_round, chat.current_drop_id) == ("07:30", 2, "1.2")
        assert (chat.reminded, chat.silent_days, chat.created_at) == (True, 1, NOW)
    waiting, not_waiting = chats
    assert not_waiting.awaiting_since is None
    assert owed_input(waiting, upgraded_at + timedelta(minutes=59)) == "zone"
    assert owed_input(waiting, upgraded_at + timedelta(minutes=62)) is None


def test_instances_starting_together_on_a_fresh_database_both_migrate(database_url: str) -> None:
    """Two bot replicas started at once each run the migrations: one waits for the other."""
    migrate = "import sys; from bot.storage.migrate import upgrade; upgrade(sys.argv[1])"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", migrate, database_url], env=env, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    errors = [process.communicate(timeout=120)[1].decode() for process in starts]
    assert [process.returncode for process in starts] == [0, 0, 0], errors
    assert current_revision(database_url) == HEAD

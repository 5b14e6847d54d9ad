"""A group that became a supergroup: its one chat row moves to the new id with every column
and everything that names it, whichever of Telegram's updates came first.

Each test runs on SQLite and on PostgreSQL (the ``database_url`` fixture, tests/dbs.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.services.delivery import chats
from bot.services.path import ChatRef, chat_of
from bot.storage.db import make_engine, session_scope
from bot.storage.migrate import upgrade
from bot.storage.models import (
    Chat,
    Delivery,
    Learner,
    QuizPoll,
    QuizQuestion,
    QuizRound,
    ReviewRecord,
)

GROUP, SUPERGROUP, MEMBER = -300, -1000000000300, 301
NOW = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)
# Every column of the group's row away from its default, so a column left behind shows.
GROUP_STATE: dict[str, Any] = {
    "title": "Study group", "time_zone": "Europe/Berlin", "delivery_time": "09:00",
    "next_due_at": NOW + timedelta(days=1), "paused": True, "active": True,
    "created_at": NOW - timedelta(days=30), "path_round": 2, "current_drop_id": "1.3",
    "current_opened": True, "reminded": True, "silent_days": 2,
    "last_scheduled_day": "2026-06-03", "awaiting": "time",
    "awaiting_since": NOW - timedelta(minutes=5), "finished_at": NOW - timedelta(days=2),
    "round_starters": "admins",
}  # fmt: skip


def test_group_state_names_every_column_of_a_chat() -> None:
    """A column added to Chat joins GROUP_STATE, so these tests check that it moves too."""
    assert set(GROUP_STATE) | {"id", "kind"} == set(Chat.model_fields)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def work(engine: Engine, function: Any, *args: Any) -> Any:
    with session_scope(engine) as session:
        return function(session, *args)


def a_group_with_progress(engine: Engine) -> None:
    """The group on its second round at drop 1.3, with its polls, answers and a round."""
    with session_scope(engine) as session:
        session.add(Chat(id=GROUP, kind="group", **GROUP_STATE))
        session.add(Learner(id=MEMBER, first_name="Ann"))
        session.flush()
        for path_round, drop_id in ((1, "1.1"), (2, "1.1"), (2, "1.2"), (2, "1.3")):
            session.add(Delivery(chat_id=GROUP, drop_id=drop_id, path_round=path_round,
                                 local_day=f"2026-06-0{path_round}", sent_at=NOW))  # fmt: skip
        session.add(QuizPoll(poll_id="p1", chat_id=GROUP, item_id="q1", correct_option=0,
                             sent_at=NOW))  # fmt: skip
        session.add(QuizQuestion(learner_id=MEMBER, chat_id=GROUP, item_id="q1", kind="poll",
                                 sent_at=NOW))  # fmt: skip
        session.add(ReviewRecord(learner_id=MEMBER, item_id="q1", rating=3, correct=True,
                                 reviewed_at=NOW, source="poll", chat_id=GROUP,
                                 poll_id="p1"))  # fmt: skip
        session.add(QuizRound(chat_id=GROUP, running_in=GROUP, started_by=MEMBER,
                              open_period_s=30, status="running", started_at=NOW))  # fmt: skip


def the_supergroup_writes(engine: Engine) -> None:
    """An update from the supergroup (a member's message, its "migrated from" service
    message) reaches the bot before it knows of the move: a row at the new id."""
    work(engine, chat_of, ChatRef(SUPERGROUP, "supergroup", "Study group"))


def assert_the_supergroup_holds_the_groups_state(engine: Engine) -> None:
    with Session(engine) as session:
        assert session.get(Chat, GROUP) is None
        moved = session.get(Chat, SUPERGROUP)
        assert moved is not None
        state = moved.model_dump(exclude={"id", "kind"})
        assert state == GROUP_STATE
        assert moved.kind == "supergroup"
        deliveries = session.exec(select(Delivery).order_by(col(Delivery.id))).all()
        assert [(d.chat_id, d.path_round, d.drop_id) for d in deliveries] == [
            (SUPERGROUP, 1, "1.1"), (SUPERGROUP, 2, "1.1"), (SUPERGROUP, 2, "1.2"),
            (SUPERGROUP, 2, "1.3"),
        ]  # fmt: skip
        for table in (QuizPoll, QuizQuestion, ReviewRecord, QuizRound):
            assert [row.chat_id for row in session.exec(select(table))] == [SUPERGROUP], table
        game = session.exec(select(QuizRound)).one()
        assert game.running_in == SUPERGROUP and game.status == "running"


@pytest.mark.parametrize("supergroup_first", [False, True], ids=["group-first", "supergroup-first"])
def test_every_column_and_row_of_the_group_moves(engine: Engine, supergroup_first: bool) -> None:
    """The supergroup's row, where an update from it came first, takes every column of
    the group's: its finished path, silent days, reminder and typed question too."""
    a_group_with_progress(engine)
    if supergroup_first:
        the_supergroup_writes(engine)
    work(engine, chats.migrate, GROUP, SUPERGROUP)
    assert_the_supergroup_holds_the_groups_state(engine)


def test_a_drop_the_supergroup_got_before_the_move_does_not_stop_it(engine: Engine) -> None:
    """An administrator set the time in the supergroup before the bot knew of the move, so
    drop 1.1 went to the new id: the group's own deliveries (drop 1.1 among them) clashed
    on the one-delivery-per-drop key and the move failed."""
    a_group_with_progress(engine)
    the_supergroup_writes(engine)
    with session_scope(engine) as session:
        session.add(Delivery(chat_id=SUPERGROUP, drop_id="1.1", path_round=1,
                             local_day="2026-06-03", sent_at=NOW))  # fmt: skip
    work(engine, chats.migrate, GROUP, SUPERGROUP)
    assert_the_supergroup_holds_the_groups_state(engine)


def test_a_round_the_supergroup_started_before_the_move_does_not_stop_it(engine: Engine) -> None:
    """One running round per group is a unique key: the group's round goes on, the one
    started at the new id meanwhile ends."""
    a_group_with_progress(engine)
    the_supergroup_writes(engine)
    with session_scope(engine) as session:
        session.add(QuizRound(chat_id=SUPERGROUP, running_in=SUPERGROUP, started_by=MEMBER,
                              open_period_s=30, status="running", started_at=NOW))  # fmt: skip
    work(engine, chats.migrate, GROUP, SUPERGROUP)
    with Session(engine) as session:
        games = session.exec(select(QuizRound).order_by(col(QuizRound.id))).all()
        assert [(g.chat_id, g.running_in, g.status) for g in games] == [
            (SUPERGROUP, SUPERGROUP, "running"), (SUPERGROUP, None, "stopped"),
        ]  # fmt: skip
        assert games[1].ended_at is not None


@pytest.mark.parametrize("supergroup_first", [False, True], ids=["group-first", "supergroup-first"])
def test_a_late_update_from_the_old_id_loses_nothing(
    engine: Engine, supergroup_first: bool
) -> None:
    """Telegram's "migrated to" message in the old group came after the move (or a process
    that had not seen the group yet got it): it made a blank row at the old id, and the
    move it asked for copied that blank row over the supergroup's progress."""
    a_group_with_progress(engine)
    if supergroup_first:
        the_supergroup_writes(engine)
    work(engine, chats.migrate, GROUP, SUPERGROUP)
    work(engine, chat_of, ChatRef(GROUP, "group", "Study group"))  # the late update
    work(engine, chats.migrate, GROUP, SUPERGROUP)
    assert_the_supergroup_holds_the_groups_state(engine)

"""Group polls and the leaderboard, through the database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.core.today import Today
from bot.services.quiz.answers import record_answer
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.leaderboard import leaderboard, week_bounds
from bot.services.quiz.polls import (
    PollRefusal,
    choose_poll_items,
    poll_order,
    record_poll_answer,
    save_poll,
)
from bot.storage.db import make_engine, session_scope
from bot.storage.migrate import upgrade
from bot.storage.models import ActivityDay, Chat, Delivery, Learner, QuizPoll, ReviewRecord
from quizzes import make_scheduler
from tests.processes import wait_until
from tests.quiz.conftest import ANNA, BEN, MONDAY, today_at

GROUP = -500
BANK = quiz_bank()
SCHEDULER = make_scheduler(enable_fuzzing=False)


def group_with_drops(session: Session, *drop_ids: str) -> None:
    session.add(Chat(id=GROUP, kind="group", title="Study", time_zone="UTC"))
    session.flush()
    for drop_id in drop_ids:
        session.add(
            Delivery(chat_id=GROUP, drop_id=drop_id, local_day="2026-03-01", sent_at=MONDAY)
        )
    session.commit()


def poll_answer(
    session: Session, poll_id: str, user: int, option: int, now: datetime
) -> ReviewRecord | PollRefusal:
    entry = record_poll_answer(
        session,
        poll_id=poll_id,
        user_id=user,
        first_name=f"U{user}",
        option_ids=[option],
        now=now,
        default_zone="UTC",
        day_start_hour=4,
    )
    session.commit()
    return entry


def test_polls_ask_the_drop_and_the_members_weakest_earlier_item(session: Session) -> None:
    group_with_drops(session, "1.1", "1.2", "1.3")
    first = choose_poll_items(
        session,
        BANK,
        chat_id=GROUP,
        drop_id="1.3",
        now=MONDAY,
        scheduler=SCHEDULER,
        default_zone="UTC",
        day_start_hour=4,
    )
    assert [(c.item.id, c.kind) for c in first] == [("1.3a", "new"), ("1.1a", "review")]

    # Anna answered 1.2c wrong two days ago (in this group): it is the group's weakest item.
    two_days_ago = MONDAY - timedelta(days=2)
    for item_id, correct in (("1.2c", False), ("1.1a", True), ("1.1b", True)):
        record_answer(
            session,
            learner_id=ANNA,
            item_id=item_id,
            correct=correct,
            today=today_at(two_days_ago),
            scheduler=SCHEDULER,
            source="group",
            chat_id=GROUP,
            answered_after=None,
        )
    session.commit()
    second = choose_poll_items(
        session,
        BANK,
        chat_id=GROUP,
        drop_id="1.3",
        now=MONDAY,
        scheduler=SCHEDULER,
        default_zone="UTC",
        day_start_hour=4,
    )
    assert [c.item.id for c in second] == ["1.3a", "1.2c"]

    # Once polled, an item rests a few days; the drop's next poll asks another item.
    for choice in second:
        save_poll(
            session,
            poll_id=choice.item.id,
            chat_id=GROUP,
            message_id=1,
            item=choice.item,
            correct_option=choice.item.correct,
            now=MONDAY,
        )
    session.commit()
    third = choose_poll_items(
        session,
        BANK,
        chat_id=GROUP,
        drop_id="1.3",
        now=MONDAY,
        scheduler=SCHEDULER,
        default_zone="UTC",
        day_start_hour=4,
    )
    assert third[0].item.id == "1.3b"
    assert "1.2c" not in [c.item.id for c in third]


def test_a_poll_answer_reviews_the_members_own_card_once(session: Session) -> None:
    group_with_drops(session, "1.1")
    item = BANK.items_for_drop("1.1")[0]
    save_poll(
        session, poll_id="p1", chat_id=GROUP, message_id=9, item=item,
        correct_option=item.correct, now=MONDAY,
    )  # fmt: skip
    session.commit()
    later = MONDAY + timedelta(seconds=30)
    stranger = 909  # never wrote to the bot
    right = poll_answer(session, "p1", stranger, item.correct, later)
    assert isinstance(right, ReviewRecord) and right.correct and right.source == "group"
    assert right.chat_id == GROUP and right.duration_ms == 30_000
    replayed = poll_answer(session, "p1", stranger, item.correct, later)
    assert replayed is PollRefusal.ANSWERED
    assert poll_answer(session, "nope", stranger, item.correct, later) is PollRefusal.UNKNOWN_POLL
    wrong = poll_answer(session, "p1", ANNA, (item.correct + 1) % 4, later)
    assert isinstance(wrong, ReviewRecord) and not wrong.correct and wrong.rating == 1
    learner = session.get(Learner, stranger)
    assert learner is not None and learner.private_chat_id is None
    assert len(session.exec(select(ReviewRecord)).all()) == 2


@pytest.mark.postgresql
def test_one_poll_answer_handled_twice_at_once_counts_once(postgres_url: str) -> None:
    """Telegram delivered Anna's vote twice (it retries a webhook update it got no answer
    to in time), and two instances handle it at once: the second finds no log of it yet
    and waits for the card the first is moving. Her answer counts once: one point."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    item = BANK.items_for_drop("1.1")[0]
    with Session(engine) as session:
        session.add(Learner(id=ANNA, first_name="Anna"))
        group_with_drops(session, "1.1")
        # Anna has a card for the item already: she answered it by button.
        record_answer(session, learner_id=ANNA, item_id=item.id, correct=True,
                      today=today_at(MONDAY - timedelta(days=2)), scheduler=SCHEDULER,
                      source="private", chat_id=ANNA, answered_after=None)  # fmt: skip
        save_poll(session, poll_id="p1", chat_id=GROUP, message_id=9, item=item,
                  correct_option=item.correct, now=MONDAY)  # fmt: skip
        session.commit()
    outcomes = _handled_at_once(engine, ANNA, "p1", "p1")
    with Session(engine) as session:
        logs = session.exec(select(ReviewRecord).where(ReviewRecord.poll_id == "p1")).all()
    engine.dispose()
    assert isinstance(outcomes["first"], ReviewRecord), outcomes
    assert not isinstance(outcomes["second"], (ReviewRecord, Exception)), outcomes
    assert len(logs) == 1


NEW_MEMBER = 9_301  # never wrote to the bot: her first vote creates her learner row


@pytest.mark.postgresql
@pytest.mark.parametrize(
    ("second_poll", "counted"),
    [("p1", 1), ("p2", 2)],
    ids=["her vote delivered twice", "her votes on both polls"],
)
def test_a_new_members_votes_handled_at_once_each_count_once(
    postgres_url: str, second_poll: str, counted: int
) -> None:
    """A member who never wrote to the bot votes; two handlings run at once (Telegram
    retried the update, or a restarted bot got her votes on both of the day's polls
    together). Both create her learner row: the second's was refused, which failed the
    whole handling, so her vote on the other poll was lost (no point on the board, no
    card reviewed) and the repeated one raised an error instead of counting once."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    first_item, second_item = BANK.items_for_drop("1.1")[:2]
    with Session(engine) as session:
        group_with_drops(session, "1.1")
        for poll_id, item in (("p1", first_item), ("p2", second_item)):
            save_poll(session, poll_id=poll_id, chat_id=GROUP, message_id=9, item=item,
                      correct_option=item.correct, now=MONDAY)  # fmt: skip
        session.commit()
    outcomes = _handled_at_once(engine, NEW_MEMBER, "p1", second_poll)
    with Session(engine) as session:
        logs = session.exec(select(ReviewRecord).where(ReviewRecord.learner_id == NEW_MEMBER))
        logged = sorted(log.poll_id or "" for log in logs)
    engine.dispose()
    assert not any(isinstance(o, Exception) for o in outcomes.values()), outcomes
    assert logged == sorted({"p1", second_poll}), logged
    assert len(logged) == counted


def _handled_at_once(engine: Any, user: int, first_poll: str, second_poll: str) -> dict[str, Any]:
    """Two votes of ``user`` handled at once, as two instances do: the second starts once
    the first has recorded its vote, and the first commits once the second waits for it."""
    outcomes: dict[str, Any] = {}
    first_answered, first_commits = threading.Event(), threading.Event()
    correct = {poll.poll_id: poll.correct_option for poll in _polls(engine)}

    def handle(name: str, poll_id: str) -> None:
        try:
            with session_scope(engine) as session:
                outcomes[name] = record_poll_answer(
                    session, poll_id=poll_id, user_id=user, first_name=f"U{user}",
                    option_ids=[correct[poll_id]], now=MONDAY + timedelta(seconds=9),
                    default_zone="UTC", day_start_hour=4,
                )  # fmt: skip
                if name == "first":
                    first_answered.set()
                    first_commits.wait(timeout=30)
        except Exception as error:  # the handling failed: the test says how
            outcomes[name] = error
            first_answered.set()

    def second() -> None:
        first_answered.wait(timeout=30)
        handle("second", second_poll)

    handlings = [
        threading.Thread(target=handle, args=("first", first_poll)),
        threading.Thread(target=second),
    ]
    for handling in handlings:
        handling.start()
    try:
        wait_until(lambda: _waiting_for_a_lock(engine), timeout=30, what="the second handling")
    finally:
        first_commits.set()
        for handling in handlings:
            handling.join(timeout=30)
    return outcomes


def _polls(engine: Any) -> list[QuizPoll]:
    with Session(engine) as session:
        return list(session.exec(select(QuizPoll)))


def _waiting_for_a_lock(engine: Any) -> bool:
    with engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar()
    return bool(waiting)


def test_the_week_runs_monday_to_sunday_in_the_groups_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    # Sunday 23:00 UTC is already Monday 08:00 in Tokyo: a new week there.
    sunday_night = datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    monday, start, end = week_bounds(Today.at(sunday_night, tokyo, 4))
    assert monday.isoformat() == "2026-03-09"
    assert start == datetime(2026, 3, 8, 19, 0, tzinfo=UTC)  # Monday 04:00 in Tokyo
    assert end - start == timedelta(days=7)
    assert week_bounds(Today.at(sunday_night, ZoneInfo("UTC"), 4))[0].isoformat() == "2026-03-02"


def test_leaderboard_ranks_points_this_week_with_ties_and_streaks(session: Session) -> None:
    group_with_drops(session, "1.1")
    extra = [Learner(id=300 + n, first_name=f"L{n}") for n in range(12)]
    session.add_all(extra)
    session.add(ActivityDay(learner_id=ANNA, day="2026-03-01"))
    session.add(ActivityDay(learner_id=ANNA, day="2026-03-02"))
    session.commit()
    points = {ANNA: 3, BEN: 3, **{learner.id: 1 for learner in extra}}
    item = BANK.all()[0]
    for learner_id, count in points.items():
        for n in range(count):
            session.add(
                ReviewRecord(
                    learner_id=learner_id,
                    item_id=item.id,
                    rating=3,
                    correct=True,
                    reviewed_at=MONDAY + timedelta(minutes=n),
                    source="group",
                    chat_id=GROUP,
                )
            )
    # Not points: a wrong answer, last week's answer, an answer in another chat, a private one.
    for reviewed_at, correct, chat_id, source in (
        (MONDAY, False, GROUP, "group"),
        (MONDAY - timedelta(days=1), True, GROUP, "group"),
        (MONDAY, True, -999, "group"),
        (MONDAY, True, BEN, "private"),
    ):
        session.add(
            ReviewRecord(
                learner_id=BEN,
                item_id=item.id,
                rating=3,
                correct=correct,
                reviewed_at=reviewed_at,
                source=source,
                chat_id=chat_id,
            )
        )
    session.commit()
    board = leaderboard(session, GROUP, caller_id=311, today=today_at(MONDAY), default_zone="UTC")
    assert [(s.rank, s.name, s.points) for s in board.top[:3]] == [
        (1, "Anna", 3),
        (1, "Ben", 3),
        (3, "L0", 1),
    ]
    assert board.top[0].streak == 2
    assert len(board.top) == 10
    assert board.caller is not None and (board.caller.rank, board.caller.points) == (3, 1)
    nobody = leaderboard(session, GROUP, caller_id=42, today=today_at(MONDAY), default_zone="UTC")
    assert nobody.caller is None


def test_polls_put_the_key_in_every_place() -> None:
    item = BANK.items_for_drop("1.1")[0]
    places = {poll_order(item, chat_id, MONDAY).index(item.correct) for chat_id in range(-100, -60)}
    assert places == set(range(len(item.options)))
    assert poll_order(item, -5, MONDAY) == poll_order(item, -5, MONDAY)  # same poll, same order

"""The schedule through the database: fixed UTC instants, fuzzing off, exact due dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.core.today import Today
from bot.services.quiz.answers import UndoRefused, record_answer, undo_answer
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.cards import ITEMS_AFTER_DROP, card_for, introduce_drop
from bot.services.quiz.due import due_cards
from bot.storage.models import ActivityDay, LearnerCard, ReviewRecord
from quizzes import make_scheduler
from tests.quiz.conftest import ANNA, BEN, MONDAY, today_at

SCHEDULER = make_scheduler(enable_fuzzing=False)
DROP = quiz_bank().items_for_drop("1.1")


def answer(
    session: Session, item_id: str, correct: bool, now: datetime, learner: int = ANNA
) -> ReviewRecord:
    entry = record_answer(
        session,
        learner_id=learner,
        item_id=item_id,
        correct=correct,
        today=today_at(now),
        scheduler=SCHEDULER,
        source="private",
        chat_id=learner,
        answered_after=now - timedelta(seconds=4),
    )
    session.commit()
    return entry


def due_ids(session: Session, now: datetime, learner: int = ANNA) -> list[str]:
    return sorted(card.item_id for card in due_cards(session, learner, today_at(now).end))


def due_at(session: Session, item_id: str) -> datetime:
    card = card_for(session, ANNA, item_id)
    assert card is not None
    return card.due_at


def test_a_finished_drop_gives_cards_three_now_the_rest_tomorrow(session: Session) -> None:
    asked = introduce_drop(session, ANNA, DROP, today_at(MONDAY))
    session.commit()
    assert asked == [item.id for item in DROP[:ITEMS_AFTER_DROP]]
    assert due_ids(session, MONDAY) == sorted(asked)
    tuesday = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    assert due_ids(session, tuesday) == sorted(item.id for item in DROP)
    # Introducing the drop again (after /restart) creates nothing.
    assert introduce_drop(session, ANNA, DROP, today_at(tuesday)) == []


def test_right_moves_out_and_a_lapse_brings_the_card_back(session: Session) -> None:
    a, b = DROP[0].id, DROP[1].id
    introduce_drop(session, ANNA, DROP, today_at(MONDAY))
    answer(session, a, True, MONDAY)
    answer(session, b, False, MONDAY)
    assert due_at(session, a) == datetime(2026, 3, 4, 7, 30, tzinfo=UTC)  # Good: 2 days
    assert due_at(session, b) == datetime(2026, 3, 3, 7, 30, tzinfo=UTC)  # Again: 1 day

    tuesday = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # b is due at 07:30: still today's review
    assert b in due_ids(session, tuesday) and a not in due_ids(session, tuesday)

    wednesday = datetime(2026, 3, 4, 7, 30, tzinfo=UTC)
    answer(session, a, True, wednesday)
    assert due_at(session, a) == datetime(2026, 3, 15, 7, 30, tzinfo=UTC)  # 11 days out
    for day in range(5, 15):
        assert a not in due_ids(session, datetime(2026, 3, day, 12, 0, tzinfo=UTC))

    due_day = datetime(2026, 3, 15, 7, 30, tzinfo=UTC)
    assert a in due_ids(session, due_day)
    answer(session, a, False, due_day)  # a lapse
    assert due_at(session, a) == datetime(2026, 3, 17, 7, 30, tzinfo=UTC)  # back in 2 days
    logs = session.exec(select(ReviewRecord).where(ReviewRecord.item_id == a)).all()
    assert [(log.rating, log.correct) for log in logs] == [(3, True), (3, True), (1, False)]
    assert all(log.duration_ms == 4000 and log.source == "private" for log in logs)


def test_due_today_means_before_the_local_day_ends(session: Session) -> None:
    new_york = ZoneInfo("America/New_York")
    evening = datetime(2026, 3, 2, 19, 5, tzinfo=new_york)
    item = DROP[0].id
    record_answer(
        session,
        learner_id=ANNA,
        item_id=item,
        correct=False,
        today=Today.at(evening, new_york, 4),
        scheduler=SCHEDULER,
        source="private",
        chat_id=ANNA,
        answered_after=None,
    )
    session.commit()
    morning = Today.at(datetime(2026, 3, 3, 7, 0, tzinfo=new_york), new_york, 4)
    card = card_for(session, ANNA, item)
    assert card is not None and card.due_at > morning.now  # not yet due by the clock...
    assert [c.item_id for c in due_cards(session, ANNA, morning.end)] == [item]  # ...but today


def test_answers_count_towards_the_streak_once_a_day(session: Session) -> None:
    item = DROP[0].id
    answer(session, item, True, MONDAY)
    answer(session, DROP[1].id, True, MONDAY + timedelta(hours=3))
    days = session.exec(select(ActivityDay.day).where(ActivityDay.learner_id == ANNA)).all()
    assert days == ["2026-03-02"]


def test_undo_restores_the_card_and_forgets_the_answer(session: Session) -> None:
    item = DROP[0].id
    introduce_drop(session, ANNA, DROP, today_at(MONDAY))
    session.commit()
    before = card_for(session, ANNA, item)
    assert before is not None
    state, due = before.state, before.due_at
    entry = answer(session, item, False, MONDAY)
    assert entry.id is not None
    with pytest.raises(UndoRefused, match="person who answered"):
        undo_answer(session, learner_id=BEN, review_log_id=entry.id)
    undo_answer(session, learner_id=ANNA, review_log_id=entry.id)
    session.commit()
    after = card_for(session, ANNA, item)
    assert after is not None and (after.state, after.due_at) == (state, due)
    assert session.exec(select(ReviewRecord)).all() == []
    with pytest.raises(UndoRefused, match="already undone"):
        undo_answer(session, learner_id=ANNA, review_log_id=entry.id)


def test_only_the_latest_answer_can_be_undone(session: Session) -> None:
    first = answer(session, DROP[0].id, True, MONDAY)
    answer(session, DROP[1].id, True, MONDAY + timedelta(minutes=1))
    assert first.id is not None
    with pytest.raises(UndoRefused, match="latest"):
        undo_answer(session, learner_id=ANNA, review_log_id=first.id)
    assert len(session.exec(select(ReviewRecord)).all()) == 2


def test_undo_of_a_first_answer_removes_the_card_it_created(session: Session) -> None:
    entry = answer(session, DROP[0].id, True, MONDAY, learner=BEN)
    assert entry.id is not None
    undo_answer(session, learner_id=BEN, review_log_id=entry.id)
    session.commit()
    assert session.exec(select(LearnerCard).where(LearnerCard.learner_id == BEN)).all() == []


def test_a_corrupt_card_is_started_over_not_fatal(session: Session) -> None:
    item = DROP[0].id
    session.add(LearnerCard(learner_id=ANNA, item_id=item, state="{not json", due_at=MONDAY))
    session.commit()
    answer(session, item, True, MONDAY)
    assert due_at(session, item) == datetime(2026, 3, 4, 7, 30, tzinfo=UTC)


def test_a_review_in_the_morning_of_its_due_day_counts_the_whole_day(session: Session) -> None:
    """Missed at 19:05, due at 19:05 the next day and answered right that morning (as the
    session asks it): FSRS must see one day elapsed, not "13 hours, the same day", or the
    card barely gains stability and is back the day after."""
    new_york = ZoneInfo("America/New_York")
    item = DROP[0].id

    def answer_in_new_york(correct: bool, now: datetime) -> None:
        record_answer(
            session, learner_id=ANNA, item_id=item, correct=correct,
            today=Today.at(now, new_york, 4), scheduler=SCHEDULER, source="private",
            chat_id=ANNA, answered_after=None,
        )  # fmt: skip
        session.commit()

    answer_in_new_york(False, datetime(2026, 3, 2, 19, 5, tzinfo=new_york))  # Monday evening
    tuesday = Today.at(datetime(2026, 3, 3, 8, 0, tzinfo=new_york), new_york, 4)
    assert [c.item_id for c in due_cards(session, ANNA, tuesday.end)] == [item]
    answer_in_new_york(True, tuesday.now)
    # As if answered a full day after the miss: Good on a card of stability 0.21 → 2 days.
    wednesday = Today.at(datetime(2026, 3, 4, 8, 0, tzinfo=new_york), new_york, 4)
    assert due_cards(session, ANNA, wednesday.end) == []
    assert due_at(session, item) == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)

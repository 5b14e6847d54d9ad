"""What comes next: interleaved drops, the daily cap, one claim per question."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.core.today import Today
from bot.services.quiz import questions
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.cards import card_for, introduce_drop
from bot.services.quiz.due import next_due
from bot.services.quiz.queue import ReviewQueue, drop_items_waiting, next_review_item, review_queue
from bot.storage.instance_lock import NO_CLAIMANT
from bot.storage.models import Learner, LearnerCard
from tests.quiz.conftest import ANNA, BEN, MONDAY, today_at

BANK = quiz_bank()


def queue_at(session: Session, learner: Learner, today: Today) -> ReviewQueue:
    return review_queue(
        session, learner, today, BANK, questions.asked_lately(session, learner.id, today)
    )


def next_at(session: Session, learner: Learner, today: Today) -> str | None:
    asked = questions.asked_lately(session, learner.id, today)
    return next_review_item(session, learner, today, BANK, asked, after_drop=None)


def waiting_at(session: Session, learner_id: int, today: Today) -> list[str]:
    asked = questions.asked_lately(session, learner_id, today)
    items = [item.id for item in BANK.items_for_drop("2.2")]
    return drop_items_waiting(session, learner_id, items, today.now, asked)


def card(item_id: str, hours: int) -> LearnerCard:
    return LearnerCard(
        learner_id=ANNA, item_id=item_id, state="{}", due_at=MONDAY + timedelta(hours=hours)
    )


def test_next_due_takes_the_oldest_from_another_drop() -> None:
    cards = [card("1.1a", 0), card("1.1b", 1), card("1.2a", 2), card("1.3a", 3)]
    assert next_due(cards, BANK).item_id == "1.1a"  # type: ignore[union-attr]
    assert next_due(cards, BANK, avoid_drop="1.1").item_id == "1.2a"  # type: ignore[union-attr]
    assert next_due(cards, BANK, avoid_drop="1.1", exclude={"1.2a"}).item_id == "1.3a"  # type: ignore[union-attr]
    # Only one drop left: it is asked rather than nothing.
    assert next_due(cards[:2], BANK, avoid_drop="1.1").item_id == "1.1a"  # type: ignore[union-attr]
    # An item removed from the bank is never asked.
    assert next_due([card("9.9z", 0)], BANK) is None


def add_due_cards(session: Session, count: int, learner: int = ANNA) -> list[str]:
    items = [item.id for item in BANK.all()[:count]]
    for offset, item_id in enumerate(items):
        due = MONDAY - timedelta(hours=count - offset)
        session.add(LearnerCard(learner_id=learner, item_id=item_id, state="{}", due_at=due))
    session.commit()
    return items


def ask_and_answer(session: Session, item_id: str, now: datetime) -> None:
    question = questions.ask(
        session, learner_id=ANNA, chat_id=ANNA, item_id=item_id, kind="review", now=now
    )
    assert question.id is not None
    claimed = questions.claim(
        session,
        question=questions.stored(session, question.id),
        user_id=ANNA,
        chat_id=ANNA,
        option=0,
        correct=True,
        now=now,
    )
    assert isinstance(claimed, questions.Claimed)
    card_row = card_for(session, ANNA, item_id)
    assert card_row is not None
    card_row.due_at = now + timedelta(days=3)  # as the review would have moved it
    session.add(card_row)
    session.commit()


def test_the_cap_spreads_a_backlog_over_days(session: Session) -> None:
    learner = session.get(Learner, ANNA)
    assert learner is not None
    learner.review_cap = 5
    items = add_due_cards(session, 12)
    today = today_at(MONDAY)
    queue = queue_at(session, learner, today)
    assert (queue.due, queue.done, queue.available) == (12, 0, 5)
    for minute in range(5):
        item = next_at(session, learner, today)
        assert item in items
        ask_and_answer(session, item, MONDAY + timedelta(minutes=minute))
    later = today_at(MONDAY + timedelta(hours=1))
    queue = queue_at(session, learner, later)
    assert (queue.due, queue.done, queue.available, queue.capped) == (7, 5, 0, True)
    assert next_at(session, learner, later) is None
    tomorrow = today_at(MONDAY + timedelta(days=1))
    assert queue_at(session, learner, tomorrow).available == 5


def test_an_open_question_is_not_asked_twice(session: Session) -> None:
    learner = session.get(Learner, ANNA)
    assert learner is not None
    items = add_due_cards(session, 2)
    questions.ask(
        session, learner_id=ANNA, chat_id=ANNA, item_id=items[0], kind="review", now=MONDAY
    )
    session.commit()
    today = today_at(MONDAY)
    assert queue_at(session, learner, today).due == 1
    assert next_at(session, learner, today) == items[1]
    # A day later the open question has expired and its card is asked again.
    assert queue_at(session, learner, today_at(MONDAY + timedelta(days=1))).due == 2


def test_claims_check_owner_option_and_repeat(session: Session) -> None:
    question = questions.ask(
        session, learner_id=ANNA, chat_id=ANNA, item_id="1.1a", kind="new", now=MONDAY
    )
    session.commit()
    assert question.id is not None

    def claim(user: int, chat: int, now: datetime = MONDAY) -> object:
        assert question.id is not None
        return questions.claim(
            session,
            question=questions.stored(session, question.id),
            user_id=user,
            chat_id=chat,
            option=1,
            correct=False,
            now=now,
        )

    assert claim(BEN, BEN) is questions.Refusal.NOT_YOURS
    assert claim(ANNA, BEN) is questions.Refusal.NOT_YOURS  # pressed in another chat
    assert claim(ANNA, ANNA, MONDAY + timedelta(days=2)) is questions.Refusal.EXPIRED
    assert isinstance(claim(ANNA, ANNA), questions.Claimed)
    assert claim(ANNA, ANNA) is questions.Refusal.ANSWERED
    missing = questions.claim(
        session,
        question=questions.stored(session, question.id + 1000),
        user_id=ANNA,
        chat_id=ANNA,
        option=0,
        correct=True,
        now=MONDAY,
    )
    assert missing is questions.Refusal.EXPIRED


def test_the_drop_quiz_waits_for_never_answered_cards_due_now(session: Session) -> None:
    today = today_at(MONDAY)
    asked = introduce_drop(session, ANNA, BANK.items_for_drop("2.2"), today)
    session.commit()
    assert waiting_at(session, ANNA, today) == asked
    questions.ask(session, learner_id=ANNA, chat_id=ANNA, item_id=asked[0], kind="new", now=MONDAY)
    assert waiting_at(session, ANNA, today) == asked[1:]
    assert waiting_at(session, BEN, today) == []


def test_a_question_cut_off_is_taken_to_be_sent_again_by_one_instance(session: Session) -> None:
    """A question recorded and never sent may be on a live instance's wire for a lease;
    then one instance takes it to send it again, and another is told when that claim runs
    out (its instance may have stopped mid-send)."""
    lease = timedelta(minutes=2)  # a delivery lease
    asked = questions.ask(
        session, learner_id=ANNA, chat_id=ANNA, item_id="1.1a", kind="new", now=MONDAY
    )
    session.commit()
    started = MONDAY + timedelta(seconds=1)  # an instance starting as the question goes out

    def never_sent(now: datetime) -> questions.NeverSent:
        found = questions.never_sent(
            session, recorded_before=started, now=now, lease=lease, claimant=NO_CLAIMANT
        )
        session.commit()
        return found

    assert never_sent(started) == questions.NeverSent([], look_again_at=MONDAY + lease)
    taken = never_sent(MONDAY + lease)
    assert [question.id for question in taken.questions] == [asked.id]
    assert taken.look_again_at is None
    elsewhere = never_sent(MONDAY + lease + timedelta(seconds=1))
    assert elsewhere == questions.NeverSent([], look_again_at=MONDAY + 2 * lease)
    taken_over = never_sent(MONDAY + 2 * lease)
    assert [question.id for question in taken_over.questions] == [asked.id]

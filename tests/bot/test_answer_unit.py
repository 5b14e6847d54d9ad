"""A quiz press is one unit of work: the answer is scored and the next question recorded
in one transaction, and a refused press records nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from bot.services.context import Services
from bot.services.quiz import flow
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.buttons import Answered, OptionPress, Place, answer_question, option_order
from bot.services.quiz.questions import Refusal
from bot.storage.kinds import QuestionKind
from bot.storage.models import Chat, Learner, QuizQuestion
from tests.e2e.harness import database_services

LEARNER = 7701
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
PLACE = Place(NOW, "UTC", 4)


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    services = database_services(tmp_path, database_url, NOW)
    with Session(services.engine) as session:
        session.add(Learner(id=LEARNER, first_name="Ada", private_chat_id=LEARNER))
        session.add(Chat(id=LEARNER, kind="private", time_zone="UTC"))
        session.commit()
    services.run_transaction(flow.introduce, services, LEARNER, "1.1")
    yield services
    services.engine.dispose()


def first_question(services: Services) -> flow.QuizStep:
    step = services.run_transaction(
        flow.next_step, services, chat_id=LEARNER, learner_id=LEARNER, kind=QuestionKind.NEW,
        drop_id="1.1",
    )  # fmt: skip
    assert step is not None and step.question_id is not None and step.item_id is not None
    return step


def right_press(step: flow.QuizStep) -> OptionPress:
    assert step.question_id is not None and step.item_id is not None
    item = quiz_bank().get(step.item_id)
    assert item is not None
    shown = option_order(item, step.question_id).index(item.correct)
    return OptionPress(step.question_id, shown, LEARNER, "Ada", LEARNER)


def transactions_during(services: Services, work: Any) -> tuple[Any, int]:
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    event.listen(services.engine, "begin", count)
    try:
        return work(), len(begun)
    finally:
        event.remove(services.engine, "begin", count)


def open_questions(services: Services) -> list[int | None]:
    with Session(services.engine) as session:
        return list(
            session.exec(
                select(QuizQuestion.id).where(
                    QuizQuestion.learner_id == LEARNER,
                    QuizQuestion.answered_at.is_(None),  # type: ignore[union-attr]
                )
            ).all()
        )


def test_an_answer_and_the_next_question_are_one_transaction(services: Services) -> None:
    asked = first_question(services)
    outcome, transactions = transactions_during(
        services,
        lambda: services.run_transaction(answer_question, services, right_press(asked), PLACE),
    )
    assert transactions == 1
    assert isinstance(outcome, Answered) and outcome.correct
    following = outcome.next_step
    assert following is not None and following.question_id is not None
    assert (following.kind, following.drop_id, following.position) == (QuestionKind.NEW, "1.1", 2)
    assert open_questions(services) == [following.question_id]


def test_a_repeated_press_records_no_other_question(services: Services) -> None:
    press = right_press(first_question(services))
    services.run_transaction(answer_question, services, press, PLACE)
    waiting = open_questions(services)
    again = services.run_transaction(answer_question, services, press, PLACE)
    assert again is Refusal.ANSWERED
    assert open_questions(services) == waiting

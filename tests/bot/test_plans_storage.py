"""bot.services.plans: the stored /plan conversation and finished plans, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.services import plans
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Delivery, Learner, PlanConversation, SavedPlan
from tests.planner.learners import support_classifier

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEARNER, OTHER = 501, 502
ANSWERS = support_classifier().to_dict()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        for user in (LEARNER, OTHER):
            session.add(Chat(id=user, kind="private", time_zone="UTC", delivery_time="08:00"))
            session.add(Learner(id=user, first_name="Ada", private_chat_id=user))
        session.commit()
    yield engine
    engine.dispose()


def answer_all(session: Session, learner: int = LEARNER) -> plans.Conversation:
    conversation = plans.start(session, learner, NOW)
    # Only what the conversation asks: the rest is read from the prompt or the teacher.
    while conversation.question is not None:
        key = conversation.question.key
        updated = plans.record_answer(
            session, learner, conversation.conversation_id, key, ANSWERS[key], NOW
        )
        assert updated is not None
        conversation = updated
    return conversation


def row(engine: Engine, learner: int = LEARNER) -> PlanConversation:
    with Session(engine) as session:
        stored = session.get(PlanConversation, learner)
        assert stored is not None
        return stored


def test_each_new_conversation_gets_a_higher_id_and_no_answers(engine: Engine) -> None:
    with Session(engine) as session:
        first = plans.start(session, LEARNER, NOW)
        plans.record_answer(
            session, LEARNER, first.conversation_id, "prompt", ANSWERS["prompt"], NOW
        )
        second = plans.start(session, LEARNER, NOW)
        session.commit()
    assert second.conversation_id == first.conversation_id + 1
    assert second.draft == {} and second.question is not None and second.question.key == "prompt"
    assert json.loads(row(engine).answers) == {} and row(engine).step == "prompt"


def test_an_answer_counts_only_for_the_current_question_of_the_current_conversation(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        conversation = plans.start(session, LEARNER, NOW)
        cid = conversation.conversation_id
        assert plans.record_answer(session, LEARNER, cid, "output", "label", NOW) is None
        assert plans.record_answer(session, LEARNER, cid + 1, "prompt", "x" * 20, NOW) is None
        after = plans.record_answer(session, LEARNER, cid, "prompt", ANSWERS["prompt"], NOW)
        assert after is not None and after.question is not None
        # A double tap on the prompt question: already answered, nothing changes.
        assert plans.record_answer(session, LEARNER, cid, "prompt", "another prompt", NOW) is None
        session.commit()
    assert row(engine).step == "inputlen"  # the prompt says it classifies, not how long tickets are
    assert json.loads(row(engine).answers) == {"prompt": ANSWERS["prompt"]}


def test_corrupt_stored_answers_are_asked_again(engine: Engine) -> None:
    with Session(engine) as session:
        plans.start(session, LEARNER, NOW)
        stored = session.get(PlanConversation, LEARNER)
        assert stored is not None
        stored.answers = json.dumps({"prompt": ANSWERS["prompt"], "inputlen": "poetry"})
        session.commit()
        conversation = plans.current(session, LEARNER)
        assert conversation is not None and conversation.question is not None
        assert conversation.question.key == "inputlen"
        stored.answers = "{not json"
        session.commit()
        conversation = plans.current(session, LEARNER)
        assert conversation is not None and conversation.draft == {}


def test_finishing_stores_one_plan_and_ends_the_conversation(engine: Engine) -> None:
    with Session(engine) as session:
        chat = session.get(Chat, LEARNER)
        assert chat is not None
        answer_all(session)
        finished = plans.finish(session, chat, LEARNER, NOW, day_start_hour=4)
        again = plans.finish(session, chat, LEARNER, NOW, day_start_hour=4)
        session.commit()
    assert finished is not None and again is None
    assert finished.filename == "distillation-plan-2026-03-02.md"
    assert not finished.finished_path  # drop 4.1 was never delivered
    with Session(engine) as session:
        [plan] = session.exec(select(SavedPlan)).all()
        assert plans.current(session, LEARNER) is None
    assert plan.document == finished.document and json.loads(plan.profile) == ANSWERS
    assert plan.title == "Support ticket classifier"
    assert finished.html.startswith("<!doctype html>") and finished.html_filename.endswith(".html")


def test_an_unfinished_conversation_makes_no_plan(engine: Engine) -> None:
    with Session(engine) as session:
        chat = session.get(Chat, LEARNER)
        assert chat is not None
        plans.start(session, LEARNER, NOW)
        assert plans.finish(session, chat, LEARNER, NOW, day_start_hour=4) is None
        assert plans.cancel(session, LEARNER, NOW) is True
        assert plans.cancel(session, LEARNER, NOW) is False
        session.commit()
        assert session.exec(select(SavedPlan)).all() == []


def test_a_plan_opens_only_for_its_owner(engine: Engine) -> None:
    with Session(engine) as session:
        chat = session.get(Chat, LEARNER)
        assert chat is not None
        answer_all(session)
        finished = plans.finish(session, chat, LEARNER, NOW, day_start_hour=4)
        session.commit()
        assert finished is not None
        assert plans.plan_of(session, finished.plan_id, LEARNER) is not None
        assert plans.plan_of(session, finished.plan_id, OTHER) is None
        assert plans.plan_of(session, finished.plan_id + 1, LEARNER) is None
        assert [p.id for p in plans.plans_of(session, LEARNER)] == [finished.plan_id]
        assert plans.count_plans(session, OTHER) == 0


def test_a_plan_completes_drop_4_1_once_when_it_was_delivered(engine: Engine) -> None:
    with Session(engine) as session:
        chat = session.get(Chat, LEARNER)
        assert chat is not None
        assert not plans.complete_plan_drop(session, chat, LEARNER, NOW, day_start_hour=4)
        chat.current_drop_id, chat.next_due_at = "4.1", NOW
        session.add(Delivery(chat_id=LEARNER, drop_id="4.1", local_day="2026-03-02", sent_at=NOW))
        session.flush()
        assert plans.complete_plan_drop(session, chat, LEARNER, NOW, day_start_hour=4)
        assert chat.finished_at == NOW
        assert chat.next_due_at is None  # no more drops are due
        assert not plans.complete_plan_drop(session, chat, LEARNER, NOW, day_start_hour=4)
        session.commit()


def test_the_document_is_named_by_the_learners_local_date() -> None:
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert (
        plans.document_filename(late, ZoneInfo("Asia/Tokyo")) == "distillation-plan-2026-03-03.md"
    )
    assert plans.local_date(late, ZoneInfo("UTC")) == "2 Mar 2026"

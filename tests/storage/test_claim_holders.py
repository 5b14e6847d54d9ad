"""Which claims an instance takes over as it starts: its own previous life's at once, a
peer's (or one of no known holder) once the lease has run out, never one of its own life.

Each test runs on SQLite and on PostgreSQL (the ``database_url`` fixture, tests/dbs.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.delivery.outbox import claim_delivery, mark_sending, reclaim_stale
from bot.services.quiz import questions
from bot.services.quiz.rounds import AskedElsewhere, PollToSend, next_poll
from bot.storage.db import make_engine
from bot.storage.kinds import RoundStatus
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Learner, QuizRound, RoundQuestion

CLAIMED = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
RESTARTED = CLAIMED + timedelta(seconds=30)  # well within the lease


def engine_for(database_url: str) -> Engine:
    upgrade(database_url)
    return make_engine(database_url)


def test_a_restarted_instance_takes_its_own_deliveries_at_once(database_url: str) -> None:
    engine = engine_for(database_url)
    with Session(engine) as session:
        for chat_id, holder in ((1, "bot-a"), (2, "bot-b")):
            chat = Chat(id=chat_id, kind="private", time_zone="UTC", delivery_time="08:00")
            session.add(chat)
            session.flush()
            work = claim_delivery(session, chat, "1.3", local_day="2026-12-14", scheduled=True,
                                  now=CLAIMED, lease=LEASE, holder=holder)  # fmt: skip
            assert work is not None
            assert mark_sending(session, work.delivery_id, held=work.lease_until,
                                lease_until=CLAIMED + LEASE)  # fmt: skip
        session.commit()
        dead_lease = CLAIMED + LEASE
        taken = reclaim_stale(session, RESTARTED, LEASE, holder="bot-a", started_at=RESTARTED)
        session.commit()
        # Taken once: a second look in the same life finds it this life's.
        again = reclaim_stale(session, RESTARTED, LEASE, holder="bot-a", started_at=RESTARTED)
        session.commit()
        # The dead sender's lease is no longer the row's: its writes change nothing.
        zombie = mark_sending(session, taken[0].delivery_id, held=dead_lease,
                              lease_until=RESTARTED + LEASE)  # fmt: skip
        peers = reclaim_stale(session, CLAIMED + LEASE + timedelta(seconds=1), LEASE,
                              holder="bot-a")  # fmt: skip
        session.commit()
    engine.dispose()
    assert [(w.chat_id, w.parts_sent, w.lease_until) for w in taken] == [(1, 1, RESTARTED + LEASE)]
    assert again == [] and not zombie
    assert [w.chat_id for w in peers] == [2]


def test_a_restarted_instance_asks_its_own_cut_off_questions_at_once(database_url: str) -> None:
    engine = engine_for(database_url)
    with Session(engine) as session:
        ids = {}
        for learner_id, holder in ((1, "bot-a"), (2, "bot-b"), (3, None)):
            session.add(Learner(id=learner_id, first_name="Ada", private_chat_id=learner_id))
            session.flush()
            asked = questions.ask(
                session, learner_id=learner_id, chat_id=learner_id, item_id="1.1a", kind="new",
                now=CLAIMED, holder=holder,
            )  # fmt: skip
            ids[holder] = asked.id
        session.commit()
        found = questions.never_sent(
            session, recorded_before=RESTARTED, now=RESTARTED, lease=LEASE, holder="bot-a"
        )
        session.commit()
        # bot-a starts again a minute later: it took the question in its last life.
        later = RESTARTED + timedelta(minutes=1)
        next_life = questions.never_sent(
            session, recorded_before=later, now=later, lease=LEASE, holder="bot-a"
        )
        session.commit()
    engine.dispose()
    assert [q.id for q in found.questions] == [ids["bot-a"]]
    assert found.look_again_at == CLAIMED + LEASE  # bot-b's, and the one of no known holder
    assert [q.id for q in next_life.questions] == [ids["bot-a"]]


def test_a_restarted_instance_asks_its_own_rounds_cut_off_question_at_once(
    database_url: str,
) -> None:
    engine = engine_for(database_url)
    with Session(engine) as session:
        game = QuizRound(chat_id=-1, running_in=-1, started_by=1, open_period_s=30,
                         status=RoundStatus.RUNNING, started_at=CLAIMED)  # fmt: skip
        session.add(game)
        session.flush()
        assert game.id is not None
        session.add(RoundQuestion(round_id=game.id, position=1, item_id="1.1a",
                                  asking_since=CLAIMED, holder="bot-a"))  # fmt: skip
        session.commit()
        peer = next_poll(session, game.id, RESTARTED, lease=LEASE, holder="bot-b",
                         started_at=RESTARTED)  # fmt: skip
        session.commit()
        own = next_poll(session, game.id, RESTARTED, lease=LEASE, holder="bot-a",
                        started_at=RESTARTED)  # fmt: skip
        session.commit()
        # Taken in this life now: the same instance leaves it to the send under way.
        this_life = next_poll(session, game.id, RESTARTED, lease=LEASE, holder="bot-a",
                              started_at=RESTARTED)  # fmt: skip
        session.commit()
    engine.dispose()
    assert peer == AskedElsewhere(CLAIMED + LEASE)
    assert isinstance(own, PollToSend) and own.taken_at == RESTARTED
    assert this_life == AskedElsewhere(RESTARTED + LEASE)

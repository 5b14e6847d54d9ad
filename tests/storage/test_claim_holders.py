"""Which claims a process takes over: those of a gone process of its name at once, a
peer's (or one of no known holder) once the lease has run out, never one of its own; and
the lock that proves a process of its name gone.

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
from bot.storage.instance_lock import HOLDER_CHARS, Claimant, InstanceLock, name_part
from bot.storage.kinds import RoundStatus
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Learner, QuizRound, RoundQuestion

CLAIMED = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
RESTARTED = CLAIMED + timedelta(seconds=30)  # well within the lease
DEAD = "aaaaaaaaaaaa:bot-a"  # a process of bot-a's that held the name, and is gone
HEIR = Claimant(holder="bbbbbbbbbbbb:bot-a", heir_of="bot-a")  # bot-a's process holding it now
PEER = "cccccccccccc:bot-b"


def engine_for(database_url: str) -> Engine:
    upgrade(database_url)
    return make_engine(database_url)


def test_a_restarted_instance_takes_its_own_deliveries_at_once(database_url: str) -> None:
    engine = engine_for(database_url)
    with Session(engine) as session:
        for chat_id, holder in ((1, DEAD), (2, PEER), (3, None), (4, HEIR.holder)):
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
        taken = reclaim_stale(session, RESTARTED, LEASE, claimant=HEIR)
        session.commit()
        # Taken once: a second look finds it this process's.
        again = reclaim_stale(session, RESTARTED, LEASE, claimant=HEIR)
        session.commit()
        # The dead sender's lease is no longer the row's: its writes change nothing.
        zombie = mark_sending(session, taken[0].delivery_id, held=dead_lease,
                              lease_until=RESTARTED + LEASE)  # fmt: skip
        # A process that does not hold the name takes nothing before the lease runs out.
        unheld = reclaim_stale(session, RESTARTED, LEASE, claimant=Claimant())
        session.commit()
        expired = reclaim_stale(session, CLAIMED + LEASE + timedelta(seconds=1), LEASE,
                                claimant=HEIR)  # fmt: skip
        session.commit()
    engine.dispose()
    assert [(w.chat_id, w.parts_sent, w.lease_until) for w in taken] == [(1, 1, RESTARTED + LEASE)]
    assert again == [] == unheld and not zombie
    assert sorted(w.chat_id for w in expired) == [2, 3, 4]


def test_a_restarted_instance_asks_its_own_cut_off_questions_at_once(database_url: str) -> None:
    engine = engine_for(database_url)
    with Session(engine) as session:
        ids = {}
        for learner_id, holder in ((1, DEAD), (2, PEER), (3, None)):
            session.add(Learner(id=learner_id, first_name="Ada", private_chat_id=learner_id))
            session.flush()
            asked = questions.ask(
                session, learner_id=learner_id, chat_id=learner_id, item_id="1.1a", kind="new",
                now=CLAIMED, holder=holder,
            )  # fmt: skip
            ids[holder] = asked.id
        session.commit()
        unheld = questions.never_sent(
            session, recorded_before=RESTARTED, now=RESTARTED, lease=LEASE, claimant=Claimant()
        )
        found = questions.never_sent(
            session, recorded_before=RESTARTED, now=RESTARTED, lease=LEASE, claimant=HEIR
        )
        session.commit()
        # bot-a starts again a minute later, this process gone: it took the question.
        later = RESTARTED + timedelta(minutes=1)
        next_heir = Claimant(holder="dddddddddddd:bot-a", heir_of="bot-a")
        next_life = questions.never_sent(
            session, recorded_before=later, now=later, lease=LEASE, claimant=next_heir
        )
        session.commit()
    engine.dispose()
    assert unheld.questions == []
    assert [q.id for q in found.questions] == [ids[DEAD]]
    assert found.look_again_at == CLAIMED + LEASE  # bot-b's, and the one of no known holder
    assert [q.id for q in next_life.questions] == [ids[DEAD]]


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
                                  asking_since=CLAIMED, holder=DEAD))  # fmt: skip
        session.commit()
        peer = next_poll(session, game.id, RESTARTED, lease=LEASE,
                         claimant=Claimant(holder=PEER, heir_of="bot-b"))  # fmt: skip
        session.commit()
        own = next_poll(session, game.id, RESTARTED, lease=LEASE, claimant=HEIR)
        session.commit()
        # Taken by this process now: it leaves it to the send under way.
        this_life = next_poll(session, game.id, RESTARTED, lease=LEASE, claimant=HEIR)
        session.commit()
    engine.dispose()
    assert peer == AskedElsewhere(CLAIMED + LEASE)
    assert isinstance(own, PollToSend) and own.taken_at == RESTARTED
    assert this_life == AskedElsewhere(RESTARTED + LEASE)


def test_one_living_process_holds_a_name_and_lets_go_of_it_as_it_ends(
    database_url: str,
) -> None:
    """The old process of a rolling deploy still runs: the new one of its name cannot
    vouch for being its only process (its claims get no holder) until the old one ends."""
    engine = engine_for(database_url)
    old, new = InstanceLock(engine, "bot-a"), InstanceLock(engine, "bot-a")
    other = InstanceLock(engine, "bot-b")
    try:
        assert old.try_hold() and old.try_hold()  # held, and still held
        assert not new.try_hold()
        assert new.claimant == Claimant()
        assert other.try_hold()
        old.release()
        assert new.try_hold()
        assert new.claimant == Claimant(holder=f"{new.token}:bot-a", heir_of="bot-a")
        assert new.claimant.is_dead(f"{old.token}:bot-a")
    finally:
        for lock in (old, new, other):
            lock.release()
        engine.dispose()


def test_a_claim_is_a_gone_processs_only_under_the_same_name() -> None:
    long_name = "worker-" + "x" * 70
    heir = Claimant(holder=f"bbbbbbbbbbbb:{name_part(long_name)}", heir_of=name_part(long_name))
    assert len(heir.holder or "") <= HOLDER_CHARS
    assert heir.is_dead(f"aaaaaaaaaaaa:{name_part(long_name)}")
    assert not heir.is_dead(heir.holder)  # its own
    assert not heir.is_dead(f"aaaaaaaaaaaa:{name_part(long_name + 'y')}")
    assert not HEIR.is_dead("aaaaaaaaaaaa:bot-a:b")  # another name, with a colon
    assert not HEIR.is_dead("bot-a")  # marked by a version before holders had tokens
    assert not HEIR.is_dead(None)
    assert not Claimant().is_dead(DEAD)  # not holding the name: no one's is known gone

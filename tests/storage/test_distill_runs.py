"""Which unfinished /distill runs count as interrupted when several processes share a DB.

Each test runs on SQLite and on PostgreSQL (the ``database_url`` fixture, tests/dbs.py).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.services.distill import (
    RUN_LEASE,
    finish_run,
    mark_told,
    record_run,
    renew_runs,
    take_interrupted,
    update_run,
)
from bot.storage.db import make_engine, session_scope
from bot.storage.instance_lock import Owner
from bot.storage.migrate import upgrade
from bot.storage.models import DistillRun

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def in_transaction(engine: Engine, work: Any, *args: Any, **kwargs: Any) -> Any:
    with session_scope(engine) as session:
        return work(session, *args, **kwargs)


def engine_for(database_url: str) -> Engine:
    upgrade(database_url)
    return make_engine(database_url)


def process(name: str, *, holds_the_name: bool = True) -> Owner:
    """A new process named ``name``; it holds the name unless a living one of it does."""
    return Owner.of(name, secrets.token_hex(6), held=holds_the_name)


def run(engine: Engine, owner: Owner | str, *, at: datetime = NOW, status: str = "running") -> int:
    """A run ``owner`` recorded (a bare name: as a process did before marks were)."""
    owner = owner if isinstance(owner, str) else owner.mark
    run_id = in_transaction(
        engine, record_run, user_id=1, chat_id=1, settings="T=2", now=at, owner=owner
    )
    in_transaction(engine, update_run, run_id, status=status)
    return run_id


def statuses(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {r.id or 0: r.status for r in session.exec(select(DistillRun))}


def test_a_live_peers_runs_are_left_alone_at_start_up(database_url: str) -> None:
    engine = engine_for(database_url)
    peers = run(engine, process("host-a"))
    taken = in_transaction(
        engine, take_interrupted, NOW + timedelta(seconds=5), owner=process("host-b"),
        at_start=True,
    )  # fmt: skip
    assert taken == []
    assert statuses(engine) == {peers: "running"}
    engine.dispose()


def test_a_dead_predecessors_runs_are_interrupted_at_once(database_url: str) -> None:
    """The process that recorded them held the name; the next one of that name holds it
    now, so the first is gone: its runs are reported at start-up, within their lease."""
    engine = engine_for(database_url)
    mine = run(engine, process("host-a"))
    soon = NOW + timedelta(seconds=5)
    taken = in_transaction(engine, take_interrupted, soon, owner=process("host-a"), at_start=True)
    assert [r.run_id for r in taken] == [mine]
    assert statuses(engine) == {mine: "interrupted"}
    engine.dispose()


def test_a_living_predecessors_runs_are_left_to_it_until_it_is_gone(database_url: str) -> None:
    """A rolling deploy: the new process of a name starts while the old one still trains
    its run (and holds the name). It leaves the run alone; once the old one is gone and the
    new one holds the name, the run is reported at once."""
    engine = engine_for(database_url)
    old = process("host-a")
    training = run(engine, old)
    new = process("host-a", holds_the_name=False)
    soon = NOW + timedelta(seconds=5)
    assert in_transaction(engine, take_interrupted, soon, owner=new, at_start=True) == []
    assert in_transaction(engine, take_interrupted, soon, owner=new, at_start=False) == []
    assert statuses(engine) == {training: "running"}
    # The old one is killed; the new one takes the name at its next delivery pass.
    new = Owner.of(new.name, new.token, held=True)
    later = soon + timedelta(seconds=5)
    taken = in_transaction(engine, take_interrupted, later, owner=new, at_start=False)
    assert [r.run_id for r in taken] == [training]
    engine.dispose()


def test_the_runs_of_a_process_that_could_not_take_its_name_wait_for_their_lease(
    database_url: str,
) -> None:
    """A process that did not hold its name (another living one of that name did) cannot be
    proven gone by the next one that holds it: its runs are reported when the lease ends."""
    engine = engine_for(database_url)
    second = run(engine, process("host-a", holds_the_name=False))
    soon = NOW + timedelta(seconds=5)
    assert (
        in_transaction(engine, take_interrupted, soon, owner=process("host-a"), at_start=True) == []
    )
    later = NOW + RUN_LEASE + timedelta(seconds=1)
    taken = in_transaction(engine, take_interrupted, later, owner=process("host-a"), at_start=False)
    assert [r.run_id for r in taken] == [second]
    engine.dispose()


def test_a_process_keeps_the_runs_it_recorded_before_it_took_its_name(database_url: str) -> None:
    engine = engine_for(database_url)
    waiting = Owner.of("host-a", secrets.token_hex(6), held=False)
    mine = run(engine, waiting)
    holding = Owner.of(waiting.name, waiting.token, held=True)
    later = NOW + RUN_LEASE * 3
    in_transaction(engine, renew_runs, owner=holding, now=later - RUN_LEASE / 3)
    assert in_transaction(engine, take_interrupted, later, owner=holding, at_start=False) == []
    assert in_transaction(engine, take_interrupted, later, owner=process("host-b"),
                          at_start=False) == []  # fmt: skip
    assert in_transaction(engine, finish_run, mine, owner=holding, status="done", now=later)
    assert statuses(engine) == {mine: "done"}
    engine.dispose()


def test_runs_recorded_before_marks_are_interrupted_at_start_up_only(database_url: str) -> None:
    """A run whose owner is the bare name: the next start of that name reports it."""
    engine = engine_for(database_url)
    mine = run(engine, "host-a")
    soon = NOW + timedelta(seconds=5)
    new = process("host-a")
    assert in_transaction(engine, take_interrupted, soon, owner=new, at_start=False) == []
    taken = in_transaction(engine, take_interrupted, soon, owner=new, at_start=True)
    assert [r.run_id for r in taken] == [mine]
    assert statuses(engine) == {mine: "interrupted"}
    engine.dispose()


def test_runs_recorded_before_marks_wait_while_a_living_process_holds_the_name(
    database_url: str,
) -> None:
    """The old process of an upgrade's rolling deploy marked its runs with the bare name and
    still holds the name: the new one leaves them until their lease ends."""
    engine = engine_for(database_url)
    training = run(engine, "host-a")
    new = process("host-a", holds_the_name=False)
    soon = NOW + timedelta(seconds=5)
    assert in_transaction(engine, take_interrupted, soon, owner=new, at_start=True) == []
    later = NOW + RUN_LEASE + timedelta(seconds=1)
    taken = in_transaction(engine, take_interrupted, later, owner=new, at_start=False)
    assert [r.run_id for r in taken] == [training]
    engine.dispose()


def test_a_stopped_peers_runs_are_interrupted_once_its_lease_runs_out(database_url: str) -> None:
    engine = engine_for(database_url)
    peer = process("host-a")
    peers = run(engine, peer)
    queued = run(engine, peer, status="queued")
    finished = run(engine, peer, status="done")
    later = NOW + RUN_LEASE + timedelta(seconds=1)
    b = process("host-b")
    taken = in_transaction(engine, take_interrupted, later, owner=b, at_start=False)
    assert sorted(r.run_id for r in taken) == sorted([peers, queued])
    assert in_transaction(engine, take_interrupted, later, owner=b, at_start=False) == [], (
        "told once"
    )
    assert statuses(engine)[finished] == "done"
    engine.dispose()


def test_renewing_keeps_a_long_queue_alive(database_url: str) -> None:
    engine = engine_for(database_url)
    a = process("host-a")
    waiting = run(engine, a, status="queued")
    later = NOW + RUN_LEASE * 3
    in_transaction(engine, renew_runs, owner=a, now=later - RUN_LEASE / 3)
    assert (
        in_transaction(engine, take_interrupted, later, owner=process("host-b"), at_start=False)
        == []
    )
    assert statuses(engine) == {waiting: "queued"}
    engine.dispose()


def test_runs_recorded_before_owners_existed_are_interrupted(database_url: str) -> None:
    engine = engine_for(database_url)
    with Session(engine) as session:
        session.add(DistillRun(user_id=1, chat_id=1, settings="", status="running", created_at=NOW))
        session.commit()
    taken = in_transaction(engine, take_interrupted, NOW, owner=process("host-b"), at_start=False)
    assert len(taken) == 1 and statuses(engine)[taken[0].run_id] == "interrupted"
    engine.dispose()


def test_a_run_reported_interrupted_is_not_revived_by_its_late_result(database_url: str) -> None:
    engine = engine_for(database_url)
    slow = run(engine, process("host-a"))
    in_transaction(engine, take_interrupted, NOW + RUN_LEASE * 2, owner=process("host-b"),
                   at_start=False)  # fmt: skip
    in_transaction(engine, update_run, slow, status="done", now=NOW + RUN_LEASE * 2)
    assert statuses(engine) == {slow: "interrupted"}
    engine.dispose()


def test_an_asker_a_killed_start_did_not_tell_is_told_by_the_next_start_once(
    database_url: str,
) -> None:
    engine = engine_for(database_url)
    cut_off = run(engine, process("host-a"))
    starts = [NOW + timedelta(seconds=s) for s in (5, 10, 15)]
    first, second, third = (process("host-a") for _ in starts)
    taken = in_transaction(engine, take_interrupted, starts[0], owner=first, at_start=True)
    assert [r.run_id for r in taken] == [cut_off]
    # Killed before the notice went out: the next start tells it, then marks it told.
    taken = in_transaction(engine, take_interrupted, starts[1], owner=second, at_start=True)
    assert [r.run_id for r in taken] == [cut_off]
    in_transaction(engine, mark_told, cut_off, starts[1])
    assert in_transaction(engine, take_interrupted, starts[2], owner=third, at_start=True) == []
    assert statuses(engine) == {cut_off: "interrupted"}
    engine.dispose()


def test_the_askers_a_peer_took_over_are_its_to_tell_until_it_stops(database_url: str) -> None:
    """host-b takes a stopped host-a's runs; host-a, restarted meanwhile, leaves them to
    host-b while host-b vouches for them, and tells their askers once host-b stopped too
    before telling them."""
    engine = engine_for(database_url)
    cut_off = run(engine, process("host-a"))
    taken_at = NOW + RUN_LEASE + timedelta(seconds=1)
    b = process("host-b")
    taken = in_transaction(engine, take_interrupted, taken_at, owner=b, at_start=False)
    assert [r.run_id for r in taken] == [cut_off]
    restart = taken_at + timedelta(seconds=5)
    a = process("host-a")
    assert in_transaction(engine, take_interrupted, restart, owner=a, at_start=True) == []
    in_transaction(engine, renew_runs, owner=b, now=taken_at + RUN_LEASE / 2)
    still_telling = taken_at + RUN_LEASE + timedelta(seconds=1)
    assert in_transaction(engine, take_interrupted, still_telling, owner=a, at_start=False) == []
    stopped = taken_at + RUN_LEASE * 2
    taken = in_transaction(engine, take_interrupted, stopped, owner=a, at_start=False)
    assert [r.run_id for r in taken] == [cut_off]
    engine.dispose()


def test_a_groups_runs_of_the_hour_still_count_once_it_is_a_supergroup(database_url: str) -> None:
    """With Celery the hourly group limit counts run rows by chat id; the upgrade to a
    supergroup moved the group's other rows but not its runs, so the limit started afresh."""
    from bot.services.delivery import chats
    from bot.services.distill_limits import RunLimits, admit_run
    from bot.storage.models import Chat
    from kd_sandbox.queue import GroupRateLimited

    engine = engine_for(database_url)
    limits = RunLimits(max_waiting=8, cooldown_s=0, group_runs_per_hour=2)

    def admit(user_id: int, chat_id: int) -> int:
        return in_transaction(
            engine, admit_run, user_id=user_id, chat_id=chat_id, in_group=True, settings="",
            now=NOW, owner="bot0", lease_until=NOW + RUN_LEASE, limits=limits,
        )  # fmt: skip

    with session_scope(engine) as session:
        session.add(Chat(id=-100, kind="group"))
    for user_id in (1, 2):
        run_id = admit(user_id, -100)
        in_transaction(engine, update_run, run_id, status="done")
    in_transaction(engine, chats.migrate, -100, -1001)
    try:
        with pytest.raises(GroupRateLimited):
            admit(3, -1001)  # a third run in the hour
    finally:
        engine.dispose()

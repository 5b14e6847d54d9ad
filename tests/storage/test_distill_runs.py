"""Which unfinished /distill runs count as interrupted when several processes share a DB.

Each test runs on SQLite and on PostgreSQL (the ``database_url`` fixture, tests/dbs.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.services.distill import (
    RUN_LEASE,
    mark_told,
    record_run,
    renew_runs,
    take_interrupted,
    update_run,
)
from bot.storage.db import make_engine, session_scope
from bot.storage.migrate import upgrade
from bot.storage.models import DistillRun

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def in_transaction(engine: Engine, work: Any, *args: Any, **kwargs: Any) -> Any:
    with session_scope(engine) as session:
        return work(session, *args, **kwargs)


def engine_for(database_url: str) -> Engine:
    upgrade(database_url)
    return make_engine(database_url)


def run(engine: Engine, owner: str, *, at: datetime = NOW, status: str = "running") -> int:
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
    peers = run(engine, "host-a")
    assert (
        in_transaction(
            engine, take_interrupted, NOW + timedelta(seconds=5), owner="host-b", at_start=True
        )
        == []
    )
    assert statuses(engine) == {peers: "running"}
    engine.dispose()


def test_this_names_previous_runs_are_interrupted_at_start_up_only(database_url: str) -> None:
    engine = engine_for(database_url)
    mine = run(engine, "host-a")
    soon = NOW + timedelta(seconds=5)
    assert in_transaction(engine, take_interrupted, soon, owner="host-a", at_start=False) == []
    taken = in_transaction(engine, take_interrupted, soon, owner="host-a", at_start=True)
    assert [r.run_id for r in taken] == [mine]
    assert statuses(engine) == {mine: "interrupted"}
    engine.dispose()


def test_a_stopped_peers_runs_are_interrupted_once_its_lease_runs_out(database_url: str) -> None:
    engine = engine_for(database_url)
    peers = run(engine, "host-a")
    queued = run(engine, "host-a", status="queued")
    finished = run(engine, "host-a", status="done")
    later = NOW + RUN_LEASE + timedelta(seconds=1)
    taken = in_transaction(engine, take_interrupted, later, owner="host-b", at_start=False)
    assert sorted(r.run_id for r in taken) == sorted([peers, queued])
    assert in_transaction(engine, take_interrupted, later, owner="host-b", at_start=False) == [], (
        "told once"
    )
    assert statuses(engine)[finished] == "done"
    engine.dispose()


def test_renewing_keeps_a_long_queue_alive(database_url: str) -> None:
    engine = engine_for(database_url)
    waiting = run(engine, "host-a", status="queued")
    later = NOW + RUN_LEASE * 3
    in_transaction(engine, renew_runs, owner="host-a", now=later - RUN_LEASE / 3)
    assert in_transaction(engine, take_interrupted, later, owner="host-b", at_start=False) == []
    assert statuses(engine) == {waiting: "queued"}
    engine.dispose()


def test_runs_recorded_before_owners_existed_are_interrupted(database_url: str) -> None:
    engine = engine_for(database_url)
    with Session(engine) as session:
        session.add(DistillRun(user_id=1, chat_id=1, settings="", status="running", created_at=NOW))
        session.commit()
    taken = in_transaction(engine, take_interrupted, NOW, owner="host-b", at_start=False)
    assert len(taken) == 1 and statuses(engine)[taken[0].run_id] == "interrupted"
    engine.dispose()


def test_a_run_reported_interrupted_is_not_revived_by_its_late_result(database_url: str) -> None:
    engine = engine_for(database_url)
    slow = run(engine, "host-a")
    in_transaction(engine, take_interrupted, NOW + RUN_LEASE * 2, owner="host-b", at_start=False)
    in_transaction(engine, update_run, slow, status="done", now=NOW + RUN_LEASE * 2)
    assert statuses(engine) == {slow: "interrupted"}
    engine.dispose()


def test_an_asker_a_killed_start_did_not_tell_is_told_by_the_next_start_once(
    database_url: str,
) -> None:
    engine = engine_for(database_url)
    cut_off = run(engine, "host-a")
    starts = [NOW + timedelta(seconds=s) for s in (5, 10, 15)]
    taken = in_transaction(engine, take_interrupted, starts[0], owner="host-a", at_start=True)
    assert [r.run_id for r in taken] == [cut_off]
    # Killed before the notice went out: the next start tells it, then marks it told.
    taken = in_transaction(engine, take_interrupted, starts[1], owner="host-a", at_start=True)
    assert [r.run_id for r in taken] == [cut_off]
    in_transaction(engine, mark_told, cut_off, starts[1])
    assert in_transaction(engine, take_interrupted, starts[2], owner="host-a", at_start=True) == []
    assert statuses(engine) == {cut_off: "interrupted"}
    engine.dispose()


def test_the_askers_a_peer_took_over_are_its_to_tell_until_it_stops(database_url: str) -> None:
    """host-b takes a stopped host-a's runs; host-a, restarted meanwhile, leaves them to
    host-b while host-b vouches for them, and tells their askers once host-b stopped too
    before telling them."""
    engine = engine_for(database_url)
    cut_off = run(engine, "host-a")
    taken_at = NOW + RUN_LEASE + timedelta(seconds=1)
    taken = in_transaction(engine, take_interrupted, taken_at, owner="host-b", at_start=False)
    assert [r.run_id for r in taken] == [cut_off]
    restart = taken_at + timedelta(seconds=5)
    assert in_transaction(engine, take_interrupted, restart, owner="host-a", at_start=True) == []
    in_transaction(engine, renew_runs, owner="host-b", now=taken_at + RUN_LEASE / 2)
    still_telling = taken_at + RUN_LEASE + timedelta(seconds=1)
    assert (
        in_transaction(engine, take_interrupted, still_telling, owner="host-a", at_start=False)
        == []
    )
    stopped = taken_at + RUN_LEASE * 2
    taken = in_transaction(engine, take_interrupted, stopped, owner="host-a", at_start=False)
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

"""Which unfinished /distill runs count as interrupted when several processes share a DB.

Each test runs on SQLite and on PostgreSQL (the ``database_url`` fixture, tests/dbs.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.services.distill import RUN_LEASE, record_run, renew_runs, take_interrupted, update_run
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import DistillRun

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def engine_for(database_url: str) -> Engine:
    upgrade(database_url)
    return make_engine(database_url)


def run(engine: Engine, owner: str, *, at: datetime = NOW, status: str = "running") -> int:
    run_id = record_run(engine, user_id=1, chat_id=1, settings="T=2", now=at, owner=owner)
    update_run(engine, run_id, status=status)
    return run_id


def statuses(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {r.id or 0: r.status for r in session.exec(select(DistillRun))}


def test_a_live_peers_runs_are_left_alone_at_start_up(database_url: str) -> None:
    engine = engine_for(database_url)
    peers = run(engine, "host-a")
    assert take_interrupted(engine, NOW + timedelta(seconds=5), owner="host-b", at_start=True) == []
    assert statuses(engine) == {peers: "running"}
    engine.dispose()


def test_this_names_previous_runs_are_interrupted_at_start_up_only(database_url: str) -> None:
    engine = engine_for(database_url)
    mine = run(engine, "host-a")
    soon = NOW + timedelta(seconds=5)
    assert take_interrupted(engine, soon, owner="host-a", at_start=False) == []
    taken = take_interrupted(engine, soon, owner="host-a", at_start=True)
    assert [r.id for r in taken] == [mine]
    assert statuses(engine) == {mine: "interrupted"}
    engine.dispose()


def test_a_stopped_peers_runs_are_interrupted_once_its_lease_runs_out(database_url: str) -> None:
    engine = engine_for(database_url)
    peers = run(engine, "host-a")
    queued = run(engine, "host-a", status="queued")
    finished = run(engine, "host-a", status="done")
    later = NOW + RUN_LEASE + timedelta(seconds=1)
    taken = take_interrupted(engine, later, owner="host-b", at_start=False)
    assert sorted(r.id or 0 for r in taken) == sorted([peers, queued])
    assert take_interrupted(engine, later, owner="host-b", at_start=False) == [], "told once"
    assert statuses(engine)[finished] == "done"
    engine.dispose()


def test_renewing_keeps_a_long_queue_alive(database_url: str) -> None:
    engine = engine_for(database_url)
    waiting = run(engine, "host-a", status="queued")
    later = NOW + RUN_LEASE * 3
    renew_runs(engine, owner="host-a", now=later - RUN_LEASE / 3)
    assert take_interrupted(engine, later, owner="host-b", at_start=False) == []
    assert statuses(engine) == {waiting: "queued"}
    engine.dispose()


def test_runs_recorded_before_owners_existed_are_interrupted(database_url: str) -> None:
    engine = engine_for(database_url)
    with Session(engine) as session:
        session.add(DistillRun(user_id=1, chat_id=1, settings="", status="running", created_at=NOW))
        session.commit()
    taken = take_interrupted(engine, NOW, owner="host-b", at_start=False)
    assert len(taken) == 1 and taken[0].status == "interrupted"
    engine.dispose()


def test_a_run_reported_interrupted_is_not_revived_by_its_late_result(database_url: str) -> None:
    engine = engine_for(database_url)
    slow = run(engine, "host-a")
    take_interrupted(engine, NOW + RUN_LEASE * 2, owner="host-b", at_start=False)
    update_run(engine, slow, status="done", now=NOW + RUN_LEASE * 2)
    assert statuses(engine) == {slow: "interrupted"}
    engine.dispose()

"""A bot instance stops while its /distill run waits for a worker: another instance takes
the run over once the lease runs out, and the learner gets the picture once, from it."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from bot.services.distill import RUN_LEASE
from bot.storage.models import DistillRun
from bot.telegram.handlers.distill import check_run_leases
from kd_sandbox.celery_app import encode_result, make_app, task_id
from kd_sandbox.result import RunResult
from tests.botapi import FakeBotApi
from tests.e2e.harness import FakeClock, running_bot

USER = 7201
PICTURE = Path(__file__).resolve().parents[2] / "drops" / "figures" / "batch_shapes.png"
CAPTION = "Digits: the run the stopped instance sent"


async def test_the_surviving_instance_delivers_a_stopped_instances_run_once(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    apis = [FakeBotApi(), FakeBotApi()]
    for api in apis:
        await api.start()
    clock = FakeClock()
    common = {"database_url": database_url, "sandbox_broker_url": redis_url, "clock": clock}
    try:
        async with running_bot(tmp_path / "b", api=apis[1], instance_name="b", **common) as b:
            async with running_bot(tmp_path / "a", api=apis[0], instance_name="a", **common) as a:
                status = await a.command(USER, "/distill steps=10")
                assert "queued" in status.text
            # "a" has stopped; a worker finishes the run it sent.
            worker_side = make_app(redis_url, soft_limit_s=60)
            result = encode_result(RunResult(png=PICTURE.read_bytes(), caption=CAPTION, wall_s=1.0))
            worker_side.backend.store_result(task_id(1), result, "SUCCESS")

            await check_run_leases(b.app)  # "a" still holds the lease: nothing happens
            assert b.api.sent("sendPhoto", USER) == []
            clock.advance(seconds=RUN_LEASE.total_seconds() + 1)
            await check_run_leases(b.app)
            await b.api.wait_for(lambda _: b.api.sent("sendPhoto", USER), timeout=20)
            await check_run_leases(b.app)  # a second check sends nothing more
            await b.settle()
            with Session(b.services.engine) as session:
                run = session.exec(select(DistillRun)).one()
            b_mark = b.services.owner.mark
    finally:
        for api in apis:
            await api.stop()
    photos = apis[1].sent("sendPhoto", USER)
    assert [photo.text for photo in photos] == [CAPTION]
    assert apis[0].sent("sendPhoto", USER) == []
    assert (run.status, run.owner) == ("done", b_mark)

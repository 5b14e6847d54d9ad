"""DistillService: a run whose row cannot be written leaves the queue free for the next."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.services.context import Services
from bot.services.distill import DistillService
from bot.storage.db import make_engine
from drops.loader import get_course
from kd_sandbox.spec import parse_settings


async def test_a_failed_record_refuses_the_run_and_frees_the_queue(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, telegram_bot_token=SecretStr("1:x"), cache_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'never-migrated.db'}", sandbox_cooldown_s=0,
    )  # fmt: skip
    services = Services(settings, make_engine(settings.database_url), get_course())
    runs = DistillService(services)

    async def nothing(_fraction: float) -> None:
        return None

    try:
        with pytest.raises(OperationalError):  # no distill_runs table: the row can't be written
            await runs.submit(
                parse_settings("steps=10"), user_id=1, chat_id=1, in_group=False,
                on_progress=nothing,
            )  # fmt: skip
        await asyncio.sleep(0.2)  # the queue's feeder ends the refused job at once
        idle = runs.queue.waiting == 0 and runs.queue._running is None
        assert idle, "the refused run still holds the queue"
    finally:
        await runs.close()
        services.close()


@pytest.mark.parametrize(
    ("settings", "told"),
    [
        ("steps=800", "⏱ took too long Try /distill steps=400"),
        # Stored when bug= with alpha=0 was still taken: refused by today's parser.
        ("bug=probs alpha=0", "⚠️ Your /distill run ended without a picture: took too long"),
    ],
)
def test_a_run_taken_over_from_another_process_is_answered_even_if_its_settings_are_refused_now(
    settings: str, told: str
) -> None:
    from bot.telegram.handlers.distill import _stored_run_failure_text
    from kd_sandbox.worker import RunTimeout

    text = _stored_run_failure_text(RunTimeout("took too long"), settings)
    assert told in text, text

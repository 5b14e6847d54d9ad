"""Opening the Mini App is not writing to the bot: every page it reads (path, a drop,
stats, the explorers, runs) stores nothing, for a stranger and for someone who did
/forget; a user with no data gets an empty state, not an error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, SQLModel, select

from bot.storage.models import Learner, QuizPoll
from tests.e2e.journeys import onboard, press_done
from tests.e2e.test_walkthrough import WAITING
from tests.quiz.steps import eventually, review_logs
from tests.webapp.harness import WebAppHarness, running_webapp

ME = 7501
READS = ["path", "stats", "runs", "runs/1", "explorer/temperature", "drops/1.1", "drops/2.2"]


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[WebAppHarness]:
    async with running_webapp(tmp_path, sandbox_enabled=False) as running:
        yield running


async def test_the_path_page_says_when_the_next_drop_comes_as_the_chat_does(
    web: WebAppHarness,
) -> None:
    web.bot.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # Monday, 07:00 in Berlin
    await onboard(web.bot, ME, "07:30", "Europe/Berlin")  # drop 1 comes, not done yet
    async with httpx.AsyncClient(base_url=web.base_url, timeout=10) as http:
        path = (await http.get("api/path", headers=web.auth(ME))).json()
    assert path["next_delivery"] == WAITING


def stored(web: WebAppHarness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a comparable form."""
    with Session(web.bot.services.engine) as session:
        return {
            table.name: sorted(map(tuple, session.connection().execute(table.select())), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


async def open_every_page(web: WebAppHarness) -> dict[str, httpx.Response]:
    async with httpx.AsyncClient(base_url=web.base_url, timeout=10) as http:
        return {path: await http.get(f"api/{path}", headers=web.auth(ME)) for path in READS}


async def test_a_stranger_opening_every_page_stores_nothing_and_sees_an_empty_state(
    web: WebAppHarness,
) -> None:
    before = stored(web)
    answers = await open_every_page(web)
    assert stored(web) == before
    stats = answers["stats"]
    assert stats.status_code == 200, stats.text
    assert {k: stats.json()[k] for k in ("answers", "streak", "cards", "due_today")} == {
        "answers": 0, "streak": 0, "cards": 0, "due_today": 0,
    }  # fmt: skip
    assert stats.json()["weakest"] == [] and stats.json()["forecast"] == [0] * 14
    assert answers["path"].json()["done"] == 0 and answers["runs"].json()["runs"] == []
    assert answers["runs/1"].status_code == answers["drops/1.1"].status_code == 404


async def test_after_forget_opening_the_app_does_not_store_the_name_again(
    web: WebAppHarness,
) -> None:
    bot = web.bot
    await onboard(bot, ME, "07:00", "UTC")
    assert await press_done(bot, ME)
    await bot.settle()
    ask = await bot.command(ME, "/forget")
    await bot.press(ME, ask, "forget:yes")
    await bot.settle()
    before = stored(web)
    answers = await open_every_page(web)
    assert all(answer.status_code in (200, 404) for answer in answers.values())
    with Session(bot.services.engine) as session:
        assert session.get(Learner, ME) is None  # "Learner 7501" is not stored again
    assert stored(web) == before


GROUP, ADMIN, MEMBER = -7501, 7502, 7503


async def test_path_and_stats_count_a_group_members_streak_in_the_same_zone(
    tmp_path: Path,
) -> None:
    """DEFAULT_TIME_ZONE=America/New_York; a member who never wrote to the bot answers the
    group's poll at 20:00 in New York on 2 March (01:00 UTC on the 3rd). At 06:00 UTC on
    4 March it is still the 3rd in New York (before 4 am): both pages say a 1-day streak."""
    async with running_webapp(
        tmp_path, sandbox_enabled=False, default_time_zone="America/New_York"
    ) as web:
        bot = web.bot
        bot.clock.set(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))  # 18:00 in New York
        bot.api.admins[GROUP] = {ADMIN}
        bot.api.add_bot_to_group(GROUP, ADMIN)
        await bot.command(ADMIN, "/settime 18:00", chat_id=GROUP)
        await eventually(lambda: len(bot.api.sent("sendPoll", GROUP)) == 1)
        with Session(bot.services.engine) as session:
            [poll] = session.exec(select(QuizPoll).where(QuizPoll.chat_id == GROUP)).all()
        bot.clock.set(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))  # 20:00 on the 2nd in New York
        bot.api.answer_poll(MEMBER, poll.poll_id, [poll.correct_option])
        await eventually(lambda: len(review_logs(bot, MEMBER)) == 1)
        await bot.settle(0.3)
        bot.clock.set(datetime(2026, 3, 4, 6, 0, tzinfo=UTC))  # 01:00 on the 4th there
        async with httpx.AsyncClient(base_url=web.base_url, timeout=10) as http:
            path = (await http.get("api/path", headers=web.auth(MEMBER))).json()
            stats = (await http.get("api/stats", headers=web.auth(MEMBER))).json()
        assert (path["streak"], stats["streak"]) == (1, 1)

"""Every API request must carry initData that Telegram signed for this bot in the last
24 hours; the user id comes from it alone, and nobody reaches another user's rows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from sqlmodel import Session, func, select

from bot.services.distill import record_run, update_run
from bot.storage.kinds import RunStatus
from bot.storage.models import Chat, DistillRun
from tests.e2e.journeys import onboard, press_done
from tests.webapp.harness import WebAppHarness, running_webapp

ME, OTHER = 7001, 7002
API_GETS = ["path", "stats", "runs", "explorer/temperature", "drops/1.1", "runs/1"]


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[WebAppHarness]:
    async with running_webapp(tmp_path, sandbox_enabled=False) as running:
        yield running


@pytest.fixture
async def client(web: WebAppHarness) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web.base_url, timeout=10) as http:
        yield http


async def run_of(web: WebAppHarness, user_id: int) -> int:
    services = web.bot.services
    run_id = await services.transaction(
        record_run, user_id=user_id, chat_id=user_id, settings="steps=60",
        now=services.clock(), owner="test",
    )  # fmt: skip
    await services.transaction(
        update_run, run_id, status=RunStatus.DONE, now=services.clock(),
        metrics={"mode": "compare", "kd_acc": 0.81},
    )  # fmt: skip
    return run_id


def count_runs(web: WebAppHarness) -> int:
    with Session(web.bot.services.engine) as session:
        return session.exec(select(func.count()).select_from(DistillRun)).one()


def tampered(init_data: str, user_id: int) -> str:
    fields = dict(parse_qsl(init_data))
    fields["user"] = fields["user"].replace(f'"id":{ME}', f'"id":{user_id}')
    return urlencode(fields)


@pytest.mark.parametrize("path", API_GETS)
async def test_requests_without_checked_init_data_get_401(
    web: WebAppHarness, client: httpx.AsyncClient, path: str
) -> None:
    valid = web.init_data(ME)
    refused = {
        "missing": {},
        "empty": {"Authorization": "tma"},
        "wrong scheme": {"Authorization": f"Bearer {valid}"},
        "forged": web.auth(ME, token="654321:ANOTHER-bots-token"),
        "tampered": {"Authorization": f"tma {tampered(valid, OTHER)}"},
        "no hash": {"Authorization": f"tma {valid.rsplit('&hash=', 1)[0]}"},
        "non-ASCII hash": {"Authorization": f"tma {valid.rsplit('&hash=', 1)[0]}&hash=%C3%A9"},
        "expired": web.auth(ME, at=web.bot.clock.now - timedelta(hours=24, minutes=1)),
        "from the future": web.auth(ME, at=web.bot.clock.now + timedelta(hours=1)),
    }
    for why, headers in refused.items():
        response = await client.get(f"api/{path}", headers=headers)
        assert response.status_code == 401, why
        assert "Open this page from the bot" in response.json()["error"]
    fresh = await client.get(
        "api/path", headers=web.auth(ME, at=web.bot.clock.now - timedelta(hours=23))
    )
    assert fresh.status_code == 200


async def test_another_users_run_is_not_found_and_a_forged_start_changes_nothing(
    web: WebAppHarness, client: httpx.AsyncClient
) -> None:
    mine, theirs = await run_of(web, ME), await run_of(web, OTHER)
    own = await client.get(f"api/runs/{mine}", headers=web.auth(ME))
    assert own.status_code == 200 and own.json()["metrics"]["kd_acc"] == 0.81
    other = await client.get(f"api/runs/{theirs}", headers=web.auth(ME))
    assert other.status_code == 404 and "kd_acc" not in other.text
    listed = await client.get("api/runs", headers=web.auth(ME))
    assert [run["id"] for run in listed.json()["runs"]] == [mine]
    missing = await client.get("api/runs/999999", headers=web.auth(ME))
    assert missing.status_code == 404
    before = count_runs(web)
    body = {"settings": "steps=60"}
    forged = await client.post("api/runs", json=body, headers=web.auth(ME, token="1:forged"))
    tricked = await client.post(
        "api/runs",
        json=body,
        headers={"Authorization": f"tma {tampered(web.init_data(ME), OTHER)}"},
    )
    assert forged.status_code == tricked.status_code == 401
    assert count_runs(web) == before


async def test_a_drop_not_reached_is_not_shown(
    web: WebAppHarness, client: httpx.AsyncClient
) -> None:
    response = await client.get("api/drops/2.2", headers=web.auth(ME))
    assert response.status_code == 404
    assert "not reached" in response.json()["error"]


async def test_opening_the_path_registers_no_chat_for_someone_who_never_started_the_bot(
    web: WebAppHarness, client: httpx.AsyncClient
) -> None:
    path = await client.get("api/path", headers=web.auth(ME))
    assert path.status_code == 200
    assert path.json()["done"] == 0
    assert path.json()["next_delivery"] == (  # the next step, as /progress in the chat says
        "not scheduled yet — send /start to set your time and get drop 1"
    )
    with Session(web.bot.services.engine) as session:
        assert session.get(Chat, ME) is None


async def test_opening_the_path_does_not_bring_back_a_chat_that_blocked_the_bot(
    web: WebAppHarness, client: httpx.AsyncClient
) -> None:
    bot = web.bot
    bot.clock.set(datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    await onboard(bot, ME, "07:00", "UTC")
    assert await press_done(bot, ME)
    await bot.settle()
    bot.api.blocked.add(ME)
    bot.clock.advance(days=1)
    await bot.tick()  # drop 2 fails: the chat is skipped until the learner writes again
    path = await client.get("api/path", headers=web.auth(ME))
    assert path.status_code == 200 and path.json()["done"] == 1
    before = len(bot.api.calls)
    bot.clock.advance(minutes=10)
    await bot.tick()
    await bot.settle()
    assert [c.method for c in bot.api.calls[before:] if c.chat_id == ME] == []
    with Session(bot.services.engine) as session:
        chat = session.get(Chat, ME)
        assert chat is not None and not chat.active


async def test_bad_settings_are_answered_beside_the_field_and_start_nothing(
    tmp_path: Path,
) -> None:
    async with running_webapp(tmp_path) as web, httpx.AsyncClient(base_url=web.base_url) as http:
        bad = [("T=99", "T"), ("wibble=3", "wibble"), ("steps=ten", "steps"), ("T = 2", "T=2`")]
        for settings, named in bad:
            response = await http.post(
                "api/runs", json={"settings": settings}, headers=web.auth(ME)
            )
            assert response.status_code == 422
            assert response.json()["field"] == "settings" and named in response.json()["error"]
        not_text = await http.post("api/runs", json={"settings": 3}, headers=web.auth(ME))
        assert not_text.status_code == 400
        assert count_runs(web) == 0


async def test_a_run_that_cannot_finish_in_time_is_refused_by_the_form_as_by_the_command(
    tmp_path: Path,
) -> None:
    """`/distill mode=onpolicy steps=3000` (about 304 s; the limit is 60 s) is refused up
    front, so the form refuses it too, beside the field, and records no run."""
    async with running_webapp(tmp_path) as web, httpx.AsyncClient(base_url=web.base_url) as http:

        async def never_finishes(*args: object, **kwargs: object) -> None:
            await asyncio.Event().wait()  # were the run queued, it would not train here

        web.bot.app.bot_data.distill.worker.run = never_finishes  # type: ignore[method-assign]
        response = await http.post(
            "api/runs", json={"settings": "mode=onpolicy steps=3000"}, headers=web.auth(ME)
        )
        assert (response.status_code, count_runs(web)) == (422, 0), response.text
        assert response.json()["field"] == "settings"
        assert (
            "about 304 s; the limit is 60 s: try `/distill mode=onpolicy steps="
            in (response.json()["error"])
        )


async def test_every_response_has_a_content_security_policy_and_assets_are_cached(
    web: WebAppHarness, client: httpx.AsyncClient
) -> None:
    page = await client.get("")
    asset = await client.get("vendor/uplot/uPlot.iife.min.js")
    api = await client.get("api/path", headers=web.auth(ME))
    refused = await client.get("api/path")
    for response in (page, asset, api, refused):
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self' https://telegram.org" in policy
    assert page.status_code == 200 and "<title>Distill Drops</title>" in page.text
    assert page.headers["Cache-Control"] == "no-cache" and page.headers.get("Etag")
    assert asset.headers["Cache-Control"].startswith("public, max-age=")
    assert api.headers["Cache-Control"] == "no-store"
    revalidated = await client.get("", headers={"If-None-Match": page.headers["Etag"]})
    assert revalidated.status_code == 304

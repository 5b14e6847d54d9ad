"""The Bot API client: what a timeout or a dead server means for the sender.

Every end-to-end test sends through this client; these pin down the cases the stand-in
never produces on its own: an answer that never comes, a server that is not there, and
a file upload.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.transport.bot_api_client import AiohttpRequest, may_have_arrived

Handler = Callable[[web.Request], Awaitable[web.Response]]
BUTTONS = InlineKeyboardMarkup([[InlineKeyboardButton("Undo", callback_data="qu:7")]])


@pytest.fixture
async def client() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(4, read_timeout=0.3)
    await request.initialize()
    yield request
    await request.shutdown()


async def serve(handler: Handler) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("POST", "/{method}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


async def test_an_answer_that_never_comes_is_a_timeout_the_message_may_have_survived(
    client: AiohttpRequest,
) -> None:
    async def silent(_request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({"ok": True, "result": True})

    runner, url = await serve(silent)
    try:
        with pytest.raises(TimedOut) as raised:
            await client.post(f"{url}/sendMessage")
        assert may_have_arrived(raised.value)
    finally:
        await runner.cleanup()


async def test_a_server_that_is_not_there_is_a_network_error_nothing_went_out(
    client: AiohttpRequest,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(NetworkError) as raised:
        await client.post(f"http://127.0.0.1:{closed_port}/sendMessage")
    assert not may_have_arrived(raised.value)


async def test_parameters_and_files_arrive_as_telegram_reads_them(
    client: AiohttpRequest,
) -> None:
    received: dict[str, object] = {}

    async def record(request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            received.update(await request.json())
            return web.json_response({"ok": True, "result": True})
        form = await request.post()
        for name, value in form.items():
            is_file = isinstance(value, web.FileField)
            received[name] = (value.filename, value.file.read()) if is_file else value
        return web.json_response({"ok": True, "result": True})

    runner, url = await serve(record)
    try:
        plain = RequestData(
            [
                RequestParameter.from_input("chat_id", 42),
                RequestParameter.from_input("text", "héllo"),
                RequestParameter.from_input("reply_markup", BUTTONS),
            ]
        )
        assert await client.post(f"{url}/sendMessage", request_data=plain) is True
        assert received == {"chat_id": 42, "text": "héllo", "reply_markup": BUTTONS.to_dict()}

        received.clear()
        photo = InputFile(b"\x89PNG...", filename="curves.png", attach=True)
        upload = RequestData(
            [
                RequestParameter.from_input("chat_id", 42),
                RequestParameter.from_input("photo", photo),
            ]
        )
        assert await client.post(f"{url}/sendPhoto", request_data=upload) is True
        assert received.pop(photo.attach_name or "") == ("curves.png", b"\x89PNG...")
        assert received["chat_id"] == "42" and str(received["photo"]).startswith("attach://")
    finally:
        await runner.cleanup()

"""The stand-in must reject what Telegram rejects, or the e2e tests prove nothing."""

from __future__ import annotations

import httpx
import pytest

from tests.botapi import FakeBotApi


@pytest.fixture
async def api():
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


async def call(api: FakeBotApi, method: str, **params) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.base_url}{api.token}/{method}", json=params)
    return response.json()


async def test_text_over_4096_is_rejected(api: FakeBotApi) -> None:
    assert (await call(api, "sendMessage", chat_id=1, text="x" * 4096))["ok"]
    result = await call(api, "sendMessage", chat_id=1, text="x" * 4097)
    assert not result["ok"] and "too long" in result["description"]


async def test_text_length_counts_utf16_units(api: FakeBotApi) -> None:
    result = await call(api, "sendMessage", chat_id=1, text="🎉" * 2049)
    assert not result["ok"]


async def test_caption_over_1024_is_rejected(api: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{api.base_url}{api.token}/sendPhoto",
            data={"chat_id": "1", "caption": "c" * 1025},
            files={"photo": ("a.png", b"\x89PNG\r\n\x1a\n....", "image/png")},
        )
    assert response.json()["ok"] is False


async def test_callback_data_over_64_bytes_is_rejected(api: FakeBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "ok", "callback_data": "é" * 33}]]}
    result = await call(api, "sendMessage", chat_id=1, text="hi", reply_markup=markup)
    assert result["description"] == "Bad Request: BUTTON_DATA_INVALID"


async def test_entity_outside_text_is_rejected(api: FakeBotApi) -> None:
    entities = [{"type": "bold", "offset": 3, "length": 5}]
    result = await call(api, "sendMessage", chat_id=1, text="hello", entities=entities)
    assert "can't parse entities" in result["description"]


async def test_unescaped_markdown_v2_is_rejected(api: FakeBotApi) -> None:
    result = await call(api, "sendMessage", chat_id=1, text="1.5 > 1", parse_mode="MarkdownV2")
    assert "can't parse entities" in result["description"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"question": "q" * 301}, "too long"),
        ({"options": [{"text": "only one"}]}, "2-12 options"),
        ({"options": [{"text": "o" * 101}, {"text": "b"}]}, "too long"),
        ({"explanation": "e" * 201}, "too long"),
        ({"explanation": "a\nb\nc\nd"}, "line feeds"),
        ({"correct_option_ids": [5]}, "correct option"),
    ],
)
async def test_poll_limits(api: FakeBotApi, change: dict, fragment: str) -> None:
    poll = {
        "chat_id": -5,
        "question": "Which T?",
        "options": [{"text": "1"}, {"text": "4"}],
        "type": "quiz",
        "correct_option_ids": [1],
        "explanation": "Higher T flattens.",
    }
    assert (await call(api, "sendPoll", **poll))["ok"]
    result = await call(api, "sendPoll", **{**poll, **change})
    assert not result["ok"] and fragment in result["description"]


async def test_unknown_method_is_404(api: FakeBotApi) -> None:
    assert (await call(api, "sendSticker", chat_id=1))["error_code"] == 404


async def test_wrong_token_is_401(api: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.base_url}999:wrong/getMe")
    # Telegram answers with the status too; python-telegram-bot reads it as InvalidToken.
    assert response.status_code == 401
    assert response.json()["error_code"] == 401


async def test_flood_limits_answer_429_with_retry_after() -> None:
    api = FakeBotApi(enforce_flood_limits=True)
    await api.start()
    try:
        assert (await call(api, "sendMessage", chat_id=1, text="a"))["ok"]
        second = await call(api, "sendMessage", chat_id=1, text="b")
        assert second["error_code"] == 429 and second["parameters"]["retry_after"] >= 1
        assert (await call(api, "sendMessage", chat_id=2, text="c"))["ok"]
    finally:
        await api.stop()


QUIZ = {"question": "2 + 2?", "options": ["3", "4"], "type": "quiz", "correct_option_ids": [1]}


async def test_a_polls_open_period_is_5_to_600_seconds(api: FakeBotApi) -> None:
    for seconds in (4, 601):
        result = await call(api, "sendPoll", chat_id=-1, open_period=seconds, **QUIZ)
        assert result["description"] == "Bad Request: wrong open period specified"
    sent = await call(api, "sendPoll", chat_id=-1, open_period=5, **QUIZ)
    assert sent["ok"] and sent["result"]["poll"]["open_period"] == 5


async def test_a_poll_stops_once(api: FakeBotApi) -> None:
    sent = (await call(api, "sendPoll", chat_id=-1, open_period=60, **QUIZ))["result"]
    poll_id, message_id = sent["poll"]["id"], sent["message_id"]
    assert api.poll_is_open(poll_id)
    stopped = await call(api, "stopPoll", chat_id=-1, message_id=message_id)
    assert stopped["result"]["is_closed"] is True and not api.poll_is_open(poll_id)
    again = await call(api, "stopPoll", chat_id=-1, message_id=message_id)
    assert again["description"] == "Bad Request: poll has already been closed"
    text = (await call(api, "sendMessage", chat_id=-1, text="hi"))["result"]["message_id"]
    missing = await call(api, "stopPoll", chat_id=-1, message_id=text)
    assert missing["description"] == "Bad Request: message with poll to stop not found"


async def test_a_migrated_group_answers_with_its_new_id(api: FakeBotApi) -> None:
    sent = (await call(api, "sendPoll", chat_id=-1, open_period=60, **QUIZ))["result"]
    api.migrate_group(-1, -1001, announce=False)
    for method, params in (("sendPoll", QUIZ), ("stopPoll", {"message_id": sent["message_id"]})):
        result = await call(api, method, chat_id=-1, **params)
        assert result["parameters"] == {"migrate_to_chat_id": -1001}, method


async def test_web_app_buttons_only_in_private_chats_and_only_https(api: FakeBotApi) -> None:
    def markup(url: str) -> dict:
        return {"inline_keyboard": [[{"text": "🔍 Explore", "web_app": {"url": url}}]]}

    good = markup("https://app.example.org/app/")
    assert (await call(api, "sendMessage", chat_id=5, text="x", reply_markup=good))["ok"]
    group = await call(api, "sendMessage", chat_id=-1005, text="x", reply_markup=good)
    assert not group["ok"] and group["description"] == "Bad Request: BUTTON_TYPE_INVALID"
    plain = await call(api, "sendMessage", chat_id=5, text="x", reply_markup=markup("http://a/"))
    assert not plain["ok"] and "Only HTTPS" in plain["description"]


async def test_set_chat_menu_button_takes_a_web_app_with_text_and_https(api: FakeBotApi) -> None:
    button = {"type": "web_app", "text": "🔍 Explore", "web_app": {"url": "https://a.org/app/"}}
    assert (await call(api, "setChatMenuButton", menu_button=button))["ok"]
    assert api.menu_buttons == {None: button}
    for bad in (
        {**button, "text": " "},
        {**button, "web_app": {"url": "http://a.org/app/"}},
        {"type": "web_page"},
    ):
        assert not (await call(api, "setChatMenuButton", menu_button=bad))["ok"]
    in_group = await call(api, "setChatMenuButton", chat_id=-1005, menu_button=button)
    assert not in_group["ok"]
    assert api.menu_buttons == {None: button}

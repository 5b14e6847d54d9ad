"""Typed messages start at once; button presses take one of a few places."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.telegram.transport.updates import TypedFirst, is_typed

USER = User(5, "Ada", is_bot=False)


def typed(update_id: int) -> Update:
    chat = Chat(5, Chat.PRIVATE)
    return Update(
        update_id, message=Message(update_id, datetime.now(UTC), chat, text="/help", from_user=USER)
    )


def pressed(update_id: int) -> Update:
    query = CallbackQuery(str(update_id), USER, chat_instance="c", data="qa:1:0")
    return Update(update_id, callback_query=query)


def test_only_messages_count_as_typed() -> None:
    assert is_typed(typed(1))
    assert not is_typed(pressed(2))
    assert not is_typed(object())


async def test_a_typed_command_starts_while_presses_wait_for_a_place() -> None:
    processor = TypedFirst(100, other_places=2)
    release = asyncio.Event()
    started: list[int] = []

    async def handle(update: Update) -> None:
        started.append(update.update_id)
        if not is_typed(update):
            await release.wait()

    presses = [
        asyncio.create_task(processor.process_update(u, handle(u))) for u in map(pressed, (1, 2, 3))
    ]
    await asyncio.sleep(0.01)
    assert started == [1, 2], "two places for presses: the third waits"
    async with asyncio.timeout(1):
        await processor.process_update(typed(4), handle(typed(4)))
    assert started == [1, 2, 4]
    release.set()
    await asyncio.gather(*presses)
    assert started == [1, 2, 4, 3]

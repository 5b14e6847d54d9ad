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


async def test_what_follows_presses_waits_until_every_waiting_press_is_handled() -> None:
    processor = TypedFirst(100, other_places=2)
    release = asyncio.Event()

    async def handle(update: Update) -> None:
        await release.wait()

    presses = [
        asyncio.create_task(processor.process_update(u, handle(u))) for u in map(pressed, (1, 2, 3))
    ]
    await asyncio.sleep(0.01)
    follow_up = asyncio.create_task(processor.settled(patience_s=5))
    await asyncio.sleep(0.05)
    assert not follow_up.done(), "three presses still waiting or being handled"
    release.set()
    await asyncio.gather(*presses)
    async with asyncio.timeout(1):
        await follow_up


async def test_a_steady_stream_of_presses_holds_what_follows_only_so_long() -> None:
    processor = TypedFirst(100, other_places=2)
    never = asyncio.Event()

    async def handle(update: Update) -> None:
        await never.wait()

    press = asyncio.create_task(processor.process_update(pressed(1), handle(pressed(1))))
    await asyncio.sleep(0.01)
    async with asyncio.timeout(1):
        await processor.settled(patience_s=0.1)  # gives up waiting; does not raise
    press.cancel()

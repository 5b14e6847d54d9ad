"""/start, /help, unknown commands and the command menu, through the real Application."""

from __future__ import annotations

from sqlmodel import Session

from bot.storage.models import Chat, Learner
from bot.telegram.commands import MENU_ORDER
from bot.telegram.registry import all_commands
from tests.e2e.harness import BotHarness

USER = 1001


async def test_start_greets_and_registers_the_chat(harness: BotHarness) -> None:
    reply = await harness.command(USER, "/start")
    assert "Distill Drops" in reply.text
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, USER)
        learner = session.get(Learner, USER)
    assert chat is not None and chat.kind == "private"
    assert learner is not None and learner.private_chat_id == USER


async def test_help_lists_every_command_in_the_menu(harness: BotHarness) -> None:
    reply = await harness.command(USER, "/help")
    visible = [c for c in all_commands() if not c.hidden]
    for command in visible:
        assert f"/{command.name}" in reply.text
    menu = [c["command"] for c in harness.api.commands]
    assert menu == [name for name in MENU_ORDER if name in {c.name for c in visible}]


async def test_every_menu_command_is_answered_by_its_own_handler(harness: BotHarness) -> None:
    await harness.command(USER, "/start")
    for entry in harness.api.commands:
        name = entry["command"]
        # /distill alone would train; its help is answered by the same handler.
        reply = await harness.command(USER, f"/{name} help" if name == "distill" else f"/{name}")
        assert "I don't know that command" not in reply.text, entry["command"]


async def test_unknown_command_points_to_help(harness: BotHarness) -> None:
    reply = await harness.command(USER, "/frobnicate")
    assert "/help" in reply.text


async def test_replies_carry_entities_not_markdown(harness: BotHarness) -> None:
    reply = await harness.command(USER, "/start")
    assert "**" not in reply.text
    assert any(e["type"] == "bold" for e in reply.params.get("entities", []))

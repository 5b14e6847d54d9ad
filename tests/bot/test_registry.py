"""One registry: every menu line has a handler, every command is in the menu or hidden."""

from __future__ import annotations

from telegram.ext import CommandHandler

from bot.telegram.commands import MENU_ORDER, help_text, menu
from bot.telegram.registry import MODULES, all_commands


def test_every_menu_entry_names_a_declared_command() -> None:
    declared = {c.name for c in all_commands()}
    assert set(MENU_ORDER) <= declared, set(MENU_ORDER) - declared


def test_every_command_is_in_the_menu_or_deliberately_hidden() -> None:
    loose = [c.name for c in all_commands() if not c.hidden and c.name not in MENU_ORDER]
    assert loose == []


def test_no_command_is_declared_twice() -> None:
    names = [c.name for c in all_commands()]
    assert len(names) == len(set(names))


def test_help_and_the_menu_come_from_the_same_list() -> None:
    lines = menu(all_commands())
    assert [name for name, _ in lines] == list(MENU_ORDER)
    text = help_text(lines)
    for name, description in lines:
        assert f"/{name} — {description}" in text


def test_modules_register_commands_only_through_their_command_list() -> None:
    """A CommandHandler hidden in handlers() would bypass the menu (deep links excepted)."""
    for module in MODULES:
        for handler in module.handlers():
            if isinstance(handler, CommandHandler):
                assert handler.commands == frozenset({"start"}), module.__name__

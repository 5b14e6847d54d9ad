"""A group's own settings, changed by its administrators: who may start a quiz round."""

from __future__ import annotations

from sqlmodel import Session

from bot.services.path import ChatRef, chat_of
from bot.services.quiz.preferences import SettingsError
from bot.storage.kinds import RoundStarters

GROUP_USAGE = (
    "Change it like this: `/settings rounds=admins` (or `rounds=anyone`)\n"
    "• rounds — who may start a quiz round with /quiz: anyone in the group, or admins only"
)


def parse_group_settings(text: str) -> RoundStarters | None:
    """``""`` → None (show them); ``"rounds=admins"`` → the choice; raises SettingsError."""
    tokens = text.split()
    if not tokens:
        return None
    key, _, value = tokens[0].partition("=")
    if len(tokens) > 1 or key.lower() != "rounds":
        raise SettingsError(["a group has one setting: rounds=anyone or rounds=admins"])
    try:
        return RoundStarters(value.lower())
    except ValueError:
        raise SettingsError([f"rounds must be anyone or admins, not {value[:20]!r}"]) from None


def group_settings(session: Session, group: ChatRef, change: RoundStarters | None) -> str:
    """Apply ``change`` (if any) and describe the group's settings as Markdown."""
    chat = chat_of(session, group)
    if change is not None:
        chat.round_starters = change
        session.add(chat)
    who = "anyone in the group" if chat.round_starters == RoundStarters.ANYONE else "admins only"
    return f"**Group settings**\n• rounds: {who} may start a quiz round"

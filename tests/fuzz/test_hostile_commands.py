"""Hostile text to every command that parses its arguments, through the real Application.

For each example the bot must answer in the chat, no handler may raise, Telegram must
accept every call, and the answer must be the parser's own explanation with no stored
row changed, unless the parser accepts the input, in which case the change is the
expected one (the next example then starts from the new state).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from sqlmodel import Session

from bot.core import InputError, parse_delivery_time, parse_time_zone
from bot.core.planner import AnswerError, parse_answer
from bot.services import plans
from bot.services.quiz import preferences
from bot.telegram.views.distill_settings import spaced_equals_hint
from drops.render import render_markdown
from kd_sandbox.spec import SettingsError, parse_settings
from tests.fuzz.hostile import E2E, as_message, hostile_text
from tests.fuzz.live_bot import Exchange, LiveBot, live_bot
from tests.quiz.steps import start_learner

USER = 6660001
DISTILL_HELP = ("help", "?", "-h", "--help")


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[LiveBot]:
    """One bot for all of a test's examples; the learner has a schedule and drop 1."""
    with live_bot(tmp_path, sandbox_enabled=False) as running:
        running.call(start_learner(running.harness, USER))
        yield running


def send(bot: LiveBot, command: str, text: str) -> tuple[str, Exchange]:
    """``/command text`` as Telegram delivers it; returns the arguments the handler sees."""
    message = as_message(f"/{command} {text}")
    exchange = bot.call(bot.command(USER, message))
    exchange.assert_handled()
    return " ".join(message.split()[1:]), exchange


def rejection(parse: Callable[[str], Any], text: str) -> str | None:
    """The parser's message for ``text``, or None when it accepts it."""
    try:
        parse(text)
    except (InputError, SettingsError, preferences.SettingsError, AnswerError) as error:
        if isinstance(error, InputError):
            return error.user_message
        if isinstance(error, preferences.SettingsError):
            return error.problems[0]
        if isinstance(error, AnswerError):
            return error.message
        return str(error)
    return None


@E2E
@given(text=hostile_text)
def test_settime(bot: LiveBot, text: str) -> None:
    args, exchange = send(bot, "settime", text)
    reply = exchange.text(USER)
    problem = rejection(parse_delivery_time, args) if args else None
    if not args:  # asked: the chat now waits for the typed answer (stored, by design)
        assert "When should your daily drop arrive?" in reply
        return
    if problem is None:
        assert "✅ Next drop" in reply
        return
    assert problem in reply
    exchange.assert_unchanged()


@E2E
@given(text=hostile_text)
def test_timezone(bot: LiveBot, text: str) -> None:
    args, exchange = send(bot, "timezone", text)
    reply = exchange.text(USER)
    problem = rejection(parse_time_zone, args) if args else None
    if not args:  # asked: the chat now waits for the typed answer (stored, by design)
        assert "Which time zone are you in?" in reply
        return
    if problem is None:
        assert "✅ Next drop" in reply
        return
    assert problem in reply
    exchange.assert_unchanged()


@E2E
@given(text=hostile_text)
@example(text="0 =")  # spaces around "=": the hint answers, not the parser
def test_distill(bot: LiveBot, text: str) -> None:
    args, exchange = send(bot, "distill", text)
    reply = exchange.text(USER)
    problem = rejection(parse_settings, args)
    spaced = spaced_equals_hint(args)  # named before the parser sees the split pieces
    if args.strip().lower() in DISTILL_HELP:
        assert "Settings, as key=value" in reply
    elif spaced is not None:
        assert render_markdown(spaced).text in reply
    elif problem is None:
        assert "switched off" in reply  # valid settings; the sandbox is off in this test
    else:
        # The message is Markdown: its `code` spans arrive as entities, without backticks.
        assert render_markdown(problem).text in reply and "/distill help" in reply
    exchange.assert_unchanged()


@E2E
@given(text=hostile_text)
def test_quiz_settings(bot: LiveBot, text: str) -> None:
    args, exchange = send(bot, "settings", text)
    reply = exchange.text(USER)
    problem = rejection(preferences.parse_settings, args)
    if problem is None:
        assert "Your quiz settings" in reply
        return
    assert "Nothing changed" in reply and problem in reply
    exchange.assert_unchanged()


@E2E
@given(text=hostile_text)
def test_drop(bot: LiveBot, text: str) -> None:
    _, exchange = send(bot, "drop", text)
    assert exchange.replies(USER)
    exchange.assert_unchanged()  # /drop only shows what the chat has reached


@E2E
@given(text=hostile_text)
def test_plan_answers(bot: LiveBot, text: str) -> None:
    message = as_message(text)
    if not message or message.startswith("/"):
        return  # Telegram sends no empty message; a leading slash makes it a command
    engine = bot.harness.services.engine
    with Session(engine) as session:
        conversation = plans.current(session, USER)
    if conversation is None:  # the first example, or the previous one finished a plan
        bot.call(bot.command(USER, "/plan")).assert_handled()
        with Session(engine) as session:
            conversation = plans.current(session, USER)
    assert conversation is not None and conversation.question is not None
    question = conversation.question
    exchange = bot.call(bot.command(USER, message))
    exchange.assert_handled()
    reply = exchange.text(USER)
    problem = rejection(lambda raw: parse_answer(question, raw), message)
    if problem is None:
        assert "Question" in reply or "Distillation plan" in reply
        return
    assert problem in reply
    exchange.assert_unchanged()

"""Every parser of what users type, fed hostile text: it answers or raises its own error.

Each error carries a message meant for the user, so it must be short and non-empty;
anything else escaping a parser would reach the bot's error handler instead.
"""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import (
    InputError,
    could_be_a_time,
    could_be_a_zone,
    parse_delivery_time,
    parse_time_zone,
)
from bot.core.boards import BoardKind, parse_board
from bot.core.planner import QUESTIONS, AnswerError, Question, QuestionKind, parse_answer
from bot.core.rounds import MAX_SIZE, parse_round_size
from bot.services.quiz import preferences
from bot.services.quiz.group_settings import parse_group_settings
from bot.storage.kinds import RoundStarters
from kd_sandbox.spec import RunSpec, SettingsError, parse_settings
from tests.fuzz.hostile import UNIT, hostile_text

# Eleven questions: fewer examples each, still hundreds for the /plan answers overall.
PER_QUESTION = settings(UNIT, max_examples=150)

CHOICES = [q for q in QUESTIONS if q.kind is QuestionKind.CHOICE and not q.accepts_typed]
# A reply must fit on a phone and in one message, whatever the input was.
MAX_MESSAGE = 600


def clear(message: str) -> None:
    assert message.strip() and len(message) <= MAX_MESSAGE, message[:80]


@UNIT
@given(hostile_text)
def test_distill_settings_give_a_spec_or_a_settings_error(text: str) -> None:
    try:
        spec = parse_settings(text)
    except SettingsError as error:
        clear(str(error))
    else:
        assert isinstance(spec, RunSpec)
        assert parse_settings(spec.as_settings()) == spec  # what we echo back reads the same


@UNIT
@given(hostile_text)
def test_delivery_times_give_a_time_or_an_input_error(text: str) -> None:
    try:
        chosen = parse_delivery_time(text)
    except InputError as error:
        clear(error.user_message)
    else:
        assert isinstance(chosen, time) and chosen.second == 0
        assert parse_delivery_time(chosen.strftime("%H:%M")) == chosen


@UNIT
@given(hostile_text)
def test_time_zones_give_a_zone_or_an_input_error(text: str) -> None:
    try:
        zone = parse_time_zone(text)
    except InputError as error:
        clear(error.user_message)
    else:
        assert isinstance(zone, ZoneInfo)
        assert parse_time_zone(zone.key) == zone


@UNIT
@given(hostile_text)
def test_what_a_schedule_parser_reads_is_meant_for_it(text: str) -> None:
    """The rule that ends a wait for a typed time or zone never drops a valid answer."""
    for parse, meant in (
        (parse_delivery_time, could_be_a_time),
        (parse_time_zone, could_be_a_zone),
    ):
        try:
            parse(text)
        except InputError:
            assert meant(text) in (True, False)
        else:
            assert meant(text)


@UNIT
@given(hostile_text)
def test_quiz_settings_give_changes_or_a_settings_error(text: str) -> None:
    try:
        changes = preferences.parse_settings(text)
    except preferences.SettingsError as error:
        assert error.problems
        for problem in error.problems:
            clear(problem)
    else:
        if changes.retention is not None:
            assert preferences.RETENTION_MIN <= changes.retention <= preferences.RETENTION_MAX
        if changes.cap is not None:
            assert preferences.CAP_MIN <= changes.cap <= preferences.CAP_MAX


@UNIT
@given(hostile_text)
def test_quiz_round_sizes_give_a_size_or_an_input_error(text: str) -> None:
    try:
        size = parse_round_size(text)
    except InputError as error:
        clear(error.user_message)
    else:
        assert 1 <= size <= MAX_SIZE


@UNIT
@given(hostile_text)
def test_leaderboards_and_group_settings_give_a_choice_or_their_error(text: str) -> None:
    try:
        assert parse_board(text) in BoardKind
    except InputError as error:
        clear(error.user_message)
    try:
        starters = parse_group_settings(text)
    except preferences.SettingsError as error:
        assert error.problems
        clear(error.problems[0])
    else:
        assert starters is None or starters in RoundStarters


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.key for q in QUESTIONS])
@PER_QUESTION
@given(text=hostile_text)
def test_plan_answers_give_a_value_or_an_answer_error(question: Question, text: str) -> None:
    try:
        value = parse_answer(question, text)
    except AnswerError as error:
        clear(error.message)
    else:
        assert value is None or isinstance(value, str | int | float)
        if isinstance(value, float):
            assert value == value and abs(value) != float("inf")  # no NaN, no infinity


@UNIT
@given(st.sampled_from(CHOICES), st.one_of(hostile_text, st.text(max_size=30)))
def test_plan_choices_accept_only_their_options(question: Question, raw: str) -> None:
    try:
        value = parse_answer(question, raw)
    except AnswerError:
        return
    assert value in {option.value for option in question.options}
    typed = " ".join(raw.split()).casefold()
    assert typed in {o.value.casefold() for o in question.options} | {
        o.label.casefold() for o in question.options
    }


def test_every_plan_button_is_accepted() -> None:
    for question in QUESTIONS:
        for option in question.options:
            parse_answer(question, option.value)

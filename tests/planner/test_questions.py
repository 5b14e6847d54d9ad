"""The /plan questions as data, and how typed answers are read (or refused, clearly)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.planner import QUESTIONS, AnswerError, QuestionKind, parse_answer
from bot.core.planner.questions import PROMPT_MAX_CHARS, QUESTIONS_BY_KEY

ASKED_ABOUT = {
    "prompt", "output", "inputlen", "volume", "latency", "cost", "quality",
    "reasoning", "logprobs", "prefs", "privacy", "teacher", "engineering", "horizon",
}  # fmt: skip


def answer(key: str, raw: str) -> object:
    return parse_answer(QUESTIONS_BY_KEY[key], raw)


def refusal(key: str, raw: str) -> str:
    with pytest.raises(AnswerError) as caught:
        parse_answer(QUESTIONS_BY_KEY[key], raw)
    return caught.value.message


def test_every_topic_of_the_exercise_is_asked_once_prompt_first() -> None:
    keys = [question.key for question in QUESTIONS]
    assert set(keys) == ASKED_ABOUT
    assert len(keys) == len(set(keys))
    assert keys[0] == "prompt"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.key)
def test_buttons_fit_telegram_and_their_values_parse_back(question) -> None:
    values = [option.value for option in question.options]
    assert len(values) == len(set(values))
    for option in question.options:
        assert 0 < len(option.label) <= 30
        assert 0 < len(option.value) <= 16 and option.value.isascii()
        parsed = parse_answer(question, option.value)
        if question.kind is QuestionKind.CHOICE:
            assert parsed == option.value


def test_choice_questions_offer_buttons_and_text_questions_none() -> None:
    for question in QUESTIONS:
        if question.kind is QuestionKind.CHOICE:
            assert len(question.options) >= 2
        if question.kind is QuestionKind.TEXT:
            assert question.options == ()


def test_the_teacher_question_offers_common_models_and_a_way_to_type() -> None:
    labels = [option.label for option in QUESTIONS_BY_KEY["teacher"].options]
    assert labels[:8] == [
        "GPT-4.1",
        "GPT-4o",
        "Claude Sonnet",
        "Gemini 2.5 Pro",
        "Llama 3.3 70B",
        "Qwen2.5-72B",
        "DeepSeek-R1",
        "Mistral Large",
    ]
    assert labels[-1] == "Other (type its name)"
    assert QUESTIONS_BY_KEY["teacher"].accepts_typed


def test_the_teacher_is_asked_before_what_its_api_exposes() -> None:
    keys = [question.key for question in QUESTIONS]
    assert keys.index("teacher") < keys.index("logprobs") < keys.index("reasoning")


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [("300", 300), ("1,200 words", 1600), ("8k tokens", 8000), ("3 pages", 2000),
     ("30 minutes", 6000), ("2,000 characters", 500)],
)  # fmt: skip
def test_input_lengths_in_words_pages_or_minutes_become_tokens(raw: str, tokens: int) -> None:
    assert answer("inputlen", raw) == tokens


def test_an_input_length_unit_it_does_not_know_is_refused_not_read_as_tokens() -> None:
    assert "'paragraphs' is not a unit I know" in refusal("inputlen", "3 paragraphs")
    assert "'kilobytes' is not a unit I know" in refusal("inputlen", "300 kilobytes")
    assert answer("inputlen", "about 300 tokens per call") == 300


def test_engineering_and_horizon_read_dollars_and_spans() -> None:
    assert answer("engineering", "$15k") == 15_000
    assert answer("engineering", "0") == 0
    assert answer("horizon", "18 months") == 548
    assert answer("horizon", "2 years") == 730
    assert "ten years" in refusal("horizon", "20 years")


@pytest.mark.parametrize(
    ("raw", "days"),
    [("6 mos", 183), ("6mos", 183), ("18 mths", 548), ("3 wks", 21), ("1 yr", 365),
     ("about 1 year", 365), ("90 or so", 90)],
)  # fmt: skip
def test_horizons_with_abbreviated_units_or_fillers(raw: str, days: int) -> None:
    assert answer("horizon", raw) == days


def test_a_horizon_unit_it_does_not_know_is_refused_not_read_as_days() -> None:
    assert "'fortnights' is not a unit I know" in refusal("horizon", "6 fortnights")
    assert "'m' is not a unit I know" in refusal("horizon", "6 m")


@pytest.mark.parametrize(
    ("raw", "calls"),
    [
        ("5000", 5_000),
        ("about 5k", 5_000),
        ("1,000,000", 1_000_000),
        ("5k/day", 5_000),
        ("~2.5M", 2_500_000),
        ("1 000 000", 1_000_000),
        ("1.000.000", 1_000_000),
        ("1,5k", 1_500),
        ("1e6", 1_000_000),
        ("50k requests per day", 50_000),
        ("5000 calls daily", 5_000),
        ("150k a month", 5_000),
        ("70k/week", 10_000),
        ("12 per hour", 288),
        ("1000000000", 10**9),
    ],
)
def test_calls_a_day_are_read_the_way_people_write_them(raw: str, calls: int) -> None:
    assert answer("volume", raw) == calls


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("lots", "I need a number"),
        ("a few thousand", "I need a number"),
        ("", "Please answer with a number"),
        ("0", "more than zero"),
        ("-5", "positive"),
        ("5-10k", "one number"),
        ("2,000,000,000", "more than 1,000,000,000"),
        ("10 a month", "under one"),
        ("9" * 200, "too long"),
    ],
)
def test_unreadable_volumes_get_a_message_that_says_what_to_type(raw: str, says: str) -> None:
    assert says in refusal("volume", raw)


@pytest.mark.parametrize(
    ("raw", "millis"),
    [("300", 300), ("300 ms", 300), ("0.5 s", 500), ("2s", 2_000), ("1,5 s", 1_500),
     ("p95 < 300ms", 300), ("1 min", 60_000), ("300 at p95", 300),
     ("300 ms at 95th percentile", 300), ("skip", None), ("Skip", None), ("no", None)],
)  # fmt: skip
def test_latency_targets_in_any_unit_or_skipped(raw: str, millis: int | None) -> None:
    assert answer("latency", raw) == millis


@pytest.mark.parametrize(
    ("raw", "says"),
    [("2", "2 s or 2 ms"), ("fast", "I need a number"), ("0", "more than 0"),
     ("700000", "over 10 minutes"), ("1 hour", "over 10 minutes"), ("24 hrs", "over 10 minutes"),
     ("300 foo", "'foo' is not a unit I know")],
)  # fmt: skip
def test_ambiguous_or_impossible_latencies_are_refused(raw: str, says: str) -> None:
    assert says in refusal("latency", raw)


@pytest.mark.parametrize(
    ("raw", "usd"),
    [("$2", 2.0), ("0.50", 0.5), ("$0.002 per call", 2.0), ("2 cents", 0.02),
     ("$2 per 1,000 calls", 2.0), ("$1 per 1k calls", 1.0), ("skip", None)],
)  # fmt: skip
def test_cost_targets_are_normalised_to_dollars_per_1000_calls(raw: str, usd: float | None) -> None:
    assert answer("cost", raw) == usd


@pytest.mark.parametrize(
    ("raw", "says"),
    [("€2", "US dollars"), ("$0.01/token", "not per token"), ("0", "more than $0"),
     ("cheap", "I need a number")],
)  # fmt: skip
def test_costs_in_other_units_are_refused(raw: str, says: str) -> None:
    assert says in refusal("cost", raw)


def test_choices_accept_the_button_value_or_its_label_typed_loosely() -> None:
    assert answer("output", "label") == "label"
    assert answer("output", "  a LABEL /  category ") == "label"
    message = refusal("output", "a poem")
    assert message.startswith("Please tap one of the buttons: A label / category")


def test_a_typed_teacher_name_is_kept_tidy_and_short() -> None:
    assert answer("teacher", "Claude") == "Claude"
    assert answer("teacher", "other") == "other"  # the button; the service then asks the name
    assert answer("teacher", "my-llm $1/$4") == "my-llm $1/$4"
    assert answer("teacher", "  gpt-4o-mini \n") == "gpt-4o-mini"
    assert "type the model's name" in refusal("teacher", " ... ")
    assert "60 characters" in refusal("teacher", "x" * 61)


def test_the_prompt_is_capped_and_the_learner_is_told_the_limit() -> None:
    pasted = "Summarise the email.\r\n\r\n\r\n\r\nKeep names.\x00\u200b"
    assert answer("prompt", pasted) == "Summarise the email.\n\nKeep names."
    assert answer("prompt", "x" * PROMPT_MAX_CHARS) == "x" * PROMPT_MAX_CHARS

    too_long = refusal("prompt", "x" * (PROMPT_MAX_CHARS + 1))
    assert "2,001 characters; the limit is 2,000" in too_long
    assert "too short" in refusal("prompt", "   \n\t ")
    assert "too short" in refusal("prompt", "hi")


# Random text, and text made of what numbers, units and currencies are written with.
NUMBERISH = st.text(alphabet="0123456789 ,._'-+e$€¢%/kKmMbBsSdayperhourcnt~<>", max_size=40)


@settings(max_examples=300, deadline=None)
@given(question=st.sampled_from(QUESTIONS), raw=st.one_of(st.text(max_size=300), NUMBERISH))
def test_any_text_is_answered_or_refused_with_an_answer_error(question, raw: str) -> None:
    try:
        parse_answer(question, raw)
    except AnswerError as error:
        assert error.message.strip()


@settings(max_examples=100, deadline=None)
@given(
    calls=st.integers(min_value=1, max_value=10**9),
    style=st.sampled_from(["{:,}", "{}", "about {:,}", "{:,}/day", "{:_}"]),
)
def test_every_valid_volume_survives_the_common_spellings(calls: int, style: str) -> None:
    assert answer("volume", style.format(calls)) == calls

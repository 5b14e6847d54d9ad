"""The /plan questions, in the order they are asked, and how each answer is read.

Questions are data: the bot shows `text`, offers `options` as buttons (a label of at
most 30 characters, a value of at most 16 ASCII characters for callback data), and
passes whatever came back, a button value or typed text, to `parse_answer`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.core.planner.choices import (
    LogitsAccess,
    OutputKind,
    PreferenceData,
    Privacy,
    QualityBar,
    TraceAccess,
)
from bot.core.planner.errors import AnswerError
from bot.core.planner.quantities import (
    parse_calls_per_day,
    parse_horizon_days,
    parse_input_tokens,
    parse_latency_ms,
    parse_usd_amount,
    parse_usd_per_1k_calls,
)
from bot.core.planner.teachers import TEACHER_BUTTONS, TYPE_NAME

AnswerValue = str | int | float | None

PROMPT_MAX_CHARS = 2000
PROMPT_MIN_CHARS = 10
TEACHER_NAME_MAX_CHARS = 60
ASK_FOR_NAME = (
    "Type the model's name, e.g. gpt-4o-mini, claude-haiku-4.5 or Llama-3.1-70B "
    "(add prices per 1M input/output tokens to use your own, e.g. 'my-model $1/$4')."
)


class QuestionKind(StrEnum):
    CHOICE = "choice"
    NUMBER = "number"
    TEXT = "text"


@dataclass(frozen=True)
class Option:
    label: str
    value: str


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: QuestionKind
    options: tuple[Option, ...] = ()
    # A choice that also accepts typed text (the teacher's name).
    accepts_typed: bool = False
    # A number that may be skipped; its parser then returns None.
    optional: bool = False


QUESTIONS: tuple[Question, ...] = (
    Question(
        "prompt",
        f"Paste the prompt you want to distill (up to {PROMPT_MAX_CHARS:,} characters). "
        "I'll read what it says (languages, output fields, input length, examples) and "
        "ask only for what it doesn't.",
        QuestionKind.TEXT,
    ),
    Question(
        "output",
        "What does the prompt produce?",
        QuestionKind.CHOICE,
        (
            Option("A label / category", OutputKind.LABEL),
            Option("Structured fields (JSON)", OutputKind.FIELDS),
            Option("Short answer + reasoning", OutputKind.REASONING),
            Option("Free text, style matters", OutputKind.STYLE),
            Option("A multi-turn chat", OutputKind.CHAT),
        ),
    ),
    Question(
        "inputlen",
        "How long is a typical input (the text your prompt is applied to)? Tap one or type "
        "it, e.g. 1,200 words, 8k tokens, 3 pages.",
        QuestionKind.NUMBER,
        (
            Option("Sentence ~50", "50"),
            Option("Paragraph ~300", "300"),
            Option("Page ~700", "700"),
            Option("Long doc ~5k", "5000"),
        ),
    ),
    Question(
        "volume",
        "About how many calls a day? Tap one or type a number (e.g. 5k, 1,000,000, 150k/month).",
        QuestionKind.NUMBER,
        (
            Option("100", "100"),
            Option("1k", "1000"),
            Option("10k", "10000"),
            Option("100k", "100000"),
            Option("1M", "1000000"),
        ),
    ),
    Question(
        "latency",
        "Latency target per call? Type it (e.g. 300 ms, 2 s) or skip.",
        QuestionKind.NUMBER,
        (
            Option("200 ms", "200ms"),
            Option("1 s", "1s"),
            Option("5 s", "5s"),
            Option("Skip", "skip"),
        ),
        optional=True,
    ),
    Question(
        "cost",
        "Most you want to pay per 1,000 calls, in US dollars? (e.g. $0.50) or skip.",
        QuestionKind.NUMBER,
        (
            Option("$0.10", "0.10"),
            Option("$1", "1"),
            Option("$10", "10"),
            Option("Skip", "skip"),
        ),
        optional=True,
    ),
    Question(
        "quality",
        "How good must the small model be?",
        QuestionKind.CHOICE,
        (
            Option("Close enough is fine", QualityBar.RELAXED),
            Option("Must match the teacher", QualityBar.MATCH),
            Option("Errors are costly", QualityBar.CRITICAL),
        ),
    ),
    Question(
        "teacher",
        "Which model runs the prompt today? Tap one, or type its name; add your own prices "
        "per 1M input/output tokens if you like, e.g. 'my-model $1/$4'.",
        QuestionKind.CHOICE,
        tuple(Option(label, value) for label, value in TEACHER_BUTTONS),
        accepts_typed=True,
    ),
    Question(
        "logprobs",
        "Can you get the teacher's log-probabilities?",
        QuestionKind.CHOICE,
        (
            Option("No", LogitsAccess.NONE),
            Option("Top-k log-probs (API)", LogitsAccess.TOP_K),
            Option("Full logits (own weights)", LogitsAccess.FULL),
        ),
    ),
    Question(
        "reasoning",
        "Can you see the teacher's reasoning (in its answer or a reasoning field)?",
        QuestionKind.CHOICE,
        (
            Option("Yes, I can see it", TraceAccess.VISIBLE),
            Option("No, only the answer", TraceAccess.HIDDEN),
        ),
    ),
    Question(
        "prefs",
        "Do you have preference judgments (answer A better than B), or could you make them?",
        QuestionKind.CHOICE,
        (
            Option("Yes, we have them", PreferenceData.HAVE),
            Option("We could make them", PreferenceData.CAN_MAKE),
            Option("No", PreferenceData.NONE),
        ),
    ),
    Question(
        "privacy",
        "Can the data leave your company?",
        QuestionKind.CHOICE,
        (
            Option("Yes, hosted APIs are fine", Privacy.HOSTED_OK),
            Option("Only under our contract", Privacy.CONTRACT),
            Option("No, it stays in-house", Privacy.IN_HOUSE),
        ),
    ),
    Question(
        "engineering",
        "What would the switch cost in people's time, once (data, training, evaluation, "
        "serving)? Tap one or type it in US dollars, e.g. $15k.",
        QuestionKind.NUMBER,
        (
            Option("$3k", "3000"),
            Option("$10k", "10000"),
            Option("$30k", "30000"),
        ),
    ),
    Question(
        "horizon",
        "Within how long must a switch pay for itself? Tap one or type it (e.g. 18 months).",
        QuestionKind.NUMBER,
        (
            Option("6 months", "182"),
            Option("1 year", "365"),
            Option("2 years", "730"),
        ),
    ),
)

QUESTIONS_BY_KEY: dict[str, Question] = {question.key: question for question in QUESTIONS}


def parse_answer(question: Question, raw: str) -> AnswerValue:
    """The canonical (JSON-ready) value of an answer, or `AnswerError` saying what to fix."""
    if question.kind is QuestionKind.TEXT:
        return parse_prompt(raw)
    if question.kind is QuestionKind.NUMBER:
        return _NUMBER_PARSERS[question.key](raw)
    return _parse_choice(question, raw)


def parse_prompt(raw: str) -> str:
    """The prompt with control characters removed and blank runs tidied; length-checked."""
    text = clean_text(raw)
    if len(text) < PROMPT_MIN_CHARS:
        raise AnswerError(
            "That's too short to plan for. Paste the prompt, or describe in a sentence what it "
            "does and what it returns."
        )
    if len(text) > PROMPT_MAX_CHARS:
        raise AnswerError(
            f"That's {len(text):,} characters; the limit is {PROMPT_MAX_CHARS:,}. Paste the core "
            "instruction, or describe the prompt in a few sentences."
        )
    return text


def parse_teacher_name(raw: str) -> str:
    """A typed teacher name: one line, printable, short; "other" alone is not a name."""
    name = " ".join(clean_text(raw).split())
    if name.casefold() in {TYPE_NAME, "other (type its name)", "other model"}:
        raise AnswerError(ASK_FOR_NAME)
    if not any(char.isalnum() for char in name):
        raise AnswerError("Tap one of the buttons or type the model's name, e.g. gpt-4o-mini.")
    if len(name) > TEACHER_NAME_MAX_CHARS:
        raise AnswerError(
            f"That's longer than a model name ({TEACHER_NAME_MAX_CHARS} characters at most); "
            "type just the name, e.g. claude-3.5-sonnet."
        )
    return name


def clean_text(raw: str) -> str:
    """Text without control or format characters (tabs and line breaks kept), trimmed."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(char for char in text if char in "\n\t" or unicodedata.category(char)[0] != "C")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _parse_choice(question: Question, raw: str) -> str:
    wanted = " ".join(raw.split()).casefold()
    for option in question.options:
        if wanted in (option.value.casefold(), option.label.casefold()):
            return option.value
    if question.accepts_typed:
        return parse_teacher_name(raw)
    labels = ", ".join(option.label for option in question.options)
    raise AnswerError(f"Please tap one of the buttons: {labels}.")


_NUMBER_PARSERS: dict[str, Callable[[str], AnswerValue]] = {
    "inputlen": parse_input_tokens,
    "engineering": parse_usd_amount,
    "horizon": parse_horizon_days,
    "volume": parse_calls_per_day,
    "latency": parse_latency_ms,
    "cost": parse_usd_per_1k_calls,
}

"""A learner's answers: the draft stored between messages and the finished profile.

Both share one JSON form, `{question key: canonical answer}`, so the bot can save
the draft after every answer and build the profile from it at the end. Stored data
is input too (a schema change, a hand-edited row): anything that does not check out
is dropped from a draft and rejected by `PlanProfile.from_dict`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from bot.core.planner.choices import (
    LogitsAccess,
    OutputKind,
    PreferenceData,
    Privacy,
    QualityBar,
    TraceAccess,
)
from bot.core.planner.errors import AnswerError, ProfileError
from bot.core.planner.quantities import (
    MAX_CALLS_PER_DAY,
    MAX_ENGINEERING_USD,
    MAX_HORIZON_DAYS,
    MAX_INPUT_TOKENS,
    MAX_LATENCY_MS,
    MAX_USD_PER_1K_CALLS,
)
from bot.core.planner.questions import (
    QUESTIONS,
    AnswerValue,
    Question,
    QuestionKind,
    parse_prompt,
    parse_teacher_name,
)
from bot.core.planner.reading import PromptFacts, read_prompt
from bot.core.planner.teachers import TYPE_NAME, resolve_teacher


@dataclass(frozen=True)
class PlanProfile:
    """Everything the rules need, one field per question."""

    prompt: str
    output_kind: OutputKind
    calls_per_day: int
    latency_ms: int | None
    max_usd_per_1k_calls: float | None
    quality: QualityBar
    trace_access: TraceAccess
    logits_access: LogitsAccess
    preference_data: PreferenceData
    privacy: Privacy
    teacher: str
    input_tokens: int = 300
    engineering_usd: int = 10_000
    horizon_days: int = 365

    @cached_property
    def facts(self) -> PromptFacts:
        """What the prompt itself says (languages, fields, lengths, examples)."""
        return read_prompt(self.prompt)

    def __post_init__(self) -> None:
        if not 1 <= self.calls_per_day <= MAX_CALLS_PER_DAY:
            raise ValueError(f"calls_per_day out of range: {self.calls_per_day}")
        if self.latency_ms is not None and not 1 <= self.latency_ms <= MAX_LATENCY_MS:
            raise ValueError(f"latency_ms out of range: {self.latency_ms}")
        if self.max_usd_per_1k_calls is not None and not self.max_usd_per_1k_calls > 0:
            raise ValueError(f"max_usd_per_1k_calls must be positive: {self.max_usd_per_1k_calls}")
        if not self.prompt.strip() or not self.teacher.strip():
            raise ValueError("prompt and teacher must not be empty")

    def to_dict(self) -> dict[str, AnswerValue]:
        """The JSON form, keyed by question key (the same form a draft has)."""
        return {
            "prompt": self.prompt,
            "output": self.output_kind.value,
            "volume": self.calls_per_day,
            "latency": self.latency_ms,
            "cost": self.max_usd_per_1k_calls,
            "quality": self.quality.value,
            "reasoning": self.trace_access.value,
            "logprobs": self.logits_access.value,
            "prefs": self.preference_data.value,
            "privacy": self.privacy.value,
            "teacher": self.teacher,
            "inputlen": self.input_tokens,
            "engineering": self.engineering_usd,
            "horizon": self.horizon_days,
        }

    @classmethod
    def from_dict(cls, data: object) -> PlanProfile:
        """The profile from its JSON form; `ProfileError` if anything is missing or corrupt."""
        if not isinstance(data, Mapping):
            raise ProfileError(f"expected a mapping, got {type(data).__name__}")
        stored = {**implied_answers(clean_draft(data)), **data}
        answers = {question.key: _stored_answer(question, stored) for question in QUESTIONS}
        latency, cost = answers["latency"], answers["cost"]
        return cls(
            prompt=str(answers["prompt"]),
            output_kind=OutputKind(str(answers["output"])),
            calls_per_day=int(_number(answers["volume"])),
            latency_ms=None if latency is None else int(_number(latency)),
            max_usd_per_1k_calls=None if cost is None else float(_number(cost)),
            quality=QualityBar(str(answers["quality"])),
            trace_access=TraceAccess(str(answers["reasoning"])),
            logits_access=LogitsAccess(str(answers["logprobs"])),
            preference_data=PreferenceData(str(answers["prefs"])),
            privacy=Privacy(str(answers["privacy"])),
            teacher=str(answers["teacher"]),
            input_tokens=int(_number(answers["inputlen"])),
            engineering_usd=int(_number(answers["engineering"])),
            horizon_days=int(_number(answers["horizon"])),
        )


def clean_draft(data: object) -> dict[str, AnswerValue]:
    """The valid answers of a stored draft; corrupt or unknown entries are dropped."""
    if not isinstance(data, Mapping):
        return {}
    draft: dict[str, AnswerValue] = {}
    for question in QUESTIONS:
        if question.key not in data:
            continue
        try:
            draft[question.key] = check_stored(question, data[question.key])
        except ProfileError:
            continue
    return draft


def next_question(draft: object) -> Question | None:
    """The first question neither answered nor implied; None when the profile is complete."""
    answered = clean_draft(draft)
    known = {**implied_answers(answered), **answered}
    for question in QUESTIONS:
        if question.key not in known:
            return question
    return None


def implied_answers(draft: Mapping[str, AnswerValue]) -> dict[str, AnswerValue]:
    """Answers the draft already gives without asking: read from the prompt or the teacher.

    The output kind and input length come from the prompt when it states them; what the
    teacher's API exposes (log-probs, visible reasoning) from the price table when the
    model is a known hosted one; reasoning and preference questions only matter for the
    outputs they shape.
    """
    implied: dict[str, AnswerValue] = {}
    prompt = draft.get("prompt")
    if isinstance(prompt, str):
        facts = read_prompt(prompt)
        if facts.output_kind is not None:
            implied["output"] = facts.output_kind.value
        if facts.input_tokens is not None:
            implied["inputlen"] = min(facts.input_tokens, MAX_INPUT_TOKENS)
    kind = draft.get("output", implied.get("output"))
    teacher_answer = draft.get("teacher")
    teacher = resolve_teacher(teacher_answer) if isinstance(teacher_answer, str) else None
    if teacher is not None and teacher.known and not teacher.open_weights:
        implied["logprobs"] = teacher.api_logits.value
    if kind is not None and kind != OutputKind.REASONING.value:
        implied["reasoning"] = TraceAccess.HIDDEN.value
    elif teacher is not None and teacher.known:
        assert teacher.model is not None
        hidden = teacher.model.reasoning_hidden
        implied["reasoning"] = (TraceAccess.HIDDEN if hidden else TraceAccess.VISIBLE).value
    if kind is not None and kind not in {OutputKind.STYLE.value, OutputKind.CHAT.value}:
        implied["prefs"] = PreferenceData.NONE.value
    return implied


def progress(draft: object) -> tuple[int, int]:
    """(number of the question asked now, questions in all) as far as the draft tells."""
    answered = clean_draft(draft)
    known = {**implied_answers(answered), **answered}
    asked = sum(1 for question in QUESTIONS if question.key in answered)
    remaining = sum(1 for question in QUESTIONS if question.key not in known)
    return asked + 1, asked + remaining


def check_stored(question: Question, value: object) -> AnswerValue:
    """A stored answer if it is exactly what `parse_answer` could have produced."""
    try:
        if question.kind is QuestionKind.TEXT:
            if isinstance(value, str) and parse_prompt(value) == value:
                return value
        elif question.kind is QuestionKind.CHOICE:
            if isinstance(value, str) and not (question.accepts_typed and value == TYPE_NAME):
                if value in {option.value for option in question.options}:
                    return value
                if question.accepts_typed and parse_teacher_name(value) == value:
                    return value
        elif value is None:
            if question.optional:
                return None
        else:
            return _checked_number(question.key, value)
    except AnswerError:
        pass
    raise ProfileError(f"invalid stored answer for {question.key!r}")


def _checked_number(key: str, value: object) -> AnswerValue:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"{key!r} is not a number")
    if key == "volume" and isinstance(value, int) and 1 <= value <= MAX_CALLS_PER_DAY:
        return value
    if key == "latency" and isinstance(value, int) and 1 <= value <= MAX_LATENCY_MS:
        return value
    if key == "cost" and math.isfinite(value) and 0 < value <= MAX_USD_PER_1K_CALLS:
        return float(value)
    if key == "inputlen" and isinstance(value, int) and 1 <= value <= MAX_INPUT_TOKENS:
        return value
    if key == "engineering" and isinstance(value, int) and 0 <= value <= MAX_ENGINEERING_USD:
        return value
    if key == "horizon" and isinstance(value, int) and 1 <= value <= MAX_HORIZON_DAYS:
        return value
    raise ProfileError(f"{key!r} is out of range")


def _stored_answer(question: Question, data: Mapping[object, object]) -> AnswerValue:
    if question.key not in data:
        raise ProfileError(f"missing answer for {question.key!r}")
    return check_stored(question, data[question.key])


def _number(value: AnswerValue) -> int | float:
    if isinstance(value, int | float):
        return value
    raise ProfileError(f"expected a number, got {value!r}")

"""Every kind of inline button: one typed codec each, from the value to callback data and back.

Callback data comes from the client, so it is input: ``decode`` returns None for anything
that is not exactly what ``encode`` makes (forged, truncated, from an older version), and
never raises. Each codec's ``pattern`` routes a press to its handler; the handler decodes
it. Telegram allows 64 bytes of callback data; ``encode`` refuses to make more.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class ButtonCodec(Generic[T]):
    """One button kind: ``prefix`` then, if the kind carries a value, ``:`` and its fields.

    Attributes:
        prefix: What every press of this kind starts with (unique among the codecs).
        fields: A regex with named groups for the part after ``prefix:``; empty for a
            button that carries nothing.
        to_value: The named groups of a match turned into the value (may raise ValueError).
        to_fields: The value written as the part after ``prefix:``.
    """

    prefix: str
    fields: str
    to_value: Callable[[dict[str, str]], T]
    to_fields: Callable[[T], str]

    @property
    def pattern(self) -> str:
        """For ``CallbackQueryHandler``: every press of this kind, well-formed or not (a
        button that carries nothing matches only itself)."""
        prefix = re.escape(self.prefix)
        return rf"^{prefix}:" if self.fields else rf"^{prefix}$"

    def _regex(self) -> re.Pattern[str]:
        body = f":{self.fields}" if self.fields else ""
        return re.compile(rf"{re.escape(self.prefix)}{body}", re.ASCII)

    def encode(self, value: T) -> str:
        payload = self.to_fields(value)
        data = f"{self.prefix}:{payload}" if self.fields else self.prefix
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        if self.decode(data) != value:
            raise ValueError(f"{value!r} does not survive {self.prefix!r} buttons")
        return data

    def decode(self, data: str | None) -> T | None:
        """The value a press carries; None for data this codec never makes."""
        if data is None or len(data.encode()) > MAX_CALLBACK_BYTES:
            return None
        match = self._regex().fullmatch(data)
        if match is None:
            return None
        try:
            return self.to_value(match.groupdict())
        except ValueError:
            return None


def flag(prefix: str) -> ButtonCodec[bool]:
    """A button that only says it was pressed (its value is always True)."""
    return ButtonCodec(prefix, "", lambda _: True, lambda _: "")


def choice(prefix: str, choices: tuple[str, ...]) -> ButtonCodec[str]:
    """A button carrying one of a few fixed words."""
    words = "|".join(re.escape(c) for c in choices)
    return ButtonCodec(prefix, f"(?P<choice>{words})", lambda g: g["choice"], str)


def number(prefix: str, digits: int = 12) -> ButtonCodec[int]:
    """A button carrying a non-negative id."""
    return ButtonCodec(prefix, rf"(?P<n>\d{{1,{digits}}})", lambda g: int(g["n"]), str)


@dataclass(frozen=True)
class DropDone:
    path_round: int
    drop_id: str


@dataclass(frozen=True)
class RestartAnswer:
    """/restart's confirmation, for the round it was asked in (a second Yes finds it over)."""

    path_round: int
    start_over: bool


@dataclass(frozen=True)
class CardPress:
    """Continue ▸: open card ``card`` (1-based) of a drop; round 0 for a drop shown again."""

    path_round: int
    drop_id: str
    card: int


@dataclass(frozen=True)
class QuizAnswer:
    question_id: int
    option: int  # the position pressed, as shown


@dataclass(frozen=True)
class SettingChoice:
    key: str
    value: str


@dataclass(frozen=True)
class PlanPress:
    conversation_id: int
    action: str  # a question's key, or Resume / Start over
    value: str | None = None


# The path and onboarding.
NOOP = flag("noop")  # a button that only shows state
RESUME = flag("resume")
RESTART = ButtonCodec(
    "restart",
    r"(?P<answer>yes|no):(?P<round>\d{1,6})",
    lambda g: RestartAnswer(int(g["round"]), g["answer"] == "yes"),
    lambda v: f"{'yes' if v.start_over else 'no'}:{v.path_round}",
)
DONE = ButtonCodec(
    "done",
    r"(?P<round>\d{1,6}):(?P<drop>\d\.\d)",
    lambda g: DropDone(int(g["round"]), g["drop"]),
    lambda v: f"{v.path_round}:{v.drop_id}",
)
TIME = ButtonCodec(  # "HH:MM", or "type" to type one
    "time", r"(?P<time>type|\d{2}:\d{2})", lambda g: g["time"], str
)
ZONE = ButtonCodec(  # an index into the common zones, or "type" to type one
    "tz", r"(?P<zone>type|\d{1,2})", lambda g: g["zone"], str
)
# The course.
DROP = ButtonCodec("drop", r"(?P<drop>\d\.\d)", lambda g: g["drop"], str)


def _card_codec(prefix: str) -> ButtonCodec[CardPress]:
    return ButtonCodec(
        prefix,
        r"(?P<round>\d{1,6}):(?P<drop>\d\.\d):(?P<card>\d{1,2})",
        lambda g: CardPress(int(g["round"]), g["drop"], int(g["card"])),
        lambda v: f"{v.path_round}:{v.drop_id}:{v.card}",
    )


MORE = _card_codec("more")  # the next card of a delivery (the outbox holds its state)
PAGE = _card_codec("page")  # the next card of a drop shown again (/today, /drop)
RUN = ButtonCodec("run", r"(?P<drop>\d\.\d)", lambda g: g["drop"], str)  # its Try-it run
FAQ = number("faq", digits=2)
# Quizzes and settings.
ANSWER = ButtonCodec(
    "qa",
    r"(?P<question>\d{1,12}):(?P<option>\d{1,2})",
    lambda g: QuizAnswer(int(g["question"]), int(g["option"])),
    lambda v: f"{v.question_id}:{v.option}",
)
UNDO = number("qu")
START_REVIEWS = flag("qr")
SETTING = ButtonCodec(
    "st",
    r"(?P<key>retention|cap|with_drop)=(?P<value>[0-9.]{1,4}|on|off)",
    lambda g: SettingChoice(g["key"], g["value"]),
    lambda v: f"{v.key}={v.value}",
)
ROUND_STARTERS = choice("gr", ("anyone", "admins"))  # a group's "who may start a round"
# /plan and /plans.
PLAN = ButtonCodec(
    "plan",
    r"(?P<cid>\d{1,9}):(?P<action>[a-z]{1,12})(?::(?P<value>[A-Za-z0-9_.\-]{1,16}))?",
    lambda g: PlanPress(int(g["cid"]), g["action"], g["value"]),
    lambda v: f"{v.conversation_id}:{v.action}" + ("" if v.value is None else f":{v.value}"),
)
PLANS = number("plans")
# Your data.
FORGET = choice("forget", ("yes", "no"))

CODECS: tuple[ButtonCodec[object], ...] = (
    NOOP, RESUME, RESTART, DONE, TIME, ZONE, DROP, MORE, PAGE, RUN, FAQ, ANSWER, UNDO,
    START_REVIEWS, SETTING, ROUND_STARTERS, PLAN, PLANS, FORGET,
)  # type: ignore[assignment]  # fmt: skip

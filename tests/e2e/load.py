"""Load scenarios: many learners pressing quiz buttons at once, a burst of /distill, /help.

Shared by ``tests/e2e/test_load.py`` (few learners, asserts correctness) and
``bench/bench_load.py`` (hundreds, prints latencies). Each works on the in-process
stand-in, wherever the bot runs: an update's latency is the time from injecting it to
the bot's answer arriving at the stand-in (both stamped with this process's clock).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from tests.botapi import ApiCall, FakeBotApi
from tests.botapi.server import SEND_METHODS
from tests.e2e.journeys import continue_button, done_button

QUEUE_FULL = "queue is full"


@dataclass
class Latencies:
    """Seconds from injecting an update to the bot's answer, one per update."""

    what: str
    seconds: list[float] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    def __str__(self) -> str:
        if not self.seconds:
            return f"{self.what}: none"
        return (
            f"{self.what}: n={len(self.seconds)} p50={self.percentile(0.5) * 1000:.0f} ms "
            f"p99={self.percentile(0.99) * 1000:.0f} ms max={max(self.seconds) * 1000:.0f} ms "
            f"mean={statistics.fmean(self.seconds) * 1000:.0f} ms"
        )


def sends_by_chat(calls: Sequence[ApiCall], after: int) -> dict[int, list[ApiCall]]:
    """Messages the bot sent since call index ``after``, per chat."""
    found: dict[int, list[ApiCall]] = defaultdict(list)
    for call in calls[after:]:
        if call.ok and call.method in SEND_METHODS and call.chat_id is not None:
            found[call.chat_id].append(call)
    return found


def question_buttons(call: ApiCall) -> list[str]:
    return [
        b["callback_data"] for b in call.buttons() if b.get("callback_data", "").startswith("qa:")
    ]


async def until_each(
    api: FakeBotApi,
    users: Iterable[int],
    found: Callable[[list[ApiCall]], ApiCall | None],
    *,
    after: int,
    timeout: float,
) -> dict[int, ApiCall]:
    """Wait until ``found`` picks a message for every user among what they got since
    ``after``; return those messages."""
    wanted = list(users)

    def all_found(calls: list[ApiCall]) -> dict[int, ApiCall] | None:
        by_chat = sends_by_chat(calls, after)
        picked = {user: found(by_chat.get(user, [])) for user in wanted}
        if any(call is None for call in picked.values()):
            return None
        return {user: call for user, call in picked.items() if call is not None}

    result: dict[int, ApiCall] = await api.wait_for(all_found, timeout=timeout)
    return result


def first_call(calls: list[ApiCall]) -> ApiCall | None:
    return calls[0] if calls else None


def first_question(calls: list[ApiCall]) -> ApiCall | None:
    return next((call for call in calls if question_buttons(call)), None)


async def onboard_all(api: FakeBotApi, users: Sequence[int], *, timeout: float) -> None:
    """Every user sets a time and a zone at once; wait until each has drop 1 and its Done."""
    before = len(api.calls)
    for user in users:
        api.send_text(user, "/settime 07:00")
    await until_each(api, users, first_call, after=before, timeout=timeout)
    before = len(api.calls)
    for user in users:
        api.send_text(user, "/timezone UTC")
    await api.wait_for(
        lambda _: all(
            done_button(api, user) is not None or continue_button(api, user) is not None
            for user in users
        ),
        timeout=timeout,
    )
    await read_all_cards(api, users, timeout=timeout)


async def read_all_cards(api: FakeBotApi, users: Sequence[int], *, timeout: float) -> None:
    """Every user reads the drop to its last card at once (Continue ▸ until Done is in)."""
    for _ in range(12):
        reading = [user for user in users if done_button(api, user) is None]
        if not reading:
            return
        pressed: dict[int, str] = {}
        for user in reading:
            found = continue_button(api, user)
            if found is not None:
                call, data = found
                api.press(user, call, data)
                pressed[user] = data

        await api.wait_for(
            lambda _, reading=reading, pressed=pressed: _moved_on(api, reading, pressed),
            timeout=timeout,
        )
    raise AssertionError("some learners never reached the card with Done")


def _moved_on(api: FakeBotApi, reading: list[int], pressed: dict[int, str]) -> bool:
    """Each reader has Done now, or a newer Continue than the one pressed."""
    for user in reading:
        if done_button(api, user) is not None:
            continue
        now = continue_button(api, user)
        if now is None or now[1] == pressed.get(user):
            return False
    return True


@dataclass
class Round:
    """One round of presses: how fast each was answered, and each user's reply came."""

    answered: Latencies
    replied: Latencies
    unanswered: int = 0
    replies: dict[int, ApiCall] = field(default_factory=dict)


async def press_all(
    api: FakeBotApi,
    presses: dict[int, tuple[ApiCall, str]],
    *,
    taps: int,
    what: str,
    timeout: float,
    reply: Callable[[list[ApiCall]], ApiCall | None] = first_call,
) -> Round:
    """Every user presses a button under a message at once (``taps`` times, as an
    impatient thumb does); wait for every press's answer and each user's ``reply`` (by
    default the next message)."""
    before = len(api.calls)
    pushed: dict[str, tuple[int, float]] = {}
    for user, (message, data) in presses.items():
        for _ in range(taps):
            pushed[api.press(user, message, data)] = (user, time.monotonic())
    replies = await until_each(api, presses, reply, after=before, timeout=timeout)
    with contextlib.suppress(AssertionError):  # what stays unanswered is counted below
        await api.wait_for(lambda _: not (api.open_callback_queries & pushed.keys()), timeout=10)
    result = Round(Latencies(f"{what}: press answered"), Latencies(f"{what}: reply"))
    for call in api.calls[before:]:
        if call.method == "answerCallbackQuery" and call.ok:
            query = str(call.params.get("callback_query_id"))
            if query in pushed:
                result.answered.seconds.append(call.at - pushed[query][1])
    first_push: dict[int, float] = {}
    for user, at in pushed.values():  # in push order
        first_push.setdefault(user, at)
    for user, message in replies.items():
        result.replied.seconds.append(message.at - first_push[user])
    result.unanswered = len(api.open_callback_queries & pushed.keys())
    result.replies = replies
    return result


def done_presses(api: FakeBotApi, users: Iterable[int]) -> dict[int, tuple[ApiCall, str]]:
    presses = {}
    for user in users:
        found = done_button(api, user)
        assert found is not None, f"learner {user} has no Done button"
        presses[user] = found
    return presses


def answer_presses(questions: dict[int, ApiCall]) -> dict[int, tuple[ApiCall, str]]:
    """The first option under each learner's question (right or wrong does not matter)."""
    return {user: (call, question_buttons(call)[0]) for user, call in questions.items()}


@dataclass
class Burst:
    """A burst of /distill from different users, with /help asked in the middle of it."""

    accepted: list[int]
    refused_full: list[int]
    other: dict[int, str]
    first_answer: Latencies
    help_answer: Latencies


async def distill_burst(
    api: FakeBotApi,
    users: Sequence[int],
    helpers: Sequence[int],
    *,
    settings: str,
    timeout: float,
) -> Burst:
    """``/distill settings`` from every user in one burst, ``/help`` from each helper
    right behind it; wait until every one of them has an answer."""
    before = len(api.calls)
    pushed: dict[int, float] = {}
    for user in users:
        api.send_text(user, f"/distill {settings}")
        pushed[user] = time.monotonic()
    for helper in helpers:
        api.send_text(helper, "/help")
        pushed[helper] = time.monotonic()
    answers = await until_each(api, [*users, *helpers], first_call, after=before, timeout=timeout)
    burst = Burst([], [], {}, Latencies("/distill: first answer"), Latencies("/help in the burst"))
    for user in users:
        text = answers[user].text
        if "queued" in text or "training" in text:
            burst.accepted.append(user)
        elif QUEUE_FULL in text:
            burst.refused_full.append(user)
        else:
            burst.other[user] = text
        burst.first_answer.seconds.append(answers[user].at - pushed[user])
    for helper in helpers:
        assert "/distill" in answers[helper].text, "a /help answer lists the commands"
        burst.help_answer.seconds.append(answers[helper].at - pushed[helper])
    return burst


async def pictures_for(api: FakeBotApi, users: Iterable[int], *, timeout: float) -> None:
    """Wait until each user got a /distill picture."""
    wanted = list(users)

    def all_have_one(calls: list[ApiCall]) -> bool:
        by_chat = sends_by_chat(calls, 0)
        return all(any(c.method == "sendPhoto" for c in by_chat.get(u, [])) for u in wanted)

    try:
        await api.wait_for(all_have_one, timeout=timeout)
    except AssertionError:
        raise AssertionError(f"no /distill picture for: {_last_words(api.calls, wanted)}") from None


def _last_words(calls: Sequence[ApiCall], users: Collection[int]) -> dict[int, list[str]]:
    """What each user without a picture was told last, edits of the run's status included."""
    told: dict[int, list[str]] = defaultdict(list)
    for call in calls:
        if call.chat_id in users and call.method in ("sendMessage", "editMessageText"):
            told[call.chat_id] = [*told[call.chat_id][-1:], f"{call.text[:90]} ({call.error})"]
    photos = {c.chat_id for c in calls if c.method == "sendPhoto" and c.ok}
    return {user: told[user] for user in users if user not in photos}

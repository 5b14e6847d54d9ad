"""Presses on a quiz option, scored once: an impatient thumb's repeat shares the first's work.

A learner who taps an option twice sends two updates at once. The first is scored in
the database (``flow.answer_and_continue``); a repeat of the same press that comes while
the first is still waiting for the database gets the first's outcome as a repeat
("already answered", or the same refusal) without a transaction of its own. In a rush
the database thread then drains one unit of work per answer, not two. A repeat that
comes after the first finished, or that lands on another bot instance, is refused by
the database as before: this only saves work, it never decides.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.services.context import Services
from bot.services.quiz.buttons import Answered, Place
from bot.services.quiz.flow import QuizStep, answer_and_continue
from bot.services.quiz.questions import Refusal

Outcome = tuple[Answered | Refusal, QuizStep | None]


@dataclass(frozen=True)
class Press:
    """A press on the option shown at ``option`` of question ``question_id``."""

    question_id: int
    option: int
    user_id: int
    first_name: str
    chat_id: int | None


class AnswerPresses:
    """Scores presses through ``answer_and_continue``, once per press in flight."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._in_flight: dict[tuple[int, int, int], asyncio.Future[Outcome]] = {}

    async def score(self, press: Press, place: Place) -> Outcome:
        """The press's outcome and, when it counted, the quiz's next step."""
        key = (press.question_id, press.user_id, press.option)
        first = self._in_flight.get(key)
        if first is not None:
            try:
                outcome, _ = await asyncio.shield(first)
            except Exception:  # the first failed: this one tries on its own
                return await self._score(key, press, place)
            return as_repeat(outcome), None
        return await self._score(key, press, place)

    async def _score(self, key: tuple[int, int, int], press: Press, place: Place) -> Outcome:
        services = self._services
        work = services.transaction(
            answer_and_continue, services, question_id=press.question_id, option=press.option,
            user_id=press.user_id, first_name=press.first_name, chat_id=press.chat_id,
            place=place,
        )  # fmt: skip
        scored = asyncio.ensure_future(work)
        self._in_flight[key] = scored
        try:
            return await asyncio.shield(scored)  # a cancelled press leaves it to its repeats
        finally:
            if self._in_flight.get(key) is scored:
                del self._in_flight[key]


def as_repeat(outcome: Answered | Refusal) -> Refusal:
    """What a repeat of a press gets: the database would refuse it the same way."""
    return Refusal.ANSWERED if isinstance(outcome, Answered) else outcome

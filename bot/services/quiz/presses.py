"""Presses on a quiz option, scored once: an impatient thumb's repeat shares the first's work.

A learner who taps an option twice sends two updates at once. The first is scored in
the database (``answer_question``, which also asks the next question); a repeat of the
same press that comes while the first is still waiting for the database gets the first's
outcome as a repeat ("already answered", or the same refusal) without a transaction of
its own. In a rush
the database thread then drains one unit of work per answer, not two. A repeat that
comes after the first finished, or that lands on another bot instance, is refused by
the database as before: this only saves work, it never decides.
"""

from __future__ import annotations

import asyncio

from bot.services.context import Services
from bot.services.quiz.buttons import Answered, OptionPress, Place, answer_question
from bot.services.quiz.questions import Refusal

Outcome = Answered | Refusal


class AnswerPresses:
    """Scores presses through ``answer_question``, once per press in flight."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._in_flight: dict[OptionPress, asyncio.Future[Outcome]] = {}

    async def score(self, press: OptionPress, place: Place) -> Outcome:
        """The press's outcome: answered, or the refusal to show."""
        first = self._in_flight.get(press)  # the same person, question and option
        if first is not None:
            try:
                outcome = await asyncio.shield(first)
            except Exception:  # the first failed: this one tries on its own
                return await self._score(press, place)
            return as_repeat(outcome)
        return await self._score(press, place)

    async def _score(self, press: OptionPress, place: Place) -> Outcome:
        services = self._services
        scored = asyncio.ensure_future(
            services.transaction(answer_question, services, press, place)
        )
        self._in_flight[press] = scored
        try:
            return await asyncio.shield(scored)  # a cancelled press leaves it to its repeats
        finally:
            if self._in_flight.get(press) is scored:
                del self._in_flight[press]


def as_repeat(outcome: Outcome) -> Refusal:
    """What a repeat of a press gets: the database would refuse it the same way."""
    return Refusal.ANSWERED if isinstance(outcome, Answered) else outcome

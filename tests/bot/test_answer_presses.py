"""A repeat of a quiz press still being scored shares the first's outcome, not its work."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

from bot.services.context import Services
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.buttons import Answered, OptionPress, Place
from bot.services.quiz.presses import AnswerPresses
from bot.services.quiz.questions import AskedQuestion, Refusal
from bot.storage.kinds import QuestionKind

PLACE = Place(datetime(2026, 3, 2, 6, 0, tzinfo=UTC), "UTC", 4)
TAP = OptionPress(question_id=11, option=2, user_id=7, first_name="Ada", chat_id=7)


class HeldDatabase:
    """``Services.transaction`` that counts units of work and holds them until released."""

    def __init__(self, outcome: Answered | Refusal) -> None:
        self.outcome = outcome
        self.units = 0
        self.release = asyncio.Event()

    async def transaction(self, work: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.units += 1
        await self.release.wait()
        return self.outcome


def answered() -> Answered:
    item = quiz_bank().all()[0]
    question = AskedQuestion(
        id=11, learner_id=7, chat_id=7, item_id=item.id, kind=QuestionKind.NEW,
        sent_at=PLACE.now, answered_at=PLACE.now, correct=True,
    )  # fmt: skip
    return Answered(question, item, item.correct, review_log_id=1, next_step=None)


async def taps(database: HeldDatabase, *presses: OptionPress) -> list[Answered | Refusal]:
    scorer = AnswerPresses(cast(Services, database))
    pending = [asyncio.create_task(scorer.score(press, PLACE)) for press in presses]
    await asyncio.sleep(0.05)  # every tap has arrived while the first is held
    database.release.set()
    return list(await asyncio.gather(*pending))


async def test_a_double_tap_is_scored_once_and_the_repeat_is_already_answered() -> None:
    database = HeldDatabase(answered())
    first, repeat = await taps(database, TAP, TAP)
    assert isinstance(first, Answered)
    assert repeat is Refusal.ANSWERED
    assert database.units == 1


async def test_a_repeat_of_a_refused_press_gets_the_same_refusal() -> None:
    database = HeldDatabase(Refusal.NOT_YOURS)
    assert await taps(database, TAP, TAP) == [Refusal.NOT_YOURS, Refusal.NOT_YOURS]
    assert database.units == 1


async def test_another_option_or_presser_is_scored_by_the_database() -> None:
    database = HeldDatabase(Refusal.ANSWERED)
    other_option = OptionPress(11, 3, 7, "Ada", 7)
    other_user = OptionPress(11, 2, 8, "Bob", 8)
    await taps(database, TAP, other_option, other_user)
    assert database.units == 3


async def test_a_tap_after_the_first_finished_asks_the_database_again() -> None:
    database = HeldDatabase(Refusal.ANSWERED)
    database.release.set()
    scorer = AnswerPresses(cast(Services, database))
    await scorer.score(TAP, PLACE)
    await scorer.score(TAP, PLACE)
    assert database.units == 2

"""Under load nothing is lost: learners pressing at once, a /distill burst, /help between.

The small version of bench/bench_load.py (which prints latencies); this one asserts only
what a user would notice: every press answered, every answer scored once, the sandbox
queue bounded with a clear refusal, and every accepted run's picture delivered.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from bot.storage.kinds import AnswerSource
from bot.storage.models import ReviewRecord
from tests.botapi import ApiCall, FakeBotApi
from tests.e2e.harness import running_bot
from tests.e2e.load import (
    answer_presses,
    distill_burst,
    done_presses,
    first_call,
    first_question,
    onboard_all,
    pictures_for,
    press_all,
    question_buttons,
    until_each,
)

LEARNERS = list(range(60_001, 60_031))
DISTILL_USERS = list(range(61_001, 61_013))
HELPERS = [62_001, 62_002, 62_003]
QUEUE_SIZE = 3
QUESTIONS_OF_DROP_ONE = 3


async def test_learners_pressing_at_once_and_a_distill_burst_lose_nothing(
    tmp_path: Path,
) -> None:
    async with running_bot(
        tmp_path, sandbox_queue_size=QUEUE_SIZE, sandbox_timeout_s=240
    ) as harness:
        api = harness.api
        await onboard_all(api, LEARNERS, timeout=60)
        done = await press_all(
            api, done_presses(api, LEARNERS), taps=1, what="Done", timeout=60, reply=first_question
        )
        assert done.unanswered == 0
        questions = done.replies
        for number in range(1, QUESTIONS_OF_DROP_ONE + 1):
            assert all(question_buttons(q) for q in questions.values()), number
            # Each learner taps twice: both taps are answered, the second one counts nothing.
            answered = await press_all(
                api, answer_presses(questions), taps=2, what=f"answer {number}", timeout=60
            )
            assert answered.unanswered == 0
            questions = answered.replies
        # Each missed item comes once more before the quiz closes (same-day relearning).
        for _ in range(QUESTIONS_OF_DROP_ONE):
            again = {user: q for user, q in questions.items() if question_buttons(q)}
            if not again:
                break
            answered = await press_all(
                api, answer_presses(again), taps=2, what="once more", timeout=60
            )
            assert answered.unanswered == 0
            questions = {**questions, **answered.replies}
        closings = {user: q.text[:80] for user, q in questions.items()}
        assert all(
            f"of {QUESTIONS_OF_DROP_ONE} right" in closing for closing in closings.values()
        ), closings
        with Session(harness.services.engine) as session:
            logs = session.exec(
                select(ReviewRecord).where(col(ReviewRecord.learner_id).in_(LEARNERS))
            )
            items: dict[int, list[str]] = {learner: [] for learner in LEARNERS}
            for log in logs:
                if log.source != AnswerSource.RELEARN:
                    items[log.learner_id].append(log.item_id)
        for learner, logged in items.items():
            assert len(logged) == QUESTIONS_OF_DROP_ONE == len(set(logged)), learner

        burst = await distill_burst(api, DISTILL_USERS, HELPERS, settings="steps=10", timeout=60)
        assert burst.other == {}, "every /distill is either queued or refused as full"
        assert 1 <= len(burst.accepted) <= QUEUE_SIZE + 1
        assert len(burst.accepted) + len(burst.refused_full) == len(DISTILL_USERS)
        await pictures_for(api, burst.accepted, timeout=200)


RUSHING = list(range(63_001, 63_021))


async def answered_before_help(api: FakeBotApi, others: list[int], *, after: int) -> int:
    """Type /help now; how many of ``others`` got their first answer (since ``after``)
    before the /help was answered."""
    api.send_text(HELPERS[0], "/help")
    replies = await until_each(api, [*others, HELPERS[0]], first_call, after=after, timeout=60)
    help_reply = replies.pop(HELPERS[0])
    assert "/distill" in help_reply.text
    return sum(1 for reply in replies.values() if reply.at < help_reply.at)


async def test_a_command_typed_during_a_rush_of_answers_goes_ahead_of_the_queued_questions(
    tmp_path: Path,
) -> None:
    # Paced so that 20 next questions take two seconds to go out: /help, typed once they
    # are queued, must be answered ahead of them, not after.
    async with running_bot(tmp_path, overall_send_interval_s=0.1) as harness:
        api = harness.api
        await onboard_all(api, RUSHING, timeout=60)
        done = await press_all(
            api, done_presses(api, RUSHING), taps=1, what="Done", timeout=60, reply=first_question
        )
        before = len(api.calls)
        for user, (message, data) in answer_presses(done.replies).items():
            api.press(user, message, data)
            api.press(user, message, data)
        await until_each(api, RUSHING[:1], first_call, after=before, timeout=60)
        questions_before_help = await answered_before_help(api, RUSHING, after=before)
        assert questions_before_help < len(RUSHING) // 2, questions_before_help


BURSTING = list(range(64_001, 64_021))


async def test_a_command_typed_during_a_distill_burst_goes_ahead_of_the_runs_statuses(
    tmp_path: Path,
) -> None:
    # Paced so that 20 /distill answers take two seconds to go out: /help, typed right
    # behind them, is an instant answer and must not wait for all of them.
    async with running_bot(tmp_path, overall_send_interval_s=0.1) as harness:
        api = harness.api
        before = len(api.calls)
        for user in BURSTING:
            api.send_text(user, "/distill steps=10")

        def answering(calls: list[ApiCall]) -> bool:
            return any(call.method == "sendMessage" for call in calls[before:])

        await api.wait_for(answering, timeout=60)  # the burst's answers have begun
        statuses_before_help = await answered_before_help(api, BURSTING, after=before)
        assert statuses_before_help < len(BURSTING) // 4, statuses_before_help

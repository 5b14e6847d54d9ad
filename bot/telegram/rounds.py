"""A group's quiz round on Telegram: each poll sent with ``open_period``, closed on time by
a JobQueue job (``stopPoll``), the next one after it, then the results.

JobQueue jobs live in memory; the round's state lives in the database
(``bot.services.quiz.rounds``), so at start-up ``resume_rounds`` schedules the close of
the poll a restart left open, or ends the round with a note when the bot was down past
the poll's closing time; either once the votes given while it was down are in. Sends
go through the Application's rate limiter, which paces a group at one message every
``GROUP_SEND_INTERVAL_S`` (under 20 a minute).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Message, Poll
from telegram.error import ChatMigrated, Forbidden, TelegramError
from telegram.ext import JobQueue

from bot.services.delivery import chats
from bot.services.quiz.round_answers import round_is_running
from bot.services.quiz.rounds import (
    AskedElsewhere,
    OpenRound,
    PollToSend,
    close_question,
    finish_round,
    next_poll,
    open_rounds,
    participants,
    poll_sent,
    stalled_rounds,
)
from bot.storage.kinds import RoundStatus
from bot.telegram.backlog import backlog_handled
from bot.telegram.context import AppContext, AppType
from bot.telegram.members import members_who_left
from bot.telegram.transport.ratelimit import SendCheck, Withdrawn
from bot.telegram.transport.sender import ChatUnreachable
from bot.telegram.views.formatting import markdown_part
from bot.telegram.views.rounds import INTERRUPTED, poll_question, results_markdown
from quizzes import shown_correct, shown_options

log = logging.getLogger(__name__)

RESUME_WITHIN = timedelta(seconds=60)
"""A poll that closed at most this long before a restart: the round goes on."""
VOTES_IN_FLIGHT_S = 1.5
"""The bot closes a round's poll this long after Telegram does: a vote given in the poll's
last moment reaches the bot a little after Telegram closed the poll, and counts."""
SWEEP_EVERY_S = 30.0
"""How often every instance looks for rounds whose instance stopped (a poll closes within
about this long after its time even when the instance that sent it was killed)."""


def job_name(round_id: int) -> str:
    return f"quiz round {round_id}"


@dataclass(frozen=True)
class OpenPoll:
    """What the close job needs: the poll's message, where it was sent."""

    round_id: int
    question_id: int
    chat_id: int
    message_id: int | None


def ask_next_soon(application: AppType, round_id: int) -> None:
    """The round's next step as a job of its own, so the caller does not wait for it."""
    _schedule(application, _next_job, 0, round_id)


async def _next_job(context: AppContext) -> None:
    assert context.job is not None and isinstance(context.job.data, int)
    await ask_next(context.application, context.job.data)


async def ask_next(application: AppType, round_id: int) -> None:
    """Send the round's next poll and schedule its close; with none left, the results."""
    services = application.bot_data.services
    lease = timedelta(seconds=services.settings.delivery_lease_s)
    now = services.clock()
    poll = await services.transaction(
        next_poll, round_id, now, lease=lease, claimant=services.claimant
    )
    if poll is None:
        await end_round(application, round_id, RoundStatus.DONE)
        return
    if isinstance(poll, AskedElsewhere):  # another instance sends it; if it stopped, we do
        _schedule(application, _look_again_job, (poll.until - now).total_seconds(), round_id)
        return
    open_poll = await _send_and_record(application, round_id, poll)
    if open_poll is not None:
        _schedule(application, _close_job, poll.open_period_s + VOTES_IN_FLIGHT_S, open_poll)


async def _send_and_record(
    application: AppType, round_id: int, poll: PollToSend
) -> OpenPoll | None:
    """The round's poll sent and recorded; None when there is none to close (it could not
    go, or the round ended meanwhile)."""
    services = application.bot_data.services
    chat_id = poll.chat_id

    async def still_running() -> bool:  # asked just before the poll leaves
        return await services.transaction(round_is_running, round_id)

    try:
        try:
            message = await _send_poll(application, chat_id, poll, still_running)
        except ChatMigrated as moved:  # the group became a supergroup mid-round
            await application.bot_data.sender.chat_moved(chat_id, moved.new_chat_id)
            chat_id = moved.new_chat_id
            message = await _send_poll(application, chat_id, poll, still_running)
    except Withdrawn:  # the round ended while its poll waited for the group's turn
        return None
    except Forbidden:  # the bot was removed: the round ends without a word
        await services.transaction(chats.deactivate, chat_id)
        await end_round(application, round_id, RoundStatus.STOPPED, announce=False)
        return None
    except TelegramError:
        log.warning("round %s: could not send a poll to chat %s", round_id, chat_id, exc_info=True)
        await end_round(application, round_id, RoundStatus.STOPPED)
        return None
    assert message.poll is not None
    async with application.bot_data.sender.polls_on_their_way.recording(message.poll.id):
        recorded = await services.transaction(
            poll_sent, poll, chat_id=chat_id, poll_id=message.poll.id,
            message_id=message.message_id, now=services.clock(),
        )  # fmt: skip
    if not recorded:  # the round ended, or another instance took the question: not ours
        with contextlib.suppress(TelegramError):
            await application.bot.stop_poll(chat_id, message.message_id)
        return None
    return OpenPoll(round_id, poll.question_id, chat_id, message.message_id)


async def _send_poll(
    application: AppType, chat_id: int, poll: PollToSend, still_running: SendCheck
) -> Message:
    item = poll.item
    message: Message = await application.bot.send_poll(
        chat_id,
        poll_question(item, poll.position, poll.total),
        list(shown_options(item, poll.order)),
        is_anonymous=False,
        type=Poll.QUIZ,
        correct_option_ids=[shown_correct(item, poll.order)],  # type: ignore[list-item]
        explanation=item.explanation,
        open_period=poll.open_period_s,
        rate_limit_args=still_running,
    )
    return message


async def _close_job(context: AppContext) -> None:
    assert context.job is not None and isinstance(context.job.data, OpenPoll)
    application = context.application
    if await close_poll(application, context.job.data):
        await ask_next(application, context.job.data.round_id)


async def close_poll(application: AppType, poll: OpenPoll) -> bool:
    """Close the question (stopPoll too, in case Telegram has not); False when someone
    else closed it first."""
    services = application.bot_data.services
    if not await services.transaction(close_question, poll.question_id, services.clock()):
        return False
    if poll.message_id is not None:
        # Telegram closes a poll at its open_period by itself ("already closed"), and a
        # group that became a supergroup keeps the old poll where it was.
        with contextlib.suppress(TelegramError):
            await application.bot.stop_poll(poll.chat_id, poll.message_id)
    return True


async def stop_round(application: AppType, target: OpenRound) -> bool:
    """/quiz stop: the open poll closes, the round's jobs go, the results come now. False
    when the round ended otherwise meanwhile (its last poll closed): that ending ranks it."""
    for job in _jobs(application).get_jobs_by_name(job_name(target.round_id)):
        job.schedule_removal()
    if target.question_id is not None:
        poll = OpenPoll(target.round_id, target.question_id, target.chat_id, target.message_id)
        await close_poll(application, poll)
    return await end_round(application, target.round_id, RoundStatus.STOPPED)


async def end_round(
    application: AppType,
    round_id: int,
    status: RoundStatus,
    *,
    note: str | None = None,
    announce: bool = True,
) -> bool:
    """Rank the round (members who left are out) and send the results, once: False when
    it had ended already (whoever ended it sends them)."""
    data = application.bot_data
    services = data.services
    chat_id, members = await services.transaction(participants, round_id)
    gone = await members_who_left(application.bot, chat_id, members, data.memberships)
    results = await services.transaction(
        finish_round, round_id, status=status, now=services.clock(), gone=gone
    )
    if results is None:
        return False
    if announce:
        with contextlib.suppress(ChatUnreachable):
            await data.sender.send_parts(
                results.chat_id, [markdown_part(results_markdown(results, note=note))]
            )
    return True


async def resume_rounds(application: AppType) -> None:
    """At start-up: every round a restart interrupted goes on, or ends with a note, once the
    votes Telegram held while the bot was down are in (they were given in time)."""
    _jobs(application).run_once(
        _resume_job, 0, name="quiz rounds resumed", job_kwargs={"misfire_grace_time": None}
    )


async def _resume_job(context: AppContext) -> None:
    application = context.application
    services = application.bot_data.services
    if await services.transaction(open_rounds):
        await backlog_handled(application)
        running = await services.transaction(open_rounds)  # as the backlog left them
        for found in running:
            _resume(application, found)
        if running:
            log.info("%d quiz round(s) resumed at start-up", len(running))
    if application.running:
        # Only now: a sweep before would take the rounds waiting for their held votes for
        # stalled ones, and close them without those votes.
        sweep_rounds(application)


def sweep_rounds(application: AppType) -> None:
    """Every ``SWEEP_EVERY_S``: the rounds another instance left when it stopped (its close
    and next-poll jobs were in its memory) go on here. Closing a poll, taking the next
    question and ending a round are each done once, whoever does them."""
    _jobs(application).run_repeating(
        _sweep_job, interval=SWEEP_EVERY_S, first=SWEEP_EVERY_S, name="quiz rounds swept",
        job_kwargs={"misfire_grace_time": None},
    )  # fmt: skip


async def _sweep_job(context: AppContext) -> None:
    application = context.application
    services = application.bot_data.services
    lease = timedelta(seconds=services.settings.delivery_lease_s)
    stalled = await services.transaction(
        stalled_rounds, services.clock(), grace=timedelta(seconds=VOTES_IN_FLIGHT_S),
        lease=lease,
    )  # fmt: skip
    jobs = _jobs(application)
    for found in stalled:
        # A round with a job waiting here goes on in this instance already.
        if not jobs.get_jobs_by_name(job_name(found.round_id)):
            log.info("quiz round %s: its instance stopped; it goes on here", found.round_id)
            _resume(application, found)


def _resume(application: AppType, found: OpenRound) -> None:
    """The round's next step as this instance finds it. Every instance does this at its
    start-up; closing a poll, taking the next question and ending the round are each done
    by one of them."""
    if found.question_id is None or found.closes_at is None:  # between two polls
        ask_next_soon(application, found.round_id)
        return
    left = (found.closes_at - application.bot_data.services.clock()).total_seconds()
    poll = OpenPoll(found.round_id, found.question_id, found.chat_id, found.message_id)
    if left > -RESUME_WITHIN.total_seconds():
        _schedule(application, _close_job, max(left + VOTES_IN_FLIGHT_S, 0), poll)
    else:
        _schedule(application, _interrupted_job, 0, poll)


async def _look_again_job(context: AppContext) -> None:
    """The claim on a round's next question ran out: the poll went out (its close is then
    scheduled here too, and one instance closes it), or its instance stopped before it did
    (the question is taken over)."""
    assert context.job is not None and isinstance(context.job.data, int)
    services = context.application.bot_data.services
    running = await services.transaction(open_rounds)
    for found in running:
        if found.round_id == context.job.data:
            _resume(context.application, found)


async def _interrupted_job(context: AppContext) -> None:
    assert context.job is not None and isinstance(context.job.data, OpenPoll)
    application, poll = context.application, context.job.data
    await close_poll(application, poll)
    await end_round(application, poll.round_id, RoundStatus.INTERRUPTED, note=INTERRUPTED)


def _schedule(
    application: AppType,
    callback: Callable[[AppContext], Coroutine[Any, Any, None]],
    delay: float,
    data: int | OpenPoll,
) -> None:
    """A round's next step in ``delay`` seconds. Never dropped as "missed" when the event
    loop is late (APScheduler's default after 1 s): a lost close would stall the round."""
    round_id = data if isinstance(data, int) else data.round_id
    _jobs(application).run_once(
        callback, delay, data=data, name=job_name(round_id),
        job_kwargs={"misfire_grace_time": None},
    )  # fmt: skip


def _jobs(application: AppType) -> JobQueue[Any]:
    assert application.job_queue is not None
    return application.job_queue

"""The delivery tick: resume what a dead sender left, claim what is due, send it all."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.core.journey import Due
from bot.services import metrics
from bot.services.delivery.due import Notice, claim_due
from bot.services.delivery.outbox import Work, reclaim_stale
from bot.telegram.context import AppContext
from bot.telegram.group_polls import group_polls
from bot.telegram.transport.sender import ChatUnreachable, Sender
from bot.telegram.views import notices
from drops.model import Course

log = logging.getLogger(__name__)


@dataclass
class TickResult:
    delivered: int = 0
    failed: int = 0
    notices: int = 0


async def run_tick(sender: Sender) -> TickResult:
    """One pass over everything due now; returns what happened (for logs and tests).

    What a gone process of this one's ``INSTANCE_NAME`` was sending when it died is
    resumed at once, once this process holds the name (see ``bot.storage.instance_lock``):
    each pass checks the hold, and a process that could not take the name at start-up
    (its predecessor still ran) tries again.
    """
    services, course = sender.services, sender.course
    settings = services.settings
    lease = timedelta(seconds=settings.delivery_lease_s)
    await asyncio.to_thread(services.instance.try_hold)
    claimant = services.claimant
    holder = claimant.holder
    result = TickResult()
    works = await services.transaction(reclaim_stale, services.clock(), lease, claimant=claimant)
    pending_notices: list[Notice] = []
    while True:
        plan = await services.transaction(
            claim_due,
            course,
            services.clock(),
            day_start_hour=settings.day_start_hour,
            lease=lease,
            holder=holder,
        )
        works += plan.works
        pending_notices += plan.notices
        if not plan.chats:
            break
    gate = asyncio.Semaphore(settings.delivery_concurrency)

    async def deliver(work: Work) -> None:
        async with gate:
            try:
                if await deliver_drop(sender, work):
                    result.delivered += 1
                    metrics.DELIVERIES_SENT.inc()
                else:
                    result.failed += 1
            finally:
                metrics.DELIVERIES_PENDING.dec()

    metrics.DELIVERIES_PENDING.inc(len(works))

    async def notify(notice: Notice) -> None:
        async with gate:
            await _send_notice(sender, course, notice)
            result.notices += 1

    await asyncio.gather(*(deliver(w) for w in works), *(notify(n) for n in pending_notices))
    if works or pending_notices:
        log.info(
            "delivery tick: %d delivered, %d failed, %d notices",
            result.delivered,
            result.failed,
            result.notices,
        )
    return result


async def deliver_drop(sender: Sender, work: Work) -> bool:
    """Send a claimed drop, and in a group its quiz polls after it. True once all is out."""
    polls = []
    if work.chat_kind != "private":
        polls = await group_polls(sender, work.chat_id, work.drop_id)
    return await sender.deliver(work, after=polls)


async def _send_notice(sender: Sender, course: Course, notice: Notice) -> None:
    part = (
        notices.reminder(course, notice.drop_id)
        if notice.kind == Due.REMINDER
        else notices.paused()
    )
    try:
        await sender.send_parts(notice.chat_id, [part])
    except ChatUnreachable:
        pass
    except Exception:  # a notice is best effort; the drop itself is in the outbox
        log.exception("could not send a %s notice to chat %s", notice.kind, notice.chat_id)


async def delivery_job(context: AppContext) -> None:
    """The JobQueue callback."""
    await run_tick(context.bot_data.sender)

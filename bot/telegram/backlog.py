"""The updates Telegram held while the bot was down, handled before what depends on them.

While the bot is stopped Telegram keeps what happens in its chats (up to a day) and hands
it over when the bot is back: in the first answers to ``getUpdates``, or as webhook calls.
Votes in a quiz round's poll are among them; a round that a restart interrupted is closed
and ranked only once they are in (``bot.telegram.rounds.resume_rounds``).
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram.error import TelegramError

from bot.telegram.context import AppType

log = logging.getLogger(__name__)

BACKLOG_PATIENCE_S = 60.0
"""At most this long: a busy bot keeps receiving updates and may never see none pending."""
CHECK_EVERY_S = 0.5


async def backlog_handled(application: AppType, patience_s: float = BACKLOG_PATIENCE_S) -> None:
    """Until Telegram reports no update waiting for the bot, and the bot has handled those it
    took: none left in its queue and none being handled (``patience_s`` at most)."""
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline:
        if not application.running:
            return  # stopping: updates no longer come in, and the stop must not wait
        if await _nothing_pending(application) and _nothing_in_hand(application):
            return
        await asyncio.sleep(CHECK_EVERY_S)
    log.warning("updates were still arriving after %.0f s; going on", patience_s)


async def _nothing_pending(application: AppType) -> bool:
    """Telegram counts an update pending until a later ``getUpdates`` confirms it (python-
    telegram-bot queues it first) or the webhook answers it (after queueing it)."""
    try:
        info = await application.bot.get_webhook_info()
    except TelegramError:
        log.warning("could not ask Telegram for the updates pending", exc_info=True)
        return False
    pending: int = info.pending_update_count
    return pending == 0


def _nothing_in_hand(application: AppType) -> bool:
    processor = application.update_processor
    return application.update_queue.empty() and processor.current_concurrent_updates == 0

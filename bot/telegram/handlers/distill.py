"""/distill: parse the settings, queue the run, show progress, answer with the picture."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.core.urgency import Urgency, at_most
from bot.services import metrics
from bot.services.distill import (
    AdoptedRun,
    InterruptedRun,
    RunHandedOver,
    RunTicket,
    SandboxOff,
    TooSlow,
)
from bot.services.distill_remote import RunInterrupted, SandboxUnavailable
from bot.telegram import buttons
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, AppType, services_of
from bot.telegram.handlers.common import (
    command_args,
    follow_up,
    quoting,
    reply,
    reply_plain,
    send_here,
)
from bot.telegram.transport.sender import ChatUnreachable, Moved
from bot.telegram.views.distill_settings import spaced_equals_hint, too_slow_text
from bot.telegram.views.formatting import markdown
from kd_sandbox.queue import QueueRefused
from kd_sandbox.spec import (
    RANGES,
    HelpRequested,
    RunSpec,
    SettingsError,
    help_text,
    parse_settings,
    settings_of,
)
from kd_sandbox.worker import (
    RunFailed,
    RunOutOfMemory,
    RunTimeout,
    SandboxError,
    SetupTimeout,
    WorkerCrashed,
)

log = logging.getLogger(__name__)

EDIT_EVERY_S = 1.5  # progress edits count against Telegram's limits too
COUNTDOWN_EDIT_EVERY_S = 5.0  # "starts in 19 s" ticks down in steps, not every second
BAR_CELLS = 10
STOP_CHECK_S = 0.5
T = TypeVar("T")


def progress_bar(fraction: float) -> str:
    filled = max(0, min(BAR_CELLS, round(fraction * BAR_CELLS)))
    return "▰" * filled + "▱" * (BAR_CELLS - filled) + f" {round(fraction * 100)}%"


async def distill(update: Update, context: AppContext) -> None:
    """Run a real teacher→student distillation and send the curves."""
    text = command_args(context)
    if text.strip().lower() in ("help", "?", "-h", "--help"):
        await reply(context, update, help_text())
        return
    await run_settings(update, context, text)


async def on_run_button(update: Update, context: AppContext) -> None:
    """ "▶️ Run it" under a drop: exactly that drop's /distill run, as if typed."""
    query = update.callback_query
    assert query is not None
    drop_id = buttons.RUN.decode(query.data)
    course = services_of(context).course
    drop = next((d for d in course.drops if d.id == drop_id), None)
    if drop is None or drop.try_settings is None:
        await query.answer("This button has expired.", show_alert=True)
        return
    command = f"/distill {drop.try_settings}".rstrip()
    await query.answer(f"▶️ {command}")
    await follow_up(context, update, run_settings(update, context, drop.try_settings))


async def run_settings(update: Update, context: AppContext, text: str) -> None:
    """The one path of a run, typed or tapped: parse, queue (the same limits and queue
    for both), show progress, answer with the picture."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    runs = context.bot_data.distill
    hint = spaced_equals_hint(text)
    if hint is not None:
        await reply(context, update, hint)
        return
    try:
        spec = parse_settings(text)
    except HelpRequested as help_wanted:  # `/distill help mode=onpolicy`
        await reply(context, update, str(help_wanted))
        return
    except SettingsError as error:
        # The parser's message is our Markdown: user text in it sits in `code`, sanitised.
        await reply(context, update, f"{error}\n\nSend `/distill help` for every setting.")
        return
    at_most(Urgency.LONG_WORK)  # a /help typed during a burst of runs is answered first
    progress = _Progress()
    try:
        run = await runs.submit(
            spec, user_id=user.id, chat_id=chat.id, in_group=chat.type != ChatType.PRIVATE,
            on_progress=progress.report,
        )  # fmt: skip
    except TooSlow as refused:
        await reply(context, update, too_slow_text(refused))
        return
    except SandboxOff:
        await reply(context, update, "The sandbox is switched off on this server.")
        return
    except SandboxUnavailable:
        await reply(
            context, update, "⚠️ The sandbox is unavailable right now; try again in a minute."
        )
        return
    except QueueRefused as refused:
        await reply_plain(context, update, str(refused), quote=True)
        return
    status = await reply_plain(context, update, _queued_text(spec, run.ticket), quote=True)
    assert status is not None  # the update has a chat
    await runs.shown_in(run, status.message_id)
    progress.attach(status, spec, run.ticket)
    watcher = asyncio.create_task(_watch_queue(status, spec, run.ticket, progress))
    try:
        if runs.remote is None:
            result = await runs.outcome(run)
        else:
            outcome = await _until_stopping(context.application, runs.outcome(run))
            if outcome is None:
                return  # the bot is stopping; the run's row tells another instance about it
            result = outcome
    except RunHandedOver:
        return  # another bot instance took the run over and answers for it
    except SandboxError as error:
        await _edit(status, _failure_text(error, spec))
        return
    finally:
        watcher.cancel()
    metrics.SANDBOX_RUN_SECONDS.labels(spec.mode).observe(result.wall_s)
    with contextlib.suppress(TelegramError):  # a nicety: the picture comes regardless
        await context.bot.send_chat_action(status.chat_id, ChatAction.UPLOAD_PHOTO)
    await send_here(
        context,
        update,
        lambda chat_id: context.bot.send_photo(
            chat_id,
            result.png,
            caption=result.caption[:1024],
            reply_parameters=quoting(update, chat_id),
        ),
    )
    await _edit(status, f"✅ Done in {result.wall_s:.1f} s — {spec.as_settings() or 'defaults'}")


async def _until_stopping(application: AppType, outcome: Awaitable[T]) -> T | None:
    """``outcome``, or None once the bot begins to stop: a stop must not wait for a run
    that may queue for minutes on the Celery workers (embedded runs are short and
    bounded: the stop waits for those, as it always has)."""
    waiting = asyncio.ensure_future(outcome)
    while not waiting.done():
        await asyncio.wait({waiting}, timeout=STOP_CHECK_S)
        if not application.running and not waiting.done():
            waiting.cancel()
            return None
    return waiting.result()


class _Progress:
    """Edits the status message with a bar, at most every EDIT_EVERY_S seconds."""

    def __init__(self) -> None:
        self.status: Message | None = None
        self.spec: RunSpec | None = None
        self.ticket: RunTicket | None = None
        self._last_edit = 0.0
        self._last_text = ""

    def attach(self, status: Message, spec: RunSpec, ticket: RunTicket) -> None:
        self.status, self.spec, self.ticket = status, spec, ticket

    async def report(self, fraction: float) -> None:
        if self.status is None or self.spec is None or self.ticket is None:
            return
        now = time.monotonic()
        if now - self._last_edit < EDIT_EVERY_S and fraction < 1.0:
            return
        text = _status_text(self.spec, self.ticket, fraction)
        if text != self._last_text:
            self._last_edit, self._last_text = now, text
            await _edit(self.status, text)


async def _watch_queue(
    status: Message, spec: RunSpec, ticket: RunTicket, progress: _Progress
) -> None:
    """While waiting, keep "queued, n ahead" or "starts in n s" current; say "training"
    once it starts."""
    shown, shown_at = ticket.describe(), time.monotonic()
    while not ticket.started.is_set():
        await asyncio.sleep(1.0)
        now = ticket.describe()
        counting_down = ticket.starts_in_s > 0 and shown.startswith("starts in")
        if counting_down and time.monotonic() - shown_at < COUNTDOWN_EDIT_EVERY_S:
            continue
        if now != shown and not ticket.started.is_set():
            shown, shown_at = now, time.monotonic()
            await _edit(status, _status_text(spec, ticket, None))
    await progress.report(0.0)


def _status_text(spec: RunSpec, ticket: RunTicket, fraction: float | None) -> str:
    if not ticket.started.is_set():
        return _queued_text(spec, ticket)
    settings = spec.as_settings() or "default settings"
    bar = progress_bar(fraction or 0.0)
    return f"🏃 /distill {settings}: training…\n{bar}"


def _queued_text(spec: RunSpec, ticket: RunTicket) -> str:
    settings = spec.as_settings() or "default settings"
    if ticket.starts_in_s > 0:
        return (
            f"⏳ /distill {settings}: starts in {ticket.starts_in_s} s "
            "(a pause after your last run keeps the sandbox fair)."
        )
    return f"⏳ /distill {settings}: queued, {ticket.ahead} ahead."


def _stored_run_failure_text(error: SandboxError, settings: str) -> str:
    """``_failure_text`` for a run stored by another process: its settings were valid
    then, but a newer version may refuse them (bug= with alpha=0 is refused since)."""
    try:
        spec = parse_settings(settings)
    except SettingsError:
        return f"⚠️ Your /distill run ended without a picture: {error}"
    return _failure_text(error, spec)


def _failure_text(error: SandboxError, spec: RunSpec) -> str:
    if isinstance(error, RunTimeout):
        if "steps" not in settings_of(spec.mode):
            # No setting shortens it: only a busy machine makes it late, so the same run.
            return (
                f"⏱ {error} The machine was busy, and this mode has no steps to cut. "
                f"Try /distill {spec.as_settings()}."
            )
        # Slower than estimated (a busy machine): half the steps, same mode and settings.
        steps = spec.steps // 2 // 10 * 10
        if steps < RANGES["steps"].low:
            return f"⏱ {error} Try a lighter run, e.g. /distill mode={spec.mode}."
        return f"⏱ {error} Try /distill {replace(spec, steps=steps).as_settings()}."
    if isinstance(error, RunOutOfMemory):
        # The defaults of every mode fit the cap; it is the settings that grew the run.
        return f"🧠 {error} Try a lighter run, e.g. /distill mode={spec.mode}."
    if isinstance(error, RunInterrupted):
        return "⚠️ Your /distill run was interrupted. Please send it again."
    if isinstance(error, SetupTimeout):
        # Nothing in the settings made it slow: the same run, once the machine is calmer.
        again = f"/distill {spec.as_settings()}".rstrip()
        return f"⏱ {error} It has been restarted; please send {again} again in a minute."
    if isinstance(error, WorkerCrashed):
        return "💥 The sandbox crashed and has restarted. Please try again."
    if isinstance(error, RunFailed):
        return f"⚠️ The run failed: {str(error)[:300]}"
    return f"⚠️ {str(error)[:300]}"


async def _edit(status: Message, text: str) -> None:
    with contextlib.suppress(TelegramError):  # "not modified", or the message is gone
        await status.edit_text(text)


async def tell_interrupted(application: AppType, *, at_start: bool) -> None:
    """Every run a stopped process left unfinished gets a clear word: those of a process of
    this name that is provably gone (this one holds the name) at once, and at any time
    those whose lease ran out. With Celery those runs go on in the workers: this process
    takes them over and answers."""
    await tell_askers(application, await take_interrupted(application, at_start=at_start))


async def take_interrupted(application: AppType, *, at_start: bool) -> list[InterruptedRun]:
    """The first half of ``tell_interrupted``, one unit of work: the runs are marked
    interrupted (an asker who sends /distill again is not refused for the run that died),
    and returned for ``tell_askers`` with those a stopped process marked but did not tell.
    Runs taken over from Celery are followed and answered in tasks of their own: none of
    them is returned."""
    runs = application.bot_data.distill
    if runs.remote is None:
        return await runs.take_interrupted(at_start=at_start)
    for adopted in await runs.adopt_orphans(at_start=at_start):
        answering = asyncio.create_task(_answer_adopted(application, adopted))
        _ANSWERING.add(answering)
        answering.add_done_callback(_ANSWERING.discard)
    return []


async def tell_askers(application: AppType, interrupted: list[InterruptedRun]) -> None:
    """A message in each run's chat, at that chat's pace: in a group one every
    GROUP_SEND_INTERVAL_S (3.1 s by default), so five runs there take over 12 s. Each run
    is marked told once its message is out (or refused): a bot killed meanwhile tells the
    rest at its next start, and nobody twice (but for the one message on the wire then)."""
    bot, runs, sender = application.bot, application.bot_data.distill, application.bot_data.sender
    for run in interrupted:
        settings = run.settings.replace("`", "'") or "defaults"
        if run.status_message_id is not None:  # it still says "queued" or "training…"
            with contextlib.suppress(TelegramError):
                await bot.edit_message_text(
                    f"⚠️ /distill {run.settings or 'default settings'}: interrupted.",
                    chat_id=run.chat_id, message_id=run.status_message_id,
                )  # fmt: skip
        text, entities = markdown(
            f"⚠️ Your /distill run (`{settings}`) was interrupted by a restart of the bot. "
            "Please send it again."
        )
        with contextlib.suppress(TelegramError, ChatUnreachable):
            try:  # a group that became a supergroup meanwhile is told at its new id
                await sender.guarded(
                    run.chat_id, bot.send_message(run.chat_id, text, entities=entities)
                )
            except Moved as moved:
                await bot.send_message(moved.new_chat_id, text, entities=entities)
        await runs.told(run.run_id)


_ANSWERING: set[asyncio.Task[None]] = set()  # adopted runs being answered (kept referenced)


async def _answer_adopted(application: AppType, adopted: AdoptedRun) -> None:
    """Follow a run a stopped instance submitted; send its picture (once: see
    ``DistillService.outcome``) or say how it ended, in the chat it came from."""
    runs, bot = application.bot_data.distill, application.bot
    status_id = adopted.status_message_id
    last_edit = 0.0

    async def edit(text: str) -> None:
        if status_id is not None:
            with contextlib.suppress(TelegramError):
                await bot.edit_message_text(text, chat_id=adopted.chat_id, message_id=status_id)

    async def on_progress(fraction: float) -> None:
        nonlocal last_edit
        if time.monotonic() - last_edit >= EDIT_EVERY_S:
            last_edit = time.monotonic()
            await edit(f"🏃 /distill {adopted.settings or 'default settings'}: training…\n"
                       f"{progress_bar(fraction)}")  # fmt: skip

    try:
        result = await _until_stopping(
            application, runs.outcome(runs.follow(adopted.run_id, on_progress))
        )
    except RunHandedOver:
        return
    except SandboxError as error:
        await edit(_stored_run_failure_text(error, adopted.settings))
        return
    if result is None:
        return
    with contextlib.suppress(TelegramError):
        await bot.send_photo(adopted.chat_id, result.png, caption=result.caption[:1024])
    await edit(f"✅ Done in {result.wall_s:.1f} s — {adopted.settings or 'defaults'}")


async def run_leases_job(context: AppContext) -> None:
    """The JobQueue's turn of ``check_run_leases``."""
    await check_run_leases(context.application)


async def check_run_leases(application: AppType) -> None:
    """Vouch for this process's runs; report those of a process that stopped."""
    await application.bot_data.distill.renew_leases()
    await tell_interrupted(application, at_start=False)


COMMANDS = (
    Command("distill", "Run a real teacher→student distillation: /distill T=4 alpha=0.9", distill),
)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [CallbackQueryHandler(on_run_button, pattern=buttons.RUN.pattern)]

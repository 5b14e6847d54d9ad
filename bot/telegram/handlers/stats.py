"""/stats (your quiz numbers and a 14-day forecast chart) and /leaderboard (a group's week)."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from telegram import Update

from bot.core.today import Today
from bot.services.context import AppContext, services_of
from bot.services.delivery.due import chat_zone
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.leaderboard import leaderboard as weekly_board
from bot.services.quiz.learners import ensure_learner, scheduler_for
from bot.services.quiz.stats import learner_stats
from bot.storage.db import session_scope
from bot.telegram.handlers.common import chat_row, is_private, reply
from bot.telegram.quiz_flow import learner_today
from bot.telegram.views.chart import forecast_png
from bot.telegram.views.formatting import markdown
from bot.telegram.views.quiz import leaderboard_markdown, stats_markdown

FORECAST_CAPTION = "🔁 Reviews due in the next 14 days (today first)"


async def stats(update: Update, context: AppContext) -> None:
    """/stats: answers, retention on reviews, streak, weakest drops, and the forecast chart."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services = services_of(context)
    with session_scope(services.engine) as session:
        learner = ensure_learner(session, user.id, user.first_name)
        today = learner_today(session, services, user.id)
        numbers = learner_stats(
            session, user.id, today, scheduler_for(session, learner), quiz_bank()
        )
    titles = {drop.id: drop.title for drop in services.course.drops}
    await reply(update, stats_markdown(numbers, titles))
    if numbers.cards:
        png = await asyncio.to_thread(forecast_png, numbers.forecast, numbers.first_day)
        caption, entities = markdown(FORECAST_CAPTION)
        await chat.send_photo(png, caption=caption, caption_entities=entities)


async def leaderboard(update: Update, context: AppContext) -> None:
    """/leaderboard in a group: the week's top ten by right poll answers, and your rank."""
    user = update.effective_user
    if user is None:
        return
    if is_private(update):
        await reply(
            update,
            "The leaderboard belongs to a study group: add me to a group, and send "
            "/leaderboard there to see who answered the most quiz polls right this week.",
        )
        return
    services = services_of(context)
    group = chat_row(context, update)
    zone: ZoneInfo = chat_zone(group)
    today = Today.at(services.clock(), zone, services.settings.day_start_hour)
    with session_scope(services.engine) as session:
        board = weekly_board(session, group.id, caller_id=user.id, today=today)
    await reply(update, leaderboard_markdown(board, group.title or "This group"))

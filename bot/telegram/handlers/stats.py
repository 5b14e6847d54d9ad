"""/stats (your quiz numbers and a 14-day forecast chart) and /leaderboard (a group's week)."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.core.boards import parse_board
from bot.core.errors import InputError
from bot.services.quiz.leaderboard import group_board
from bot.services.quiz.stats import my_stats
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import chat_ref, command_args, is_private, reply
from bot.telegram.handlers.plan_list import deep_link
from bot.telegram.members import members_who_left
from bot.telegram.views.chart import forecast_png
from bot.telegram.views.formatting import markdown
from bot.telegram.views.quiz import leaderboard_markdown, stats_markdown

# Rankings asked about after members who left are taken out (each time, those shown are
# asked of Telegram); past that, a leaver not yet asked about may still show.
MEMBERSHIP_CHECKS = 3


def forecast_caption(review_cap: int) -> str:
    return (
        f"🔁 Your reviews in the next 14 days, today first: at most {review_cap} a day "
        "(your daily cap); the rest waits for the next day."
    )


async def stats(update: Update, context: AppContext) -> None:
    """/stats: answers, retention on reviews, streak, weakest drops, and the forecast chart."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if not is_private(update):
        # Personal numbers stay out of the group; the group's own are a command away.
        link = f"https://t.me/{context.bot.username}?start=stats"
        await reply(
            context,
            update,
            f"📊 Your stats are personal: [open them in our private chat]({link}) and send "
            "/stats there. For this group: /progress (the group's path) and /leaderboard "
            "(this week's poll answers).",
        )
        return
    services = services_of(context)
    numbers = await services.transaction(my_stats, services, user.id)
    titles = {drop.id: drop.title for drop in services.course.drops}
    await reply(context, update, stats_markdown(numbers, titles))
    if numbers.cards:
        png = await asyncio.to_thread(forecast_png, numbers.forecast, numbers.first_day)
        caption, entities = markdown(forecast_caption(numbers.review_cap))
        await chat.send_photo(png, caption=caption, caption_entities=entities)


async def leaderboard(update: Update, context: AppContext) -> None:
    """/leaderboard [day|week|all|rounds] in a group: the top ten, and your rank."""
    user = update.effective_user
    if user is None:
        return
    if is_private(update):
        await reply(
            context,
            update,
            "The leaderboard belongs to a study group: add me to a group, and send "
            "/leaderboard there to see who answered the most quiz polls right this week.",
        )
        return
    try:
        kind = parse_board(command_args(context))
    except InputError as error:
        await reply(
            context, update, f"{error.user_message}. Try /leaderboard week or /leaderboard rounds."
        )
        return
    services = services_of(context)
    group, gone = chat_ref(update), frozenset[int]()
    for check in range(MEMBERSHIP_CHECKS + 1):
        board, title = await services.transaction(
            group_board, services, group, caller_id=user.id, kind=kind, gone=gone
        )
        if check == MEMBERSHIP_CHECKS:
            break  # ranked without the last leavers found; those who moved up are not asked
        shown = [standing.learner_id for standing in board.top if standing.learner_id != user.id]
        left = await members_who_left(
            context.bot, group.id, [*shown, *board.ahead_of_caller], context.bot_data.memberships
        )
        if not left:
            break
        gone |= left  # and rank again: those below move up
    await reply(context, update, leaderboard_markdown(board, title or "This group"))


COMMANDS = (
    Command("stats", "Your quiz stats and a 14-day review forecast", stats),
    Command(
        "leaderboard",
        "In a group: top quiz answerers (day, week, all) or round winners",
        leaderboard,
    ),
)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    # The group's /stats points here: https://t.me/<bot>?start=stats sends `/start stats`.
    return [deep_link("stats", stats)]

"""/plans: the learner's finished plans, and their documents sent again on a button."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.services import plans
from bot.telegram import buttons
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import chat_ref, is_private, reply
from drops.markdown import escape_markdown

DOCUMENT_CAPTION = "The full plan as a Markdown file. /plans lists your plans; /plan makes another."
HTML_CAPTION = "The same plan as a web page: opens on a phone, tables and arithmetic included."


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        deep_link("plans", plans_command),
        CallbackQueryHandler(on_plans_button, pattern=buttons.PLANS.pattern),
    ]


def deep_link(payload: str, callback: Any) -> CommandHandler[AppContext, Any]:
    """`/start <payload>`: what https://t.me/<bot>?start=<payload> sends."""
    only = filters.UpdateType.MESSAGE & filters.Regex(rf"^/start(@\w+)? {payload}$")
    return CommandHandler("start", callback, filters=only)


async def private_only(update: Update, context: AppContext, payload: str) -> None:
    """In a group: point at the private chat, where the command starts on its own."""
    link = f"https://t.me/{context.bot.username}?start={payload}"
    await reply(
        context,
        update,
        f"/{payload} works in a private chat, so your prompts stay between us: "
        f"[open our chat]({link}).",
    )


async def plans_command(update: Update, context: AppContext) -> None:
    """/plans: the learner's plans, newest first, each with a button to send it again."""
    user = update.effective_user
    if not is_private(update) or user is None:
        await private_only(update, context, "plans")
        return
    zone, rows, total = await services_of(context).transaction(
        plans.listing, chat_ref(update), user.id
    )
    if not rows:
        await reply(context, update, "No plans yet. /plan turns one of your prompts into one.")
        return
    lines = ["**Your plans**, newest first:"]
    keys: list[list[InlineKeyboardButton]] = []
    for number, row in enumerate(rows, start=1):
        assert row.id is not None
        lines.append(
            f"{number}. {escape_markdown(row.title)} — {plans.local_date(row.created_at, zone)}"
        )
        label = f"📄 {number}. {row.title[:40]}"
        keys.append([InlineKeyboardButton(label, callback_data=buttons.PLANS.encode(row.id))])
    if total > len(rows):
        lines.append(f"…and {total - len(rows)} older.")
    lines += ["", "Tap one to get its document again."]
    await reply(context, update, "\n".join(lines), markup=InlineKeyboardMarkup(keys))


async def on_plans_button(update: Update, context: AppContext) -> None:
    """A /plans button: the document again, only for the learner the plan belongs to."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None
    plan_id = buttons.PLANS.decode(query.data)
    if plan_id is None or user is None or chat is None or not is_private(update):
        await query.answer("This button has expired.", show_alert=True)
        return
    zone, plan = await services_of(context).transaction(
        plans.plan_with_zone, chat_ref(update), plan_id, user.id
    )
    if plan is None:  # someone else's id, or a deleted plan: say nothing about it
        await query.answer("That plan isn't available.", show_alert=True)
        return
    await query.answer()
    filename = plans.document_filename(plan.created_at, zone)
    await context.bot.send_document(
        chat.id,
        plan.document.encode("utf-8"),
        filename=filename,
        caption=f"{plan.title} — {plans.local_date(plan.created_at, zone)}"[:1024],
    )
    await context.bot.send_document(
        chat.id,
        plans.html_of(plan).encode("utf-8"),
        filename=plans.html_filename(filename),
        caption=HTML_CAPTION,
    )


COMMANDS = (Command("plans", "Your earlier plans, to get any of them again", plans_command),)

"""/drop <id or number> (any drop already reached), its cards, and /faq."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.services.delivery.chats import reached_drops
from bot.telegram import buttons
from bot.telegram.commands import Command
from bot.telegram.context import AppContext, services_of
from bot.telegram.handlers.common import chat_row, command_args, is_private, reply
from bot.telegram.views.formatting import button_text
from bot.telegram.views.parts import Buttons, Paging, Part
from drops.render import drop_label, render_faq_entry
from drops.search import best_match


async def drop_command(update: Update, context: AppContext) -> None:
    """/drop <id>: show a drop this chat has already reached."""
    services = services_of(context)
    course = services.course
    chat = await chat_row(context, update)
    reached = await services.transaction(reached_drops, chat.id)
    wanted = command_args(context).strip()
    if not wanted:
        if not reached:
            await reply(context, update, "No drops yet — send /start to begin the path.")
            return
        ordered = [d for d in course.drops if d.id in reached]
        keys = [
            InlineKeyboardButton(d.id, callback_data=buttons.DROP.encode(d.id)) for d in ordered
        ]
        rows = [keys[i : i + 5] for i in range(0, len(keys), 5)]
        await reply(
            context,
            update,
            "Which drop? Tap one, or send `/drop 2.2` (or its place: `/drop 6`).",
            markup=InlineKeyboardMarkup(rows),
        )
        return
    await _show(update, context, wanted, reached)


async def on_drop_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    wanted = buttons.DROP.decode(query.data)
    if wanted is None:
        await query.answer("This button has expired.", show_alert=True)
        return
    await query.answer()
    chat = await chat_row(context, update)
    reached = await services_of(context).transaction(reached_drops, chat.id)
    await _show(update, context, wanted, reached)


def not_reached(label: str, *, in_group: bool) -> str:
    """/drop for a drop the chat's path has not reached: in a group, the group's path."""
    who, pulls = (
        ("This group hasn't", "An administrator's /next") if in_group else ("You haven't", "/next")
    )
    return (
        f"{who} reached {label} yet — the drops come in order, one a day. "
        f"{pulls} brings the next one once the current one is done."
    )


async def _show(update: Update, context: AppContext, wanted: str, reached: set[str]) -> None:
    services = services_of(context)
    course = services.course
    drop = course.find(wanted)
    if drop is None:
        shown = wanted[:20].replace("`", "'")
        await reply(
            context,
            update,
            f"There is no drop `{shown}`. Drops are named 1.1 to 4.1, or numbered 1 to "
            f"{len(course)}: `/drop 2.2` and `/drop 6` are the same drop.",
        )
        return
    if drop.id not in reached:
        await reply(
            context, update, not_reached(drop_label(drop, course), in_group=not is_private(update))
        )
        return
    chat = await chat_row(context, update)
    paging = Paging.REREAD if is_private(update) else Paging.NONE
    cards = context.bot_data.sender.cards_of(drop.id, 0, (), paging)
    shown_parts = cards[0] if paging == Paging.REREAD else [p for card in cards for p in card]
    await context.bot_data.sender.send_parts(chat.id, shown_parts)


async def on_page(update: Update, context: AppContext) -> None:
    """ "Continue ▸" under a drop shown again (/today, /drop): the next card. Nothing is
    stored; the pressed button goes first, so a double tap sends the card once."""
    query = update.callback_query
    assert query is not None
    press = buttons.PAGE.decode(query.data)
    services = services_of(context)
    course = services.course
    drop = None if press is None else course.find(press.drop_id)
    chat = await chat_row(context, update)
    reached = await services.transaction(reached_drops, chat.id)
    if press is None or drop is None or drop.id not in reached:
        await query.answer("This button has expired.", show_alert=True)
        return
    if press.path_round not in (0, chat.path_round):
        await query.answer("This button has expired.", show_alert=True)
        return
    closing: Buttons | None = None  # the current drop, not yet done: ✅ Done
    if press.path_round == 0:
        closing = ()  # /drop: for reading only
    elif drop.id != chat.current_drop_id or chat.current_opened:
        closing = ((("✅ Done", buttons.NOOP.encode(True)),),)
    cards = context.bot_data.sender.cards_of(drop.id, press.path_round, closing, Paging.REREAD)
    if not 2 <= press.card <= len(cards):
        await query.answer("This button has expired.", show_alert=True)
        return
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest:  # the button is gone already: a second tap
        await query.answer("Already here — scroll down ↓")
        return
    await query.answer()
    await context.bot_data.sender.send_parts(chat.id, cards[press.card - 1])


async def answer_free_text(update: Update, context: AppContext, text: str) -> None:
    """A private message that is no command: point to the drop or FAQ answer it is about
    (matched offline, ``drops.search``), else one line on /help and the current drop."""
    services = services_of(context)
    course = services.course
    chat = await chat_row(context, update)
    reached = await services.transaction(reached_drops, chat.id)
    match = best_match(course, text[:500])
    if match is not None and match.faq_index is not None:
        question = course.faq[match.faq_index].question
        key = InlineKeyboardButton(
            "❓ Read the answer", callback_data=buttons.FAQ.encode(match.faq_index)
        )
        await reply(
            context,
            update,
            f"The FAQ answers that: **{question}**",
            markup=InlineKeyboardMarkup([[key]]),
        )
        return
    if match is not None and match.drop_id is not None:
        drop = course.drop(match.drop_id)
        name = f"**{drop_label(drop, course)}** — {drop.title}"
        if drop.id in reached:
            key = InlineKeyboardButton(
                f"📖 Open drop {drop.id}", callback_data=buttons.DROP.encode(drop.id)
            )
            await reply(context, update, f"That's in {name}.", markup=InlineKeyboardMarkup([[key]]))
        else:
            await reply(
                context, update, f"That's coming up in {name}: the drops come one a day, in order."
            )
        return
    current = chat.current_drop_id
    where = (
        "/start begins the path"
        if current is None
        else f"/today shows your current drop ({current})"
    )
    await reply(context, update, f"I answer commands: /help lists them, and {where}.")


async def faq(update: Update, context: AppContext) -> None:
    """/faq: the questions as buttons; each answer on a tap."""
    course = services_of(context).course
    keys = [
        [InlineKeyboardButton(button_text(entry.question), callback_data=buttons.FAQ.encode(i))]
        for i, entry in enumerate(course.faq)
    ]
    await reply(
        context,
        update,
        "**Frequently asked questions** — tap one:",
        markup=InlineKeyboardMarkup(keys),
    )


async def on_faq_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    services = services_of(context)
    index = buttons.FAQ.decode(query.data)
    if index is None or index >= len(services.course.faq):
        await query.answer("This button has expired.", show_alert=True)
        return
    await query.answer()
    assert update.effective_chat is not None
    messages = render_faq_entry(services.course.faq[index])
    await context.bot_data.sender.send_parts(
        update.effective_chat.id, [Part(m.text, list(m.entities)) for m in messages]
    )


COMMANDS = (
    Command("drop", "Show any drop you have reached: /drop 2.2 or /drop 6", drop_command),
    Command("faq", "Frequently asked questions about distillation", faq),
)


def handlers() -> list[BaseHandler[Update, AppContext, Any]]:
    return [
        CallbackQueryHandler(on_drop_button, pattern=buttons.DROP.pattern),
        CallbackQueryHandler(on_page, pattern=buttons.PAGE.pattern),
        CallbackQueryHandler(on_faq_button, pattern=buttons.FAQ.pattern),
    ]

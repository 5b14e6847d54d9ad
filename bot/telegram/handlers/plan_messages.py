"""What the /plan conversation says: its questions, their buttons and the confirmations.

Button data is `plan:<conversation id>:<question key>:<option value>` (or
`plan:<id>:resume` / `plan:<id>:over`): at most 46 bytes with the planner's keys and
values, well inside Telegram's 64.
"""

from __future__ import annotations

from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.planner import QUESTIONS, Question
from bot.core.planner.costs import usd
from bot.core.planner.questions import AnswerValue
from bot.services.plans import RESUME, START_OVER
from bot.telegram import buttons
from drops.markdown import escape_markdown

# A row of buttons holds this many label characters, so labels stay readable on a phone.
ROW_CHARS, ROW_BUTTONS = 30, 5

INTRO = (
    "Let's turn one of your real prompts into a distillation plan: "
    f"{len(QUESTIONS)} short questions, about two minutes. /cancel stops at any point; "
    "/plan later picks up where you left off."
)
EARLIER_BUTTON = "This button is from an earlier plan — here is where we are now."
EXPIRED = "This button has expired."
NOT_TEXT = "I can only read typed answers here."


def question_text(question: Question, *, intro: bool = False, before: str = "") -> str:
    """The question as our Markdown; `before` (Markdown too) comes first, e.g. an error."""
    number = QUESTIONS.index(question) + 1
    text = f"**Question {number} of {len(QUESTIONS)}.** {escape_markdown(question.text)}"
    if intro:
        text = f"{INTRO}\n\n{text}"
    return f"{before}\n\n{text}" if before else text


def question_keyboard(conversation_id: int, question: Question) -> InlineKeyboardMarkup | None:
    """The question's options as buttons, packed into rows that a phone shows whole."""
    if not question.options:
        return None
    rows: list[list[InlineKeyboardButton]] = [[]]
    used = 0
    for option in question.options:
        row = rows[-1]
        if row and (used + len(option.label) > ROW_CHARS or len(row) == ROW_BUTTONS):
            row = []
            rows.append(row)
            used = 0
        data = buttons.PLAN.encode(buttons.PlanPress(conversation_id, question.key, option.value))
        row.append(InlineKeyboardButton(option.label, callback_data=data))
        used += len(option.label)
    return InlineKeyboardMarkup(rows)


def resume_keyboard(conversation_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("▶️ Resume", callback_data=_press(conversation_id, RESUME)),
            InlineKeyboardButton(
                "🔄 Start over", callback_data=_press(conversation_id, START_OVER)
            ),
        ]]
    )  # fmt: skip


def chosen_keyboard(question: Question, value: AnswerValue) -> InlineKeyboardMarkup:
    """What replaces a question's buttons once one was tapped: the choice, inert."""
    label = f"✓ {describe(question, value)}"[:60]
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=NOOP)]])


def _press(conversation_id: int, action: str) -> str:
    return buttons.PLAN.encode(buttons.PlanPress(conversation_id, action))


NOOP = buttons.NOOP.encode(True)


def confirmation(question: Question, value: AnswerValue) -> str:
    """The line before the next question that shows how a typed answer was read."""
    return f"✓ {escape_markdown(describe(question, value))}"


def describe(question: Question, value: AnswerValue) -> str:
    """An answer as the learner would say it (plain text)."""
    if question.key == "prompt":
        return f"Prompt saved ({len(str(value)):,} characters)."
    if question.key == "volume":
        return f"{value:,} calls a day"
    if question.key == "latency":
        return "No latency target" if value is None else f"Latency target {value:,} ms"
    if question.key == "cost":
        if value is None:
            return "No cost target"
        return f"At most {usd(Decimal(str(value)))} per 1,000 calls"
    labels = {option.value: option.label for option in question.options}
    return labels.get(str(value), str(value))

"""What the /plan conversation says: its questions, their buttons and the confirmations.

Button data is `plan:<conversation id>:<question key>:<option value>` (or
`plan:<id>:resume` / `plan:<id>:over`): at most 46 bytes with the planner's keys and
values, well inside Telegram's 64.
"""

from __future__ import annotations

from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.planner import Question
from bot.core.planner.costs import usd
from bot.core.planner.prices import per_m
from bot.core.planner.questions import ASK_FOR_NAME, AnswerValue
from bot.core.planner.reading import fact_lines, read_prompt
from bot.core.planner.teachers import resolve_teacher
from bot.services.plans import RESUME, START_OVER, Conversation
from bot.telegram import buttons
from bot.telegram.views.formatting import button_text
from drops.markdown import escape_markdown

# A row of buttons holds this many label characters, so labels stay readable on a phone.
ROW_CHARS, ROW_BUTTONS = 30, 5

INTRO = (
    "Let's turn one of your real prompts into a distillation plan: paste it, and I'll ask "
    "only what it doesn't say (about ten quick questions, two minutes). If you leave "
    "midway, /plan later picks up where you left off; /cancel stops and discards the answers."
)
EARLIER_BUTTON = "This button is from an earlier plan — here is where we are now."
EXPIRED = "This button has expired."
NOT_TEXT = "I can only read typed answers here."
TYPE_THE_NAME = ASK_FOR_NAME


def question_text(conversation: Conversation, *, intro: bool = False, before: str = "") -> str:
    """The question as our Markdown; `before` (Markdown too) comes first, e.g. an error."""
    question = conversation.question
    assert question is not None
    number, total = conversation.number, conversation.total
    # Before the prompt is read, how many questions follow isn't known yet.
    counter = f"Question {number}" if question.key == "prompt" else f"Question {number} of {total}"
    text = f"**{counter}.** {escape_markdown(question.text)}"
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
    label = button_text(f"✓ {describe(question, value)}")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=NOOP)]])


def _press(conversation_id: int, action: str) -> str:
    return buttons.PLAN.encode(buttons.PlanPress(conversation_id, action))


NOOP = buttons.NOOP.encode(True)


def confirmation(question: Question, value: AnswerValue) -> str:
    """The line before the next question that shows how a typed answer was read."""
    return f"✓ {escape_markdown(describe(question, value))}"


def _typed_teacher(answer: str) -> str:
    """A typed model name and what the planner matched it to."""
    teacher = resolve_teacher(answer)
    if teacher.model is not None and teacher.price_basis != "your prices":
        return f"{answer} → {teacher.model.name}, priced from our table"
    if teacher.price_basis == "your prices":
        return (
            f"{teacher.name} at your prices: {per_m(teacher.input_usd_per_m)} in, "
            f"{per_m(teacher.output_usd_per_m)} out"
        )
    return f"{answer}: not in our price table, so priced like a frontier model"


def describe(question: Question, value: AnswerValue) -> str:
    """An answer as the learner would say it (plain text)."""
    if question.key == "prompt":
        read = "\n".join(f"• {line}" for line in fact_lines(read_prompt(str(value))))
        return f"Prompt saved ({len(str(value)):,} characters). What I read from it:\n{read}"
    if question.key == "inputlen":
        return f"~{value:,} tokens an input"
    if question.key == "engineering":
        return f"{usd(Decimal(str(value)))} of engineering, once"
    if question.key == "horizon":
        return f"Pay back within {value:,} days"
    if question.key == "teacher" and str(value) not in {o.value for o in question.options}:
        return _typed_teacher(str(value))
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

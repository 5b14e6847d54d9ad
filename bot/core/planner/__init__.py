"""The /plan exercise (drop 4.1) as pure logic: questions, answers, rules, rendering.

Nothing here knows about Telegram or the database: the bot's conversation handler
asks `QUESTIONS` in order, stores the answers (`PlanProfile.to_dict` form) as JSON,
and turns the finished profile into a plan with `build_plan` and the `render_*`
functions.
"""

from bot.core.planner.errors import AnswerError, ProfileError
from bot.core.planner.html import render_html
from bot.core.planner.plan import Plan
from bot.core.planner.profile import PlanProfile, clean_draft, next_question
from bot.core.planner.questions import (
    QUESTIONS,
    QUESTIONS_BY_KEY,
    Option,
    Question,
    QuestionKind,
    parse_answer,
)
from bot.core.planner.render import SUMMARY_LIMIT, render_document, render_summary
from bot.core.planner.rules import build_plan

__all__ = [
    "QUESTIONS",
    "QUESTIONS_BY_KEY",
    "SUMMARY_LIMIT",
    "AnswerError",
    "Option",
    "Plan",
    "PlanProfile",
    "ProfileError",
    "Question",
    "QuestionKind",
    "build_plan",
    "clean_draft",
    "next_question",
    "parse_answer",
    "render_document",
    "render_html",
    "render_summary",
]

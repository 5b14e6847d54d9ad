"""Quiz messages: every item fits as buttons, reads verbatim, and shows why after an answer."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.boards import BoardKind
from bot.core.rounds import Placing
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.buttons import option_order
from bot.services.quiz.leaderboard import Board, Standing
from bot.services.quiz.queue import ReviewQueue, Score
from bot.services.quiz.rounds import QuestionResult, RoundResults
from bot.storage.kinds import RoundStatus
from bot.telegram.views.chart import forecast_png
from bot.telegram.views.formatting import markdown_part
from bot.telegram.views.quiz import (
    Heading,
    answered_markdown,
    leaderboard_markdown,
    question_part,
    review_offer,
    undo_buttons,
)
from bot.telegram.views.rounds import results_markdown
from drops.render import utf16_length
from quizzes import QuizItem

BANK = quiz_bank()
BIGGEST_QUESTION_ID = 10**12 - 1  # the answer pattern accepts 12 digits


@pytest.mark.parametrize("item", BANK.all(), ids=lambda item: item.id)
def test_every_item_renders_verbatim_with_compact_buttons(item: QuizItem) -> None:
    question = question_part(item, BIGGEST_QUESTION_ID, Heading("review", item.drop_id, 3, 20))
    assert item.question in question.text
    assert all(option in question.text for option in item.options)
    assert utf16_length(question.text) <= 4096
    data = [d for row in question.buttons for _, d in row]
    assert len(data) == len(item.options)
    assert all(len(d.encode()) <= 64 for d in data)
    heading = Heading("review", item.drop_id)
    answered = markdown_part(answered_markdown(item, BIGGEST_QUESTION_ID, heading, chosen=0))
    assert item.explanation in answered.text
    assert ("Right!" in answered.text) == (item.correct == 0)


@pytest.mark.parametrize("item", BANK.all()[:12], ids=lambda item: item.id)
def test_the_letters_follow_the_questions_own_order(item: QuizItem) -> None:
    question_id = 4242
    order = option_order(item, question_id)
    text = question_part(item, question_id, Heading("new", item.drop_id)).text
    lines = text.split(item.question, 1)[1].strip().split("\n")
    assert lines == [
        f"{'ABCDE'[shown]}. {item.options[written]}" for shown, written in enumerate(order)
    ]
    key_letter = "ABCDE"[order.index(item.correct)]
    wrong = (item.correct + 1) % len(item.options)
    answered = answered_markdown(item, question_id, Heading("new", item.drop_id), chosen=wrong)
    assert f"the answer is **{key_letter}**" in answered


def test_the_key_moves_between_questions() -> None:
    item = BANK.all()[0]
    places = {option_order(item, question_id).index(item.correct) for question_id in range(200)}
    assert places == set(range(len(item.options)))


def test_undo_data_is_compact() -> None:
    assert all(len(d.encode()) <= 64 for row in undo_buttons(BIGGEST_QUESTION_ID) for _, d in row)


def test_the_offer_counts_due_reviews_and_mentions_the_cap() -> None:
    offer = review_offer(ReviewQueue(due=30, done=0, cap=20), Score(right=2, total=3))
    assert "2 of 3 right" in offer.text
    assert "20 reviews due today" in offer.text and "10 reviews more wait" in offer.text
    assert offer.buttons == ((("▶️ Start", "qr"),),)
    nothing = review_offer(ReviewQueue(due=0, done=0, cap=20), None)
    assert nothing.buttons == () and "No reviews due" in nothing.text


def test_names_in_the_leaderboard_are_literal() -> None:
    board = Board(BoardKind.WEEK, date(2026, 3, 2), [Standing(1, 1, "*bold* [x](y)", 2, 0)], None)
    text = markdown_part(leaderboard_markdown(board, "_group_")).text
    assert "*bold* [x](y)" in text and "_group_" in text


def test_names_in_a_rounds_results_are_literal() -> None:
    item = quiz_bank().all()[0]
    results = RoundResults(
        round_id=1, chat_id=-1, status=RoundStatus.DONE,
        placings=[Placing(1, 1, 1, 1, 2.0)], names={1: "*bold* [x](y) _it_"},
        questions=[QuestionResult(1, item, 1)], participants=1,
    )  # fmt: skip
    text = markdown_part(results_markdown(results)).text
    assert "🥇 *bold* [x](y) _it_ — 1/1 right · 2.0 s" in text
    assert item.explanation in text


def test_the_forecast_chart_is_a_png() -> None:
    png = forecast_png([3, 0, 1, 0, 0, 5, 0, 0, 0, 0, 0, 2, 0, 0], date(2026, 3, 2))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000

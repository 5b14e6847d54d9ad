"""Quiz messages as our Markdown and buttons: questions, answers, offers, summaries.

No Telegram here: a question is a :class:`~bot.telegram.views.parts.Part` (text, entities,
rows of ``(label, callback data)``) that the sender turns into a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.boards import BoardKind
from bot.services.quiz.buttons import option_order
from bot.services.quiz.leaderboard import Board
from bot.services.quiz.queue import ReviewQueue, Score
from bot.services.quiz.stats import Stats
from bot.storage.kinds import QuestionKind
from bot.telegram import buttons
from bot.telegram.views.formatting import markdown_part
from bot.telegram.views.parts import Buttons, Part
from drops.markdown import escape_markdown
from drops.outline import drop_label
from quizzes import QuizItem

LETTERS = "ABCDEFGHIJKL"


LABELS: dict[str, str] = {
    QuestionKind.NEW: "🧠 Quiz",
    QuestionKind.REVIEW: "🔁 Review",
    QuestionKind.RELEARN: "🔂 Once more (missed earlier)",
}


# "🧠 Quiz 3 of 3 · …" or "🔁 Review 2 of 4 · new · …": the heading's place in its quiz.
_SHOWN_POSITION = re.compile(
    r"\S+ (?:Quiz|Review) (?P<position>\d+) of (?P<total>\d+)(?P<new> · new)? · "
)


@dataclass(frozen=True)
class Heading:
    """The first line of a question: which quiz, which drop, how far along, and whether
    the learner meets the item for the first time (a review of an item never asked)."""

    kind: str  # a QuestionKind
    drop_id: str
    position: int | None = None
    total: int | None = None
    new: bool = False

    @classmethod
    def as_shown(cls, kind: str, drop_id: str, shown: str | None) -> Heading:
        """The heading a question was sent with, read back from its message's text: an
        answer or an undo edits that message and keeps its "3 of 3"."""
        first_line = (shown or "").split("\n", 1)[0]
        found = _SHOWN_POSITION.match(first_line)
        if found is None:
            return cls(kind, drop_id)
        position, total = int(found["position"]), int(found["total"])
        return cls(kind, drop_id, position, total, new=found["new"] is not None)

    def markdown(self) -> str:
        label = LABELS.get(self.kind, "🔁 Review")
        where = drop_label(self.drop_id)
        new = " · new" if self.new else ""
        if self.position is not None and self.total is not None:
            return f"**{label} {self.position} of {self.total}{new}** · {where}"
        return f"**{label}{new}** · {where}"


def question_markdown(item: QuizItem, question_id: int, heading: Heading) -> str:
    order = option_order(item, question_id)
    options = "\n".join(
        f"**{LETTERS[shown]}.** {escape_markdown(item.options[written])}"
        for shown, written in enumerate(order)
    )
    return f"{heading.markdown()}\n\n{escape_markdown(item.question)}\n\n{options}"


def question_part(item: QuizItem, question_id: int, heading: Heading) -> Part:
    """The question, its options lettered in this question's order, a button per letter."""
    row = tuple(
        (LETTERS[shown], buttons.ANSWER.encode(buttons.QuizAnswer(question_id, shown)))
        for shown in range(len(item.options))
    )
    return markdown_part(question_markdown(item, question_id, heading), (row,))


def answered_markdown(item: QuizItem, question_id: int, heading: Heading, chosen: int) -> str:
    """The question again, with the verdict, the right option and why (``chosen`` is the
    option as written in the bank; the letters are as the question showed them)."""
    order = option_order(item, question_id)
    lines = []
    for shown, written in enumerate(order):
        mark = "✅" if written == item.correct else ("❌" if written == chosen else "▫️")
        lines.append(f"{mark} **{LETTERS[shown]}.** {escape_markdown(item.options[written])}")
    key_letter = LETTERS[order.index(item.correct)]
    verdict = (
        "✅ **Right!**"
        if chosen == item.correct
        else f"❌ **Not quite** — the answer is **{key_letter}**."
    )
    return (
        f"{heading.markdown()}\n\n{escape_markdown(item.question)}\n\n"
        + "\n".join(lines)
        + f"\n\n{verdict} {escape_markdown(item.explanation)}"
    )


def undo_buttons(question_id: int) -> Buttons:
    return ((("↩️ Undo (mis-tap)", buttons.UNDO.encode(question_id)),),)


def review_offer(queue: ReviewQueue, score: Score | None) -> Part:
    """After a drop's quiz: its score and, if any are due, the Start button for reviews."""
    lines = []
    if score is not None and score.total:
        lines.append(f"That's the quiz for this drop: {score.right} of {score.total} right.")
    if queue.available:
        lines.append(f"🔁 **{_reviews(queue.available)} due today** — earlier drops, mixed.")
        if queue.due > queue.available:
            lines.append(_cap_note(queue))
        start = ("▶️ Start", buttons.START_REVIEWS.encode(True))
        return markdown_part("\n".join(lines), ((start,),))
    lines.append(_nothing_to_review(queue))
    return markdown_part("\n".join(lines))


def reviews_later(score: Score | None) -> Part:
    """After a drop's quiz, for a learner whose reviews don't come with the drop."""
    lines = []
    if score is not None and score.total:
        lines.append(f"That's the quiz for this drop: {score.right} of {score.total} right.")
    lines.append("Your reviews wait for you: send /review when you like.")
    return markdown_part("\n".join(lines))


def session_over(queue: ReviewQueue) -> Part:
    """No review left to ask today (all done, or the cap reached)."""
    return markdown_part(_nothing_to_review(queue))


def _nothing_to_review(queue: ReviewQueue) -> str:
    if queue.capped:
        return f"🎯 That's your {queue.cap} reviews for today. {_cap_note(queue)}"
    if queue.done:
        return f"🎉 All caught up: {_reviews(queue.done)} done today. See /stats for your progress."
    return "🎉 No reviews due today."


def _cap_note(queue: ReviewQueue) -> str:
    return _waiting_note(queue.due - queue.available, queue.cap)


def _waiting_note(waiting: int, cap: int) -> str:
    """Reviews due today past the daily cap: said alike after a quiz and in /stats."""
    return (
        f"{_reviews(waiting)} more wait for the next days (daily cap {cap}; "
        "change it with /settings)."
    )


def _reviews(count: int) -> str:
    return _plural(count, "review")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


NO_ANSWERS_YET = (
    "No quiz answers yet. Finish a drop (press ✅ Done) and its quiz starts; in a group, "
    "answer the quiz polls."
)


def stats_empty(stats: Stats) -> str | None:
    """What /stats and the Mini App's Stats page say instead of numbers, when there are none."""
    return NO_ANSWERS_YET if not stats.answers and not stats.cards else None


def stats_due_note(stats: Stats) -> str | None:
    """Beside "due today": the reviews the daily cap leaves for the next days, if any."""
    return _waiting_note(stats.due_past_cap, stats.review_cap) if stats.due_past_cap else None


def stats_markdown(stats: Stats, drop_titles: dict[str, str]) -> str:
    empty = stats_empty(stats)
    if empty is not None:
        return f"📊 **Your stats**\n{empty}"
    lines = [
        "📊 **Your stats**",
        f"• Answers: {stats.answers} ({stats.right} right)",
    ]
    if stats.retention is None:
        lines.append("• Retention on reviews: none yet (a review is a second meeting with an item)")
    else:
        lines.append(
            f"• Retention on reviews: {stats.retention:.0%} "
            f"({stats.remembered} of {stats.reviews} remembered)"
        )
    lines += [
        f"• Streak: 🔥 {_plural(stats.streak, 'day')}",
        f"• Cards: {stats.cards} · due today: {stats.due_today}",
    ]
    due_note = stats_due_note(stats)
    if due_note is not None:
        lines.append(f"  {due_note}")
    if stats.weakest:
        lines.append("\n**Weakest drops**")
        for weak in stats.weakest:
            title = escape_markdown(drop_titles.get(weak.drop_id, ""))
            lapses = f", {_plural(weak.lapses, 'lapse')}" if weak.lapses else ""
            label = drop_label(weak.drop_id)
            lines.append(f"• {label} {title} — {weak.retrievability:.0%} recall{lapses}")
    return "\n".join(lines)


def leaderboard_markdown(board: Board, group_title: str) -> str:
    """A board's header, its top ten, and the caller's own rank (also outside the top ten)."""
    rounds = board.kind == BoardKind.ROUNDS
    unit = "win" if rounds else "point"
    when = _board_period(board)
    rule = (
        "1 win per quiz round won (most right answers, then least time)"
        if rounds
        else "1 point per right quiz-poll answer"
    )
    lines = [
        f"🏆 **{escape_markdown(group_title)}** — {when}",
        f"{rule} · 🔥 days in a row with a drop done or a quiz answered",
    ]
    if not board.top:
        lines.append(
            "\nNo rounds won yet: start one with /quiz!" if rounds
            else f"\nNo points yet {_SPAN[board.kind]}: answer today's quiz poll!"
        )  # fmt: skip
    else:
        lines.append("")
        for standing in board.top:
            fire = f" · 🔥 {standing.streak}" if standing.streak else ""
            points = _plural(standing.points, unit)
            # The dot escaped: read as a Markdown list, tied ranks 1, 1, 3 would show 1, 2, 3.
            rank = f"{standing.rank}\\."
            lines.append(f"{rank} {escape_markdown(standing.name)} — {points}{fire}")
    if board.caller is None:
        lines.append("\nYou have won no round yet." if rounds
                     else f"\nYou have no points {_SPAN[board.kind]} yet.")  # fmt: skip
    else:
        lines.append(f"\nYou: #{board.caller.rank} with {_plural(board.caller.points, unit)}.")
    return "\n".join(lines)


_SPAN = {BoardKind.DAY: "today", BoardKind.WEEK: "this week", BoardKind.ALL: "so far"}


def _board_period(board: Board) -> str:
    day = board.since
    if board.kind == BoardKind.ROUNDS:
        return "quiz rounds won"
    if day is None:
        return "all time"
    prefix = "today," if board.kind == BoardKind.DAY else "week of"
    return f"{prefix} {day:%a} {day.day} {day:%b}"

"""A quiz round's texts: its start, each poll's question, refusals, and the results."""

from __future__ import annotations

from bot.core.rounds import DEFAULT_SIZE, MAX_SIZE, Placing
from bot.services.quiz.rounds import RoundResults, RoundStart, StartRefusal, StopRefusal
from bot.storage.kinds import RoundStatus
from drops.markdown import escape_markdown
from drops.outline import drop_label
from quizzes import QuizItem
from quizzes.item import MAX_QUESTION_LENGTH, telegram_length

TOP = 10
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}

USAGE = (
    f"`/quiz` starts a round of {DEFAULT_SIZE} timed questions, `/quiz 10` one of ten "
    f"(1 to {MAX_SIZE}); `/quiz stop` ends a round early."
)
PRIVATE = (
    "Quiz rounds are played in a study group: add me to a group and send /quiz there. "
    "Here, /review asks the questions due for you today, one at a time."
)
START_REFUSALS = {
    StartRefusal.ADMINS_ONLY: "In this group only administrators start quiz rounds (an admin can "
    "change that with `/settings rounds=anyone`).",
    StartRefusal.RUNNING: "A round is already running here: answer its poll! "
    "Its starter or an admin can end it with `/quiz stop`.",
    StartRefusal.NO_DROPS: "This group has no drop yet, so there is nothing to quiz: an admin "
    "sets the time with /settime and the first drop comes at once.",
}
STOP_REFUSALS = {
    StopRefusal.NOT_RUNNING: "No round is running here. " + USAGE,
    StopRefusal.NOT_YOURS: "Only the member who started this round or an admin can stop it.",
}
# /quiz stop as the round ended by itself (its last poll closed): that ending sends the results.
ENDED_MEANWHILE = "This round has just ended; its results are coming."
INTERRUPTED = (
    "⚠️ I was offline when a question was due to close, so this round ends here "
    "with the answers given so far."
)


def round_started(start: RoundStart) -> str:
    count = _plural(start.questions, "question")
    text = (
        f"🎯 **Quiz round**: {count}, {start.open_period_s} s each, one after another. "
        "Most right answers wins; a tie goes to the quicker one."
    )
    if start.questions < start.asked_for:
        # Not "5 asked for": a plain /quiz asked for no number.
        text += (
            f"\n(Only {start.questions}: the drops this group has reached give no more "
            "without two from one drop in a row.)"
        )
    return text


def poll_question(item: QuizItem, position: int, total: int) -> str:
    """The poll's question with its place in the round, when Telegram's limit allows."""
    labelled = f"❓ {position}/{total} · {drop_label(item.drop_id)}: {item.question}"
    return labelled if telegram_length(labelled) <= MAX_QUESTION_LENGTH else item.question


def results_markdown(results: RoundResults, *, note: str | None = None) -> str:
    """The ranking (right answers, then total time), and each question's share of right
    answers with its one-line explanation."""
    asked = len(results.questions)
    heading = "🏁 **Quiz round over**"
    if results.status == RoundStatus.STOPPED:
        heading = f"🛑 **Quiz round stopped** after {_plural(asked, 'question')}"
    lines = [heading] if note is None else [escape_markdown(note), "", heading]
    if not results.placings:
        lines.append("Nobody answered this time.")
    for placing in results.placings[:TOP]:
        lines.append(_placing_line(placing, results.names, asked))
    if len(results.placings) > TOP:
        lines.append(f"…and {len(results.placings) - TOP} more")
    if asked:
        lines += ["", "**The questions**"]
    for question in results.questions:
        share = _share(question.right, results.participants)
        label = drop_label(question.item.drop_id)
        lines.append(f"{question.position}. {label} — {share}")
        lines.append(f"↳ _{escape_markdown(question.item.explanation)}_")
    closing = "/leaderboard rounds: who wins most."
    if results.placings:  # with no answer, no review to speak of
        closing = f"Your answers went into your own reviews. {closing}"
    lines += ["", closing]
    return "\n".join(lines)


def _placing_line(placing: Placing, names: dict[int, str], asked: int) -> str:
    place = MEDALS.get(placing.rank, f"{placing.rank}.")
    name = escape_markdown(names.get(placing.learner_id, f"Learner {placing.learner_id}"))
    return f"{place} {name} — {placing.right}/{asked} right · {placing.seconds:.1f} s"


def _share(right: int, participants: int) -> str:
    if not participants:
        return "nobody answered"
    return f"{right} of {participants} right ({right / participants:.0%})"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"

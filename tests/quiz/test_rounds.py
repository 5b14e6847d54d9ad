"""Quiz rounds through the database: one running round per group, the boards of rounds
won and of today, and a results message that fits Telegram at its largest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot.core.boards import BoardKind
from bot.core.rounds import MAX_SIZE, Placing
from bot.services.path import ChatRef
from bot.services.quiz import rounds
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.leaderboard import leaderboard
from bot.services.quiz.polls import PollRefusal, record_poll_answer, save_poll
from bot.services.quiz.rounds import (
    AskedElsewhere,
    PollToSend,
    QuestionResult,
    RoundResults,
    RoundStart,
    StartRefusal,
    close_question,
    finish_round,
    next_poll,
    open_rounds,
    poll_sent,
    stalled_rounds,
    start_round,
)
from bot.storage.instance_lock import Claimant
from bot.storage.kinds import RoundStatus
from bot.storage.models import (
    Chat,
    Delivery,
    Learner,
    QuizRound,
    ReviewRecord,
    RoundAnswer,
    RoundQuestion,
)
from bot.telegram.views.rounds import INTERRUPTED, results_markdown
from drops.render import render_markdown
from quizzes import shown_correct
from quizzes.item import telegram_length
from tests.quiz.conftest import ANNA, BEN, MONDAY, today_at

GROUP = -600
LEASE = timedelta(minutes=2)  # a delivery lease
# The process taking the questions, holding its name.
TAKER: dict[str, Any] = {"claimant": Claimant(holder="0123456789ab:this-instance",
                                              heir_of="this-instance")}  # fmt: skip


class FakeServices:
    """What ``start_round`` reads of the services: settings and the clock."""

    class settings:  # noqa: N801 - stands in for the Settings instance
        quiz_round_open_period_s = 30
        default_time_zone = "UTC"
        day_start_hour = 4

    @staticmethod
    def clock() -> Any:
        return MONDAY


def group(session: Session) -> ChatRef:
    session.add(Chat(id=GROUP, kind="group", title="Study", time_zone="UTC"))
    session.flush()
    for drop_id in ("1.1", "1.2"):
        session.add(Delivery(chat_id=GROUP, drop_id=drop_id, local_day="2026-03-01",
                             sent_at=MONDAY))  # fmt: skip
    session.commit()
    return ChatRef(GROUP, "group", "Study")


def start(session: Session, ref: ChatRef) -> RoundStart | StartRefusal:
    outcome = start_round(session, FakeServices(), ref, starter_id=ANNA,  # type: ignore[arg-type]
                          starter_is_admin=False, size=3)  # fmt: skip
    session.commit()
    return outcome


def test_a_round_started_elsewhere_at_the_same_moment_wins(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = group(session)
    first = start(session, ref)
    assert isinstance(first, RoundStart) and first.questions == 3
    # Another update (or instance) checked before this round was committed: it saw none.
    monkeypatch.setattr(rounds, "running_round", lambda session, chat_id: None)
    assert start(session, ref) == StartRefusal.RUNNING
    running = session.exec(select(QuizRound).where(col(QuizRound.running_in).is_not(None)))
    assert len(running.all()) == 1
    questions = session.exec(select(RoundQuestion)).all()
    assert {q.round_id for q in questions} == {first.round_id} and len(questions) == 3


def test_rounds_won_and_today_boards_show_the_caller_outside_the_top_ten(
    session: Session,
) -> None:
    group(session)
    members = [Learner(id=700 + n, first_name=f"M{n}") for n in range(12)]
    session.add_all(members)
    for n, member in enumerate(members):  # member n won 12 - n rounds
        for _ in range(12 - n):
            won = QuizRound(chat_id=GROUP, started_by=ANNA, open_period_s=30, status="done",
                            started_at=MONDAY, winner_id=member.id)  # fmt: skip
            session.add(won)
    # A round without a winner counts for nobody.
    session.add(
        QuizRound(
            chat_id=GROUP, started_by=ANNA, open_period_s=30, status="stopped", started_at=MONDAY
        )
    )
    item = quiz_bank().all()[0]
    for reviewed_at in (MONDAY, MONDAY - timedelta(days=1)):  # today, and yesterday
        answer = ReviewRecord(learner_id=ANNA, item_id=item.id, rating=3, correct=True,
                              reviewed_at=reviewed_at, source="group", chat_id=GROUP)  # fmt: skip
        session.add(answer)
    session.commit()

    rounds = leaderboard(session, GROUP, caller_id=711, today=today_at(MONDAY), default_zone="UTC",
                         kind=BoardKind.ROUNDS)  # fmt: skip
    assert [(s.rank, s.name, s.points) for s in rounds.top[:2]] == [(1, "M0", 12), (2, "M1", 11)]
    assert len(rounds.top) == 10 and rounds.since is None
    assert rounds.caller is not None and (rounds.caller.rank, rounds.caller.points) == (12, 1)

    today = leaderboard(session, GROUP, caller_id=ANNA, today=today_at(MONDAY), default_zone="UTC",
                        kind=BoardKind.DAY)  # fmt: skip
    assert today.caller is not None and today.caller.points == 1
    ever = leaderboard(
        session,
        GROUP,
        caller_id=ANNA,
        today=today_at(MONDAY),
        default_zone="UTC",
        kind=BoardKind.ALL,
    )
    assert ever.caller is not None and ever.caller.points == 2


def test_the_largest_results_message_fits_one_telegram_message() -> None:
    longest = sorted(quiz_bank().all(), key=lambda item: -len(item.explanation))[:MAX_SIZE]
    results = RoundResults(
        round_id=1, chat_id=GROUP, status=RoundStatus.INTERRUPTED,
        placings=[Placing(n + 1, n, MAX_SIZE - n, MAX_SIZE, 599.9) for n in range(40)],
        names={n: "W" * 64 for n in range(40)},  # Telegram's longest first name
        questions=[QuestionResult(n + 1, item, 39) for n, item in enumerate(longest)],
        participants=40,
    )  # fmt: skip
    rendered = render_markdown(results_markdown(results, note=INTERRUPTED))
    assert telegram_length(rendered.text) <= 4096
    assert "…and 30 more" in rendered.text


def test_a_rounds_life_as_a_restarted_bot_finds_it(session: Session) -> None:
    ref = group(session)
    begun = start(session, ref)
    assert isinstance(begun, RoundStart)
    round_id = begun.round_id

    def sent(position: int, poll_id: str) -> PollToSend:
        poll = next_poll(session, round_id, MONDAY, lease=LEASE, **TAKER)
        assert poll is not None and poll.position == position and poll.total == 3
        poll_sent(session, poll, chat_id=GROUP, poll_id=poll_id, message_id=position, now=MONDAY)
        session.commit()
        return poll

    first = sent(1, "p1")
    [found] = open_rounds(session)
    assert (found.question_id, found.closes_at) == (
        first.question_id,
        MONDAY + timedelta(seconds=30),
    )
    key = shown_correct(first.item, first.order)
    later = MONDAY + timedelta(seconds=4)
    assert isinstance(answer(session, "p1", ANNA, key, later), ReviewRecord)  # counts: 4 s
    assert close_question(session, first.question_id, later) is True
    assert close_question(session, first.question_id, later) is False  # closed once
    session.commit()
    assert answer(session, "p1", BEN, key, later) is PollRefusal.CLOSED
    [between] = open_rounds(session)  # a restart here sends the next question
    assert between.question_id is None

    second = sent(2, "p2")
    right = shown_correct(second.item, second.order)
    assert isinstance(answer(session, "p2", BEN, right, MONDAY), ReviewRecord)
    # On its way as the round ends:
    third = next_poll(session, round_id, MONDAY, lease=LEASE, **TAKER)
    assert third is not None
    results = finish_round(session, round_id, status=RoundStatus.STOPPED, now=later,
                           gone=frozenset())  # fmt: skip
    session.commit()
    assert results is not None and [q.position for q in results.questions] == [1, 2]
    # One right each: Anna took 4 s and skipped one (its 30 s), Ben skipped one and took 0 s.
    assert [(p.rank, p.learner_id, p.seconds) for p in results.placings] == [
        (1, BEN, 30.0), (2, ANNA, 34.0)
    ]  # fmt: skip
    assert open_rounds(session) == []
    assert next_poll(session, round_id, MONDAY, lease=LEASE, **TAKER) is None
    # The poll that went out as the round ended is not recorded; an answer to the open one
    # still reviews a card but counts in no round.
    assert poll_sent(session, third, chat_id=GROUP, poll_id="p3", message_id=3, now=later) is False
    assert session.exec(select(RoundQuestion).where(RoundQuestion.poll_id == "p3")).first() is None
    assert isinstance(answer(session, "p2", ANNA, right, later), ReviewRecord)
    assert len(session.exec(select(RoundAnswer)).all()) == 2
    assert finish_round(session, round_id, status=RoundStatus.DONE, now=later,
                        gone=frozenset()) is None  # ended once  # fmt: skip


def test_a_question_taken_to_be_asked_is_asked_once_until_its_claim_runs_out(
    session: Session,
) -> None:
    """Two instances resuming one round: the first takes the next question, the second is
    told to look again when that claim runs out, and then takes it over if still unsent."""
    begun = start(session, group(session))
    assert isinstance(begun, RoundStart)
    first = next_poll(session, begun.round_id, MONDAY, lease=LEASE, **TAKER)
    session.commit()
    assert isinstance(first, PollToSend) and first.position == 1
    elsewhere = next_poll(
        session, begun.round_id, MONDAY + timedelta(seconds=1), lease=LEASE, **TAKER
    )
    assert elsewhere == AskedElsewhere(MONDAY + LEASE)
    taken_over = next_poll(session, begun.round_id, MONDAY + LEASE + timedelta(seconds=1),
                           lease=LEASE, **TAKER)  # fmt: skip
    assert isinstance(taken_over, PollToSend) and taken_over.question_id == first.question_id


def test_a_slow_send_taken_over_by_another_instance_is_not_recorded_over_its_poll(
    session: Session,
) -> None:
    """The first instance's poll takes longer than a lease to go out; another takes the
    question over and sends its own. Whichever is recorded first is the question's poll;
    the other is refused (its sender stops it), so one poll counts, not two."""
    begun = start(session, group(session))
    assert isinstance(begun, RoundStart)
    slow = next_poll(session, begun.round_id, MONDAY, lease=LEASE, **TAKER)
    session.commit()
    later = MONDAY + LEASE + timedelta(seconds=1)
    taken_over = next_poll(session, begun.round_id, later, lease=LEASE, **TAKER)
    session.commit()
    assert isinstance(slow, PollToSend) and isinstance(taken_over, PollToSend)
    assert poll_sent(session, taken_over, chat_id=GROUP, poll_id="second", message_id=61,
                     now=later)  # fmt: skip
    session.commit()
    assert not poll_sent(session, slow, chat_id=GROUP, poll_id="first", message_id=60,
                         now=later + timedelta(seconds=1))  # fmt: skip
    session.commit()
    [asked] = [q for q in session.exec(select(RoundQuestion)) if q.sent_at is not None]
    assert (asked.poll_id, asked.message_id) == ("second", 61)


def answer(
    session: Session, poll_id: str, user: int, option: int, now: Any
) -> ReviewRecord | PollRefusal:
    entry = record_poll_answer(session, poll_id=poll_id, user_id=user, first_name=f"U{user}",
                               option_ids=[option], now=now, default_zone="UTC",
                               day_start_hour=4)  # fmt: skip
    session.commit()
    return entry


@pytest.mark.parametrize("daily_first", [True, False], ids=["daily-first", "round-first"])
def test_the_daily_poll_and_a_rounds_poll_on_one_item_each_count(
    session: Session, daily_first: bool
) -> None:
    """The group's daily poll and a round's poll ask the same item: a member's answer to
    each counts (the round's in the round), whichever they answer first."""
    ref = group(session)
    begun = start(session, ref)
    assert isinstance(begun, RoundStart)
    poll = next_poll(session, begun.round_id, MONDAY, lease=LEASE, **TAKER)
    assert poll is not None
    key = shown_correct(poll.item, poll.order)
    save_poll(session, poll_id="daily", chat_id=GROUP, message_id=50, item=poll.item,
              correct_option=key, now=MONDAY - timedelta(hours=1))  # fmt: skip
    poll_sent(session, poll, chat_id=GROUP, poll_id="round", message_id=51, now=MONDAY)
    session.commit()
    order = ["daily", "round"] if daily_first else ["round", "daily"]
    for seconds, poll_id in enumerate(order, start=2):
        counted = answer(session, poll_id, ANNA, key, MONDAY + timedelta(seconds=seconds))
        assert isinstance(counted, ReviewRecord), poll_id
    [counted] = session.exec(select(RoundAnswer)).all()
    assert (counted.learner_id, counted.correct) == (ANNA, True)
    logged = session.exec(select(ReviewRecord).where(ReviewRecord.source == "group")).all()
    assert len(logged) == 2  # a point on the group's board for each
    again = answer(session, "round", ANNA, key, MONDAY + timedelta(seconds=5))
    assert again is PollRefusal.ANSWERED  # once


def test_a_round_is_stalled_once_its_poll_is_past_its_close_or_it_stood_still_a_lease(
    session: Session,
) -> None:
    """The periodic sweep's choice: a live instance closes a poll at its time (plus the
    grace for votes in flight) and takes the next question within seconds."""
    begun = start(session, group(session))
    assert isinstance(begun, RoundStart)
    grace = timedelta(seconds=1.5)

    def stalled(now: datetime) -> list[int]:
        return [r.round_id for r in stalled_rounds(session, now, grace=grace, lease=LEASE)]

    assert stalled(MONDAY) == []  # just begun: its first question is being taken
    assert stalled(MONDAY + LEASE) == [begun.round_id]  # nobody took it
    poll = next_poll(session, begun.round_id, MONDAY + LEASE, lease=LEASE, **TAKER)
    assert isinstance(poll, PollToSend)
    sent_at = MONDAY + LEASE
    poll_sent(session, poll, chat_id=GROUP, poll_id="p1", message_id=1, now=sent_at)
    closes_at = sent_at + timedelta(seconds=30)
    assert stalled(closes_at + timedelta(seconds=1)) == []  # its close is due in a moment
    assert stalled(closes_at + grace) == [begun.round_id]

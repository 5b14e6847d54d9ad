"""Quiz polls in groups: which items to ask, and each member's answer as their own review.

After a group's daily drop it gets two non-anonymous quiz polls: an item of the
drop, and an item of an earlier drop that the group's members are most likely to
have forgotten (lowest mean FSRS retrievability over their cards; an item no
member has answered yet counts as just due). Telegram tells the bot who answered
what; each answer reviews that member's own card.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from fsrs import Scheduler
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.today import Today
from bot.services.context import Services
from bot.services.learner_zones import learner_zone, learner_zones
from bot.services.quiz.answers import record_answer
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.cards import parsed_state
from bot.services.quiz.learners import ensure_learner, scheduler_for
from bot.services.quiz.round_answers import count_in_round, poll_is_closed
from bot.storage.kinds import QuestionKind
from bot.storage.models import Delivery, LearnerCard, QuizPoll, ReviewRecord
from quizzes import QuizBank, QuizItem, retrievability, shuffled_order
from quizzes.srs import DEFAULT_DESIRED_RETENTION

RECENTLY_POLLED = timedelta(days=3)
"""An item polled in the group this recently is not chosen for the review poll."""


@dataclass(frozen=True)
class PollChoice:
    item: QuizItem
    kind: str  # new | review


@dataclass(frozen=True)
class MemberDays:
    """How members' days are counted: in their own zone (``default_zone`` for a member
    with no private chat), each starting at ``day_start_hour``."""

    default_zone: str
    day_start_hour: int


def choose_poll_items(
    session: Session,
    bank: QuizBank,
    *,
    chat_id: int,
    drop_id: str,
    now: datetime,
    scheduler: Scheduler,
    default_zone: str,
    day_start_hour: int,
) -> list[PollChoice]:
    """Today's two polls for a group: one item of the drop, one review of an earlier drop.

    Members' recall counts each member's own days (``default_zone`` for one with no
    private chat), as their reviews do."""
    polled = Counter(
        session.exec(select(QuizPoll.item_id).where(QuizPoll.chat_id == chat_id)).all()
    )
    choices: list[PollChoice] = []
    todays = bank.items_for_drop(drop_id)
    if todays:
        # The least-asked item of the drop, so a second round asks a different one.
        choices.append(PollChoice(min(todays, key=lambda item: polled[item.id]), QuestionKind.NEW))
    days = MemberDays(default_zone, day_start_hour)
    review = _review_item(
        session, bank, chat_id=chat_id, drop_id=drop_id, now=now, scheduler=scheduler,
        polled=polled, days=days,
    )  # fmt: skip
    if review is not None:
        choices.append(PollChoice(review, QuestionKind.REVIEW))
    return choices


def _review_item(
    session: Session,
    bank: QuizBank,
    *,
    chat_id: int,
    drop_id: str,
    now: datetime,
    scheduler: Scheduler,
    polled: Counter[str],
    days: MemberDays,
) -> QuizItem | None:
    earlier = set(
        session.exec(
            select(Delivery.drop_id).where(Delivery.chat_id == chat_id, Delivery.drop_id != drop_id)
        ).all()
    )
    recent = set(
        session.exec(
            select(QuizPoll.item_id).where(
                QuizPoll.chat_id == chat_id, col(QuizPoll.sent_at) >= now - RECENTLY_POLLED
            )
        ).all()
    )
    candidates = [item for item in bank if item.drop_id in earlier and item.id not in recent]
    if not candidates:
        return None
    strength = mean_recall(session, chat_id, [c.id for c in candidates], now, scheduler, days)

    def forgetting_first(item: QuizItem) -> tuple[float, int]:
        return strength.get(item.id, DEFAULT_DESIRED_RETENTION), polled[item.id]

    return min(candidates, key=forgetting_first)


def group_members(session: Session, chat_id: int) -> list[int]:
    """Learners who have answered a quiz poll in this group."""
    return list(
        session.exec(
            select(ReviewRecord.learner_id)
            .where(ReviewRecord.chat_id == chat_id, ReviewRecord.source == "group")
            .distinct()
        ).all()
    )


def mean_recall(
    session: Session,
    chat_id: int,
    item_ids: Sequence[str],
    now: datetime,
    scheduler: Scheduler,
    days: MemberDays,
) -> dict[str, float]:
    """Each item's mean FSRS recall now over the group's members who have a card for it,
    days since a member's last review counted in that member's days, as reviews count them."""
    members = group_members(session, chat_id)
    if not members:
        return {}
    zones = learner_zones(session, members, days.default_zone)
    by_item: defaultdict[str, list[float]] = defaultdict(list)
    cards = session.exec(
        select(LearnerCard).where(
            col(LearnerCard.learner_id).in_(members), col(LearnerCard.item_id).in_(item_ids)
        )
    )
    for card in cards:
        state = parsed_state(card.state)
        if state is not None and state.get("last_review") is not None:
            recall = retrievability(
                state, now, scheduler,
                zone=zones[card.learner_id], day_start_hour=days.day_start_hour,
            )  # fmt: skip
            by_item[card.item_id].append(recall)
    return {item_id: sum(values) / len(values) for item_id, values in by_item.items()}


def save_poll(
    session: Session,
    *,
    poll_id: str,
    chat_id: int,
    message_id: int,
    item: QuizItem,
    correct_option: int,
    now: datetime,
) -> None:
    """A poll we sent; ``correct_option`` is where the key was shown (polls are shuffled)."""
    session.add(
        QuizPoll(
            poll_id=poll_id,
            chat_id=chat_id,
            message_id=message_id,
            item_id=item.id,
            correct_option=correct_option,
            sent_at=now,
        )
    )


class PollRefusal(Enum):
    """Why a member's vote changes nothing."""

    UNKNOWN_POLL = "unknown poll"  # not ours, or not recorded yet (see PollsOnTheirWay)
    CLOSED = "closed"  # a round's poll the bot has closed
    NOT_ONE_OPTION = "not one option"  # a retracted vote
    ANSWERED = "answered"  # the member's answer to this poll counts already


def record_poll_answer(
    session: Session,
    *,
    poll_id: str,
    user_id: int,
    first_name: str,
    option_ids: Sequence[int],
    now: datetime,
    default_zone: str,
    day_start_hour: int,
) -> ReviewRecord | PollRefusal:
    """Review the member's card for the poll's item (and count the answer in its quiz
    round, if it is a round's); the refusal when the vote changes nothing."""
    poll = session.get(QuizPoll, poll_id)
    if poll is None:
        return PollRefusal.UNKNOWN_POLL
    if len(option_ids) != 1:
        return PollRefusal.NOT_ONE_OPTION
    if poll_is_closed(session, poll_id):
        return PollRefusal.CLOSED
    learner = ensure_learner(session, user_id, first_name)
    if _answered(session, user_id, poll_id):
        return PollRefusal.ANSWERED
    today = Today.at(now, learner_zone(session, user_id, default_zone), day_start_hour)
    correct = option_ids[0] == poll.correct_option
    try:
        # The same vote handled at once elsewhere (a webhook update Telegram sent twice)
        # is logged there first: the database refuses this second log, and all it did.
        with session.begin_nested():
            count_in_round(session, poll_id=poll_id, learner_id=user_id, correct=correct, now=now)
            return record_answer(
                session,
                learner_id=learner.id,
                item_id=poll.item_id,
                correct=correct,
                today=today,
                scheduler=scheduler_for(session, learner.desired_retention),
                source="group",
                chat_id=poll.chat_id,
                answered_after=poll.sent_at,
                poll_id=poll_id,
            )
    except IntegrityError:
        if _answered(session, user_id, poll_id):
            return PollRefusal.ANSWERED
        raise


def _answered(session: Session, learner_id: int, poll_id: str) -> bool:
    logged = select(ReviewRecord.id).where(
        ReviewRecord.learner_id == learner_id, ReviewRecord.poll_id == poll_id
    )
    return session.exec(logged).first() is not None


def polls_for_group(
    session: Session, services: Services, chat_id: int, drop_id: str
) -> list[PollChoice]:
    """``choose_poll_items`` now, with the course-wide scheduler (a group has no retention)."""
    return choose_poll_items(
        session, quiz_bank(), chat_id=chat_id, drop_id=drop_id, now=services.clock(),
        scheduler=scheduler_for(session, None),
        default_zone=services.settings.default_time_zone,
        day_start_hour=services.settings.day_start_hour,
    )  # fmt: skip


def poll_order(item: QuizItem, chat_id: int, sent_at: datetime) -> tuple[int, ...]:
    """How a poll shows the item's options (shown position → written one): shuffled per
    poll, like the buttons per question, so the key's place says nothing. The poll's row
    keeps where the key was shown (``correct_option``), which is what answers are checked
    against."""
    return shuffled_order(item, f"poll:{chat_id}:{sent_at.isoformat()}")

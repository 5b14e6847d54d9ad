"""The kinds and statuses stored in text columns: one ``StrEnum`` each, stored as its value."""

from __future__ import annotations

from enum import StrEnum


class ChatKind(StrEnum):
    """Telegram's chat types the bot keeps (channels are never stored)."""

    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"


class DeliveryStatus(StrEnum):
    """Where one message of a drop stands in the outbox."""

    CLAIMED = "claimed"  # leased by a sender, not yet on the wire
    SENDING = "sending"  # on the wire: a crash now may or may not have delivered it
    READING = "reading"  # the cards opened so far are out; the next waits for Continue
    SENT = "sent"
    FAILED = "failed"


class AnswerSource(StrEnum):
    """Where a review's answer came from."""

    PRIVATE = "private"  # buttons in the learner's private chat
    GROUP = "group"  # a quiz poll in a group
    RELEARN = "relearn"  # a missed item asked again the same day: logged, not an FSRS review


class QuestionKind(StrEnum):
    """Why a question was asked: a drop's own quiz, or a spaced-repetition review."""

    NEW = "new"
    REVIEW = "review"
    RELEARN = "relearn"  # an item missed today, asked once more before the session ends


class RunStatus(StrEnum):
    """A /distill run's life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"


class Awaiting(StrEnum):
    """What a chat owes us as typed text, after we asked for it."""

    TIME = "time"
    ZONE = "zone"


class RoundStatus(StrEnum):
    """A group's quiz round."""

    RUNNING = "running"
    DONE = "done"  # every question asked
    STOPPED = "stopped"  # /quiz stop
    INTERRUPTED = "interrupted"  # the bot was down past an open question's close


class RoundStarters(StrEnum):
    """Who may start a quiz round in a group (a group setting)."""

    ANYONE = "anyone"
    ADMINS = "admins"

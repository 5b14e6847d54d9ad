"""SIGKILL the bot between a group's daily drop and its quiz polls; the restart sends them.

The drop's delivery was marked sent before the polls went out, and nothing recorded that
they were still to come: a bot killed in that gap left the group without polls that day.
Now the polls are the last parts of the delivery. As for any part, the poll on the wire at
the kill counts as delivered (Telegram may have it; a duplicate is worse than a gap), and
every poll after it comes once the restarted bot resumes the delivery.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Delivery
from tests.e2e.fanout import deliveries_sent
from tests.processes import BotProcess, StandIn, crash_bot_env, wait_until

GROUP = -400_501
DROP = "1.3"
# The drop's own poll goes first and is held on the wire at the kill; the review poll
# ("🔁 From Drop 1.2 …") is the one still to send.
AFTER_THE_KILL = "🔁 From Drop 1.2"


def test_quiz_polls_cut_off_by_a_kill_come_after_the_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _seed_due_group(url, now=datetime.now(UTC))
    stand_in = StandIn()
    bot: BotProcess | None = None
    try:
        env = crash_bot_env(stand_in, url, tmp_path, GROUP_SEND_INTERVAL_S="0.01")
        stand_in.hang("sendPoll")
        bot = BotProcess(tmp_path, env)
        wait_until(lambda: stand_in.stats()["held"], timeout=60, what="the first quiz poll")
        drop_messages = len(stand_in.sent(GROUP))
        bot.kill()
        stand_in.stop_hanging()
        bot = BotProcess(tmp_path, env)
        wait_until(lambda: _polls(stand_in), timeout=60, what="the polls after the restart")
        wait_until(
            lambda: deliveries_sent(url, DROP), timeout=60, what="the delivery to be complete"
        )
        sent = stand_in.sent(GROUP)
    finally:
        if bot is not None:
            bot.kill()
        stand_in.stop()
    polls = [message["text"] for message in sent if message["method"] == "sendPoll"]
    assert len(polls) == 1 and polls[0].startswith(AFTER_THE_KILL), polls
    assert len(sent) == drop_messages + 1, [message["text"][:40] for message in sent]


def _polls(stand_in: StandIn) -> list[str]:
    return [m["text"] for m in stand_in.sent(GROUP) if m["method"] == "sendPoll"]


def _seed_due_group(database_url: str, *, now: datetime) -> None:
    """A group that was sent drop 1.2 two days ago and is due for 1.3 now."""
    upgrade(database_url)
    engine = make_engine(database_url)
    last_day = (now - timedelta(days=2)).date().isoformat()
    with Session(engine) as session:
        session.add(
            Chat(id=GROUP, kind="group", time_zone="UTC", delivery_time="08:00",
                 next_due_at=now - timedelta(minutes=1), current_drop_id="1.2",
                 current_opened=True, last_scheduled_day=last_day)
        )  # fmt: skip
        session.add(
            Delivery(chat_id=GROUP, drop_id="1.2", local_day=last_day,
                     sent_at=now - timedelta(days=2))
        )  # fmt: skip
        session.commit()
    engine.dispose()

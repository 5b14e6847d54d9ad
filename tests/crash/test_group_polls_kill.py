"""SIGKILL the bot between a group's daily drop and its quiz polls; the restart sends them.

The drop's delivery was marked sent before the polls went out, and nothing recorded that
they were still to come: a bot killed in that gap left the group without polls that day.
Now the polls are the last parts of the delivery. As for any part, the poll on the wire at
the kill counts as delivered (Telegram may have it; a duplicate is worse than a gap), and
every poll after it comes once the restarted bot resumes the delivery.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.fanout import deliveries_sent, seed_due_group
from tests.processes import BotProcess, StandIn, crash_bot_env, wait_until

GROUP = -400_501
DROP = "1.3"
# The drop's own poll goes first and is held on the wire at the kill; the review poll
# ("🔁 From Drop 1.2 …") is the one still to send.
AFTER_THE_KILL = "🔁 From Drop 1.2"


def test_quiz_polls_cut_off_by_a_kill_come_after_the_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    seed_due_group(url, GROUP, last_drop="1.2", now=datetime.now(UTC))
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

"""SIGKILL the bot in the middle of a fan-out to 300 learners, three times, then let it finish.

A real ``python -m bot run`` against the stand-in in its own process. The outbox resumes
every delivery after each restart; no learner gets a message twice. A part that was on
the wire at the kill instant is counted as delivered (Telegram has no idempotency key,
and a duplicate is worse than a gap /today fills), so each kill may cost at most the few
parts in flight then; a part still waiting for its turn is never marked, and is resumed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.fanout import count_fan_out, deliveries_sent, drop_openings, seed_due_chats
from tests.processes import BotProcess, StandIn, crash_bot_env, wait_until

CHATS = list(range(20_001, 20_301))
NEXT_DROP = "1.3"  # its first card: the daily delivery to each learner (the rest on Continue)
MESSAGES = len(CHATS) * len(drop_openings(NEXT_DROP))
# Messages the stand-in has accepted when the bot is killed: early, midway, late.
KILL_AFTER = (MESSAGES // 6, MESSAGES // 2, MESSAGES * 3 // 4)
IN_FLIGHT_PER_KILL = 3  # at ~28 messages a second, what can be on the wire at one instant


@pytest.mark.parametrize(
    "flood_limits",
    [
        pytest.param(False, id="no-flood-limits"),
        # Telegram's limits enforced, the bot at its real pace (one message a second a chat).
        pytest.param(True, id="flood-limits"),
    ],
)
def test_killing_the_bot_mid_fan_out_sends_no_part_twice(
    tmp_path: Path, flood_limits: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    seed_due_chats(url, CHATS, last_drop="1.2", now=datetime.now(UTC))
    stand_in = StandIn(flood_limits=flood_limits)
    bot: BotProcess | None = None
    try:
        pace = {"PRIVATE_CHAT_INTERVAL_S": "1.05"} if flood_limits else {}
        env = crash_bot_env(stand_in, url, tmp_path, **pace)
        for sends in KILL_AFTER:
            bot = BotProcess(tmp_path, env)
            _wait_for_sends(stand_in, sends)
            bot.kill()
        bot = BotProcess(tmp_path, env)
        wait_until(
            lambda: deliveries_sent(url, NEXT_DROP) == len(CHATS),
            timeout=120,
            what="every delivery to finish",
            every=0.5,
        )
        received = stand_in.per_chat()
        refused = stand_in.stats()["refused_429"]
    finally:
        if bot is not None:
            bot.kill()
        stand_in.stop()
    count = count_fan_out(received, CHATS, drop_openings(NEXT_DROP))
    print(f"after {len(KILL_AFTER)} kills: {count}; {refused} answers 429")
    assert count.with_a_duplicate == 0, count
    assert count.missing_parts <= IN_FLIGHT_PER_KILL * len(KILL_AFTER), count


def _wait_for_sends(stand_in: StandIn, sends: int) -> None:
    wait_until(
        lambda: stand_in.stats()["sent_ok"] >= sends,
        timeout=90,
        what=f"{sends} messages at the stand-in",
        every=0.02,  # the kill should land close to the mark, in the middle of sending
    )

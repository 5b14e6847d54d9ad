"""Two ``python -m bot run`` processes on one database fan out to the same due learners.

Both claim due chats (SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite) and, with
a lease far shorter than the fan-out, keep taking each other's queued deliveries over.
Every learner still gets each message of the drop exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.fanout import count_fan_out, deliveries_sent, drop_openings, seed_due_chats
from tests.processes import BotProcess, StandIn, crash_bot_env, wait_until

CHATS = list(range(30_001, 30_151))
NEXT_DROP = "1.3"  # two messages each, 300 in all: about 11 s at the bot's overall pace


def test_two_bot_processes_send_each_message_once(tmp_path: Path, database_url: str) -> None:
    seed_due_chats(database_url, CHATS, last_drop="1.2", now=datetime.now(UTC))
    stand_in = StandIn()
    bots: list[BotProcess] = []
    try:
        env = crash_bot_env(stand_in, database_url, tmp_path)  # a 2 s lease
        # Each its own INSTANCE_NAME, as an operator runs them (a shared one would make each
        # take the other's claims for those of its own previous life).
        bots = [BotProcess(tmp_path, {**env, "INSTANCE_NAME": name}) for name in ("a", "b")]
        wait_until(
            lambda: deliveries_sent(database_url, NEXT_DROP) == len(CHATS),
            timeout=120,
            what="the fan-out",
            every=0.5,
        )
        received = stand_in.per_chat()
    finally:
        for bot in bots:
            bot.kill()
        stand_in.stop()
    count = count_fan_out(received, CHATS, drop_openings(NEXT_DROP))
    print(f"two processes: {count}")
    assert count.exactly_once == len(CHATS), count

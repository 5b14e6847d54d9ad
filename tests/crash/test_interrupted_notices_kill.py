"""SIGKILL the bot twice while it tells the askers of /distill runs a restart cut off.

At start-up the bot marks its previous life's runs interrupted, then tells each asker, one
message at a time. A bot killed half-way through left the rest untold for good: the runs
were marked, so the next start found nothing to tell. Each asker is now told once, by
whichever start gets to them; the notice on the wire at a kill is never answered by the
stand-in, so the next start sends it again and it still arrives once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.models import DistillRun
from tests.processes import BotProcess, StandIn, crash_bot_env, wait_until

ASKERS = list(range(7_101, 7_107))  # each asked in their private chat
OWNER = "bot-a"


def _settings(asker: int) -> str:
    return f"steps={asker - 7_000}"  # steps=101 … steps=106


def test_every_asker_of_an_interrupted_run_is_told_once_across_two_kills(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    _seed_runs_of_a_previous_life(url)
    stand_in = StandIn()
    bot: BotProcess | None = None
    try:
        env = crash_bot_env(stand_in, url, tmp_path, INSTANCE_NAME=OWNER)
        # The first start tells some askers and dies sending the third one's notice.
        stand_in.hang("sendMessage", _settings(ASKERS[2]))
        bot = BotProcess(tmp_path, env)
        wait_until(lambda: stand_in.stats()["held"] == 1, timeout=60, what="the third notice")
        bot.kill()
        # The second start, before every notice went out, dies at the fifth asker's.
        stand_in.stop_hanging()
        stand_in.hang("sendMessage", _settings(ASKERS[4]))
        bot = BotProcess(tmp_path, env)
        wait_until(
            lambda: stand_in.stats()["held"] == 2,
            timeout=60,
            what="the second start to tell the askers the first one had not told",
        )
        bot.kill()
        # The third start tells the rest.
        stand_in.stop_hanging()
        bot = BotProcess(tmp_path, env)
        wait_until(
            lambda: all(stand_in.per_chat().get(asker) for asker in ASKERS),
            timeout=60,
            what="a notice to every asker",
        )
        received = stand_in.per_chat()
    finally:
        if bot is not None:
            bot.kill()
        stand_in.stop()
    for asker in ASKERS:
        notices = received[asker]
        assert len(notices) == 1, (asker, notices)
        assert "interrupted by a restart" in notices[0] and _settings(asker) in notices[0]


def _seed_runs_of_a_previous_life(url: str) -> None:
    """/distill runs the process named OWNER was training when it stopped."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for asker in ASKERS:
            session.add(
                DistillRun(user_id=asker, chat_id=asker, settings=_settings(asker),
                           status="running", created_at=datetime.now(UTC), owner=OWNER)
            )  # fmt: skip
        session.commit()
    engine.dispose()

"""Load benchmark: 200 learners answering quizzes at once, a burst of 50 /distill, /help.

The bot runs as ``python -m bot run`` with its default settings (paced below Telegram's
limits, sandbox on) against the Bot API stand-in in this process, which enforces those
limits. Every learner onboards, presses Done, then answers drop 1's three questions,
tapping each answer twice; during the second round 50 other users send /distill at once
and 10 more send /help, and during the third the 10 send /help again (the quiz rush
alone). Prints the latency of each kind of update (from injecting it to the bot's answer
reaching the stand-in), the bot's CPU time per press, what the queue accepted, and what
was lost. Asserts nothing. ``python bench/bench_load.py [learners] [distill users]``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, col, func, select

from bot.storage.db import make_engine
from bot.storage.models import ReviewRecord
from tests.botapi import FakeBotApi
from tests.e2e.load import (
    Burst,
    Round,
    answer_presses,
    distill_burst,
    done_presses,
    first_question,
    onboard_all,
    pictures_for,
    press_all,
)
from tests.processes import BotProcess, clean_env, cpu_seconds

LEARNERS = list(range(100_001, 100_001 + (int(sys.argv[1]) if len(sys.argv) > 1 else 200)))
DISTILL_USERS = list(range(200_001, 200_001 + (int(sys.argv[2]) if len(sys.argv) > 2 else 50)))
HELPERS = list(range(300_001, 300_011))
QUEUE_SIZE = 8  # the default SANDBOX_QUEUE_SIZE
WAIT_S = 600.0


async def scenario(api: FakeBotApi, bot_pid: int) -> tuple[list[Round], list[Burst], list[str]]:
    started = time.perf_counter()
    await onboard_all(api, LEARNERS, timeout=WAIT_S)
    print(f"  {len(LEARNERS)} learners onboarded in {time.perf_counter() - started:.0f} s")
    done = await press_all(
        api, done_presses(api, LEARNERS), taps=1, what="Done", timeout=WAIT_S, reply=first_question
    )
    rounds, questions = [done], done.replies
    bursts: list[Burst] = []
    cpu_lines: list[str] = []
    for number in (1, 2, 3):
        answering = press_all(
            api, answer_presses(questions), taps=2, what=f"answer {number}", timeout=WAIT_S
        )
        cpu_before, wall_before = cpu_seconds(bot_pid), time.perf_counter()
        if number == 2:
            during = distill_burst(
                api, DISTILL_USERS, HELPERS, settings="steps=300", timeout=WAIT_S
            )
            answered, burst = await asyncio.gather(answering, during)
            bursts.append(burst)
        elif number == 3:
            helping = distill_burst(api, [], HELPERS, settings="", timeout=WAIT_S)
            answered, burst = await asyncio.gather(answering, helping)
            burst.help_answer.what = "/help in the quiz rush alone"
            bursts.append(burst)
        else:
            answered = await answering
        cpu = cpu_seconds(bot_pid) - cpu_before
        presses = len(answered.answered.seconds)
        cpu_lines.append(
            f"answer {number}: bot CPU {cpu:.1f} s over {time.perf_counter() - wall_before:.1f} s "
            f"wall, {cpu / presses * 1000:.1f} ms per press (each next question included)"
        )
        rounds.append(answered)
        questions = answered.replies
    await pictures_for(api, bursts[0].accepted, timeout=WAIT_S)
    return rounds, bursts, cpu_lines


def review_counts(database_url: str) -> tuple[int, int]:
    """Answers logged for the learners, and how many (learner, item) pairs were logged twice."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        logged = session.exec(
            select(ReviewRecord.learner_id, ReviewRecord.item_id, func.count())
            .where(col(ReviewRecord.learner_id).in_(LEARNERS))
            .group_by(col(ReviewRecord.learner_id), col(ReviewRecord.item_id))
        ).all()
    engine.dispose()
    return sum(n for _, _, n in logged), sum(1 for _, _, n in logged if n > 1)


async def main() -> None:
    api = FakeBotApi(enforce_flood_limits=True)
    await api.start()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = f"sqlite:///{workdir / 'bot.db'}"
        env = {
            **clean_env(),
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": url,
            "CACHE_DIR": str(workdir / "cache"),
            "LOG_LEVEL": "WARNING",
        }
        bot = BotProcess(workdir, env)
        try:
            await api.wait_for(
                lambda calls: any(c.method == "getUpdates" for c in calls), timeout=60
            )
            rounds, bursts, cpu_lines = await scenario(api, bot.pid)
        except AssertionError:
            log_tail = bot.log_path.read_text(errors="replace").splitlines()[-40:]
            print("the bot's log, last lines:", *log_tail, sep="\n  ", file=sys.stderr)
            raise
        finally:
            bot.kill()
            await api.stop()
        logged, twice = review_counts(url)
    learners = len(LEARNERS)
    burst_size, helpers = len(DISTILL_USERS), len(HELPERS)
    print(f"load: {learners} learners answering at once (each answer tapped twice), "
          f"{burst_size} /distill in one burst, {helpers} /help during it")  # fmt: skip
    for result in rounds:
        print(f"  {result.answered}")
        print(f"  {result.replied}")
        print(f"    presses left unanswered: {result.unanswered}")
    print(f"  answers logged: {logged} (expected {3 * learners}), logged twice: {twice}")
    for line in cpu_lines:
        print(f"  {line}")
    burst, rush = bursts
    accepted, full, other = len(burst.accepted), len(burst.refused_full), len(burst.other)
    print(f"  /distill accepted: {accepted} (queue size {QUEUE_SIZE} + 1 running), "
          f"refused as full: {full}, other answers: {other}")  # fmt: skip
    print(f"  {burst.first_answer}")
    print(f"  {burst.help_answer}")
    print(f"  {rush.help_answer}")
    refused = sum(1 for c in api.calls if c.error and c.error.startswith("Too Many"))
    print(f"  requests the stand-in refused with 429: {refused}")


if __name__ == "__main__":
    asyncio.run(main())

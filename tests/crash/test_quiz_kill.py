"""SIGKILL the bot while a drop's quiz question is on its way; the restarted bot goes on.

The question's row is written before its message is sent (its id is in the buttons). A
bot killed in between left a row that no message showed: the quiz counted it as open for
a day, so nothing more was asked and the learner could not finish the quiz.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.telegram import buttons
from tests.e2e.fanout import seed_due_chats
from tests.processes import BotProcess, StandIn, crash_bot_env, wait_until

LEARNER = 20_401
DROP = "1.3"  # the learner opened 1.2 yesterday; 1.3 is due now


def test_a_quiz_question_cut_off_by_a_kill_is_asked_after_the_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    seed_due_chats(url, [LEARNER], last_drop="1.2", now=datetime.now(UTC))
    stand_in = StandIn()
    bot: BotProcess | None = None
    try:
        env = crash_bot_env(stand_in, url, tmp_path)
        bot = BotProcess(tmp_path, env)
        first_card = wait_until(
            lambda: stand_in.sent(LEARNER), timeout=60, what="the drop's first card"
        )[0]
        stand_in.hang("sendMessage", "Quiz 1 of 3")
        done = buttons.DONE.encode(buttons.DropDone(1, DROP))
        stand_in.press(LEARNER, LEARNER, first_card["message_id"], done)
        wait_until(lambda: stand_in.stats()["held"], timeout=30, what="the first question")
        bot.kill()
        stand_in.stop_hanging()
        bot = BotProcess(tmp_path, env)
        first = wait_until(
            lambda: _questions(stand_in, "Quiz 1 of 3"),
            timeout=60,
            what="the quiz's first question after the restart",
        )[0]
        answer = next(b for b in first["buttons"] if buttons.ANSWER.decode(b["callback_data"]))
        stand_in.press(LEARNER, LEARNER, first["message_id"], answer["callback_data"])
        wait_until(
            lambda: _questions(stand_in, "Quiz 2 of 3"), timeout=60, what="the second question"
        )
        sent = stand_in.sent(LEARNER)
    finally:
        if bot is not None:
            bot.kill()
        stand_in.stop()
    texts = [message["text"] for message in sent]
    assert sum("Quiz 1 of 3" in text for text in texts) == 1, texts
    assert sum("Quiz 2 of 3" in text for text in texts) == 1, texts


def _questions(stand_in: StandIn, heading: str) -> list[dict[str, Any]]:
    return [m for m in stand_in.sent(LEARNER) if m["text"].startswith(f"🧠 {heading}")]

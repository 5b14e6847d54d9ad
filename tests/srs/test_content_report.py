"""``distillbot content report``: item statistics and the funnel from a stored database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.db import make_engine, session_scope
from bot.storage.kinds import AnswerSource, ChatKind
from bot.storage.migrate import upgrade
from bot.storage.models import Chat, Delivery, Learner, ReviewRecord

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LEARNERS = range(1, 41)
# 1.1a: everyone strong gets it right, everyone weak wrong (discriminates well);
# 1.1b: everyone right (too easy); 1.1c: only the weak get it right (negative).
STRONG = set(range(1, 21))


def seed(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        for learner in LEARNERS:
            session.add(Chat(id=learner, kind=ChatKind.PRIVATE))
            session.add(Learner(id=learner, first_name=f"L{learner}", private_chat_id=learner))
        session.flush()
        for learner in LEARNERS:
            strong = learner in STRONG
            for drop, completed in (("1.1", True), ("1.2", strong)):
                session.add(Delivery(
                    chat_id=learner, drop_id=drop, local_day="2026-03-02", sent_at=START,
                    completed_at=START if completed else None,
                ))  # fmt: skip
            answers = {
                "1.1a": strong, "1.1b": True, "1.1c": not strong, "1.1d": strong, "1.1e": strong,
            }  # fmt: skip
            for minute, (item, right) in enumerate(answers.items()):
                session.add(ReviewRecord(
                    learner_id=learner, item_id=item, rating=3 if right else 1, correct=right,
                    reviewed_at=START + timedelta(minutes=minute), duration_ms=0,
                    source=AnswerSource.PRIVATE, chat_id=learner,
                ))  # fmt: skip
            # A same-day relearning repeat is logged but is not a first answer.
            session.add(ReviewRecord(
                learner_id=learner, item_id="1.1c", rating=3, correct=True,
                reviewed_at=START + timedelta(minutes=30), duration_ms=0,
                source=AnswerSource.RELEARN, chat_id=learner,
            ))  # fmt: skip
    engine.dispose()


def test_the_report_prints_facility_discrimination_flags_and_the_funnel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    seed(database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "report.png"

    assert main(["content", "report", "--out", str(out)]) == 0

    printed = capsys.readouterr().out
    rows = {line[:4]: line for line in printed.splitlines() if line[:4] in ("1.1a", "1.1b", "1.1c")}
    # 1.1a is right exactly for the learners whose other answers are better: r = 1.
    assert rows["1.1a"].split()[1:4] == ["40", "0.50", "+1.00"]
    assert "too easy" in rows["1.1b"]
    assert "negative" in rows["1.1c"]
    assert "not enough data" in printed  # every other item: nobody answered it
    assert out.read_bytes().startswith(b"\x89PNG")
    funnel = [line.split() for line in printed.splitlines() if line.startswith(("1.1 ", "1.2 "))]
    assert funnel == [["1.1", "40", "40", "100%"], ["1.2", "40", "20", "50%"]]


def test_a_threshold_below_two_answers_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    with pytest.raises(SystemExit) as exit_:
        main(["content", "report", "--min-answers", "1"])
    assert exit_.value.code == 2
    assert "from 2 to" in capsys.readouterr().err

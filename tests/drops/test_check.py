from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.content_check import check_content
from drops import outline


class _FakeBank:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def count_by_drop(self) -> dict[str, int]:
        return self.counts

    def __len__(self) -> int:
        return sum(self.counts.values())


def install_bank(monkeypatch: pytest.MonkeyPatch, counts: dict[str, int]) -> None:
    monkeypatch.setattr("bot.services.content_check.load_bank", lambda: _FakeBank(counts))


def test_a_complete_course_reports_counts_and_ok(
    course_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_bank(monkeypatch, {entry.id: 6 for entry in outline.DROPS})

    report = check_content(course_folder)

    assert report.ok
    assert (report.drops, report.phases, report.faq, report.quiz_items) == (14, 4, 5, 84)
    assert report.summary().endswith("content OK")


def test_problems_make_the_report_fail_and_are_listed(
    course_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_bank(monkeypatch, {entry.id: 6 for entry in outline.DROPS if entry.id != "2.4"})
    (course_folder / "3.2.md").unlink()

    report = check_content(course_folder)

    assert not report.ok
    assert report.drops == 0
    assert any(problem.startswith("course/3.2.md: missing") for problem in report.problems)
    assert any("drop 2.4 has no quiz items" in problem for problem in report.problems)
    assert "2 problem(s)" in report.summary()

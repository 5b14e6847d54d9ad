from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.services.content_check import check_content
from drops import outline
from quizzes import QuizItem


class _FakeBank:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def count_by_drop(self) -> dict[str, int]:
        return self.counts

    def __len__(self) -> int:
        return sum(self.counts.values())

    def __iter__(self) -> Iterator[QuizItem]:
        return iter(())


def install_bank(monkeypatch: pytest.MonkeyPatch, counts: dict[str, int]) -> None:
    monkeypatch.setattr("bot.services.content_check.load_bank", lambda: _FakeBank(counts))


def test_a_complete_course_reports_counts_and_ok(
    course_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_bank(monkeypatch, {entry.id: 6 for entry in outline.DROPS})

    report = check_content(course_folder, min_drops_with_figure=0)

    assert report.ok
    assert (report.drops, report.phases, report.faq, report.quiz_items) == (14, 4, 5, 84)
    assert report.summary().endswith("content OK")


def test_problems_make_the_report_fail_and_are_listed(
    course_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_bank(monkeypatch, {entry.id: 6 for entry in outline.DROPS if entry.id != "2.4"})
    (course_folder / "3.2.md").unlink()

    report = check_content(course_folder, min_drops_with_figure=0)

    assert not report.ok
    assert report.drops == 0
    assert any(problem.startswith("course/3.2.md: missing") for problem in report.problems)
    assert any("drop 2.4 has no quiz items" in problem for problem in report.problems)
    assert "2 problem(s)" in report.summary()


def test_the_shipped_content_prints_its_cue_shares_kinds_and_figures() -> None:
    report = check_content()

    assert report.ok, report.problems
    assert report.drops_with_figure >= 8
    summary = report.summary()
    assert "key uniquely longest" in summary and "uniquely shortest" in summary
    assert "not recall" in summary
    assert f"drops with a figure: {report.drops_with_figure} of 14" in summary


def test_too_few_figures_is_a_problem(course_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_bank(monkeypatch, {entry.id: 6 for entry in outline.DROPS})

    report = check_content(course_folder, min_drops_with_figure=1)

    assert not report.ok
    assert any("drops have a figure" in problem for problem in report.problems)

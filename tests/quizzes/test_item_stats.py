"""Item statistics for ``content report``: facility, corrected point-biserial, flags, funnel.

The expected numbers are worked out by hand in the comments (deviations from the
mean, their products and squares), and the discrimination is checked against
Moodle's own formula (the item against the sum of the other marks) with numpy.
"""

import math
import random
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from quizzes.item_stats import (
    DEFAULT_MIN_ANSWERS,
    MIN_FONT_PX,
    Answer,
    DropProgress,
    ItemFlag,
    ItemReport,
    ItemStats,
    Thresholds,
    Undefined,
    discriminative_efficiency,
    drop_funnel,
    item_report,
    natural_key,
    point_biserial,
    report_figure,
    report_png,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def answers_from(matrix: dict[int, dict[str, int]], start: datetime = T0) -> list[Answer]:
    """One answer per learner and item, from {learner: {item: 1 or 0}}."""
    out = []
    for learner, marks in matrix.items():
        for k, (item, mark) in enumerate(marks.items()):
            out.append(Answer(learner, item, bool(mark), start + timedelta(minutes=k)))
    return out


# Four learners, three items:      A  B  C   total
#   1                              1  1  1     3
#   2                              1  0  1     2
#   3                              0  1  0     1
#   4                              0  0  0     0
SMALL = {
    1: {"A": 1, "B": 1, "C": 1},
    2: {"A": 1, "B": 0, "C": 1},
    3: {"A": 0, "B": 1, "C": 0},
    4: {"A": 0, "B": 0, "C": 0},
}


def by_id(report: ItemReport) -> dict[str, ItemStats]:
    return {s.item_id: s for s in report.items}


def test_facility_and_corrected_point_biserial_by_hand() -> None:
    stats = by_id(item_report(answers_from(SMALL), min_answers=4))
    # A: x = 1,1,0,0; rest = share right of B,C = 1, 1/2, 1/2, 0.
    # Deviations: x ±1/2; rest 1/2, 0, 0, -1/2. Sum of products 1/4 + 1/4 = 1/2,
    # sums of squares 1 and 1/2: r = (1/2) / sqrt(1 · 1/2) = 1/sqrt(2).
    assert stats["A"].facility == 0.5
    assert stats["A"].discrimination == pytest.approx(1 / math.sqrt(2), abs=1e-12)
    # B: x = 1,0,1,0; rest (A,C) = 1,1,0,0: products 1/4 - 1/4 - 1/4 + 1/4 = 0.
    assert stats["B"].facility == 0.5
    assert stats["B"].discrimination == pytest.approx(0.0, abs=1e-12)
    # C has the same marks and the same rest as A.
    assert stats["C"].discrimination == pytest.approx(1 / math.sqrt(2), abs=1e-12)
    for s in stats.values():
        assert (s.n, s.answers, s.paired, s.enough_data, s.undefined) == (4, 4, 4, True, None)
        assert s.flags == ()


def test_the_item_is_left_out_of_the_total() -> None:
    """With the item inside the total, A would correlate with 3,2,1,0: r = 2/sqrt(5) = 0.894
    (products 3/4+1/4+1/4+3/4 = 2, squares 1 and 5). The corrected value is 0.707."""
    stats = by_id(item_report(answers_from(SMALL), min_answers=4))
    uncorrected = np.corrcoef([1, 1, 0, 0], [3, 2, 1, 0])[0, 1]
    assert uncorrected == pytest.approx(2 / math.sqrt(5))
    assert stats["A"].discrimination != pytest.approx(uncorrected, abs=0.1)


def test_discriminative_efficiency_by_hand() -> None:
    stats = by_id(item_report(answers_from(SMALL), min_answers=4))
    # A: sorted x = 0,0,1,1 and sorted rest = 0,1/2,1/2,1 give the largest covariance,
    # 1/4 + 1/4 = 1/2, which A reaches: efficiency 1.
    assert stats["A"].efficiency == pytest.approx(1.0)
    # B: covariance 0 over the largest (sorted rest 0,0,1,1: sum 1): 0.
    assert stats["B"].efficiency == pytest.approx(0.0, abs=1e-12)


def test_negative_discrimination_is_flagged() -> None:
    # D is answered right by exactly the learners who do worst on A, B, C.
    matrix = {
        1: {"A": 1, "B": 1, "C": 1, "D": 0},
        2: {"A": 1, "B": 1, "C": 0, "D": 0},
        3: {"A": 0, "B": 0, "C": 1, "D": 1},
        4: {"A": 0, "B": 0, "C": 0, "D": 1},
    }
    d = by_id(item_report(answers_from(matrix), min_answers=4))["D"]
    # x = 0,0,1,1; rest = 1, 2/3, 1/3, 0. Deviations ∓1/2 and 1/2, 1/6, -1/6, -1/2:
    # products sum to -2/3; squares 1 and 5/9: r = (-2/3) / (sqrt(5)/3) = -2/sqrt(5).
    assert d.discrimination == pytest.approx(-2 / math.sqrt(5), abs=1e-12)
    assert d.flags == (ItemFlag.NEGATIVE_DISCRIMINATION,)


def test_equals_moodles_discrimination_index_on_a_complete_matrix() -> None:
    """When every learner answers every item, the share of the other items is their sum
    over a constant, so the number is Moodle's: corr(item, total - item), and
    Cov / Cov(sorted, sorted) for the efficiency."""
    rng = np.random.default_rng(7)
    ability = rng.normal(size=60)
    difficulty = np.array([-1.5, -0.5, 0.0, 0.5, 1.5])
    marks = (rng.random((60, 5)) < 1 / (1 + np.exp(-(ability[:, None] - difficulty)))).astype(int)
    matrix = {learner: {f"q{j}": int(marks[learner, j]) for j in range(5)} for learner in range(60)}
    stats = by_id(item_report(answers_from(matrix)))
    for j in range(5):
        x = marks[:, j]
        rest = marks.sum(axis=1) - x
        expected = np.corrcoef(x, rest)[0, 1]
        cov = np.cov(x, rest)[0, 1]
        cov_max = np.cov(np.sort(x), np.sort(rest))[0, 1]
        assert stats[f"q{j}"].facility == pytest.approx(x.mean())
        assert stats[f"q{j}"].discrimination == pytest.approx(expected, abs=1e-12)
        assert stats[f"q{j}"].efficiency == pytest.approx(cov / cov_max, abs=1e-12)


def test_a_learner_with_one_answer_counts_for_facility_not_for_discrimination() -> None:
    answers = [*answers_from(SMALL), Answer(5, "A", True, T0)]
    a = by_id(item_report(answers, min_answers=4))["A"]
    assert (a.n, a.paired, a.right) == (5, 4, 3)
    assert a.facility == pytest.approx(3 / 5)
    assert a.discrimination == pytest.approx(1 / math.sqrt(2), abs=1e-12)


def test_only_the_first_answer_of_each_learner_counts() -> None:
    """Learner 1 misses A, then gets it right on the same-day retry and at the next review;
    the records arrive newest first. Only the miss counts."""
    retries = [
        Answer(1, "A", True, T0 + timedelta(days=3)),
        Answer(1, "A", True, T0 + timedelta(hours=1)),
    ]
    first = [
        Answer(1, "A", False, T0),
        *(a for a in answers_from(SMALL) if not (a.learner_id == 1 and a.item_id == "A")),
    ]
    a = by_id(item_report(retries + first, min_answers=4))["A"]
    assert (a.n, a.answers, a.right) == (4, 6, 1)
    assert a.facility == 0.25


@pytest.mark.parametrize(
    ("marks", "reason", "flags"),
    [
        ([1, 1, 1, 1], Undefined.ALL_RIGHT, (ItemFlag.TOO_EASY,)),
        ([0, 0, 0, 0], Undefined.ALL_WRONG, (ItemFlag.TOO_HARD,)),
    ],
)
def test_an_item_without_spread_has_no_discrimination(
    marks: list[int], reason: Undefined, flags: tuple[ItemFlag, ...]
) -> None:
    matrix = {learner: {**SMALL[learner], "E": m} for learner, m in zip(SMALL, marks, strict=True)}
    report = item_report(answers_from(matrix), min_answers=4)
    e = by_id(report)["E"]
    assert e.facility == float(marks[0])
    assert (e.discrimination, e.efficiency, e.undefined) == (None, None, reason)
    assert e.flags == flags
    assert f"discrimination undefined: {reason}" in report.table()


def test_equal_rest_scores_leave_discrimination_undefined() -> None:
    matrix = {1: {"X": 1, "Y": 1}, 2: {"X": 0, "Y": 1}}
    x = by_id(item_report(answers_from(matrix), min_answers=2))["X"]
    assert (x.facility, x.discrimination, x.undefined) == (0.5, None, Undefined.REST_ALL_EQUAL)


def test_learners_with_no_other_answer_leave_discrimination_undefined() -> None:
    answers = [Answer(1, "Z", True, T0), Answer(2, "Z", False, T0)]
    z = by_id(item_report(answers, min_answers=2))["Z"]
    assert (z.facility, z.paired, z.undefined) == (0.5, 0, Undefined.NO_OTHER_ANSWERS)


def test_below_min_answers_no_number_is_given() -> None:
    report = item_report(answers_from(SMALL), min_answers=5)
    for s in report.items:
        assert not s.enough_data
        assert (s.facility, s.discrimination, s.efficiency) == (None, None, None)
        assert s.flags == (ItemFlag.NOT_ENOUGH_DATA,)
    assert report.flagged == ()
    assert len(report.short_of_data) == 3
    assert "not enough data (4 < 5 answers)" in report.table()
    assert "fewer than 5" in report.summary()


def test_min_answers_is_inclusive_and_defaults_to_30() -> None:
    assert all(s.enough_data for s in item_report(answers_from(SMALL), min_answers=4).items)
    default = item_report(answers_from(SMALL))
    assert default.min_answers == DEFAULT_MIN_ANSWERS == 30
    assert not any(s.enough_data for s in default.items)
    with pytest.raises(ValueError, match="at least 2"):
        item_report([], min_answers=1)


def one_item(right: int, of: int) -> list[Answer]:
    return [Answer(learner, "Q", learner < right, T0) for learner in range(of)]


@pytest.mark.parametrize(
    ("right", "flags"),
    [
        (18, ()),  # 0.90 is not above 0.90
        (19, (ItemFlag.TOO_EASY,)),  # 0.95
        (4, ()),  # 0.20 is not below 0.20
        (3, (ItemFlag.TOO_HARD,)),  # 0.15
    ],
)
def test_facility_thresholds(right: int, flags: tuple[ItemFlag, ...]) -> None:
    q = by_id(item_report(one_item(right, 20), min_answers=20))["Q"]
    assert q.flags == flags


def test_thresholds_can_be_changed() -> None:
    strict = Thresholds(too_easy_above=0.8, too_hard_below=0.3, negative_below=0.75)
    stats = by_id(item_report(answers_from(SMALL), min_answers=4, thresholds=strict))
    assert stats["A"].flags == (ItemFlag.NEGATIVE_DISCRIMINATION,)  # 0.707 < 0.75


def test_items_from_the_bank_come_first_and_unanswered_ones_are_listed() -> None:
    answers = [*answers_from(SMALL), Answer(1, "1.10a", True, T0), Answer(1, "1.2a", True, T0)]
    report = item_report(answers, items=["C", "never"], min_answers=4)
    assert [s.item_id for s in report.items] == ["C", "never", "1.2a", "1.10a", "A", "B"]
    never = by_id(report)["never"]
    assert (never.n, never.answers, never.flags) == (0, 0, (ItemFlag.NOT_ENOUGH_DATA,))
    assert report.learners == 4


def test_natural_key() -> None:
    ids = ["faq", "1.10a", "2.1b", "1.2b", "1.2a", "10.1a"]
    assert sorted(ids, key=natural_key) == ["1.2a", "1.2b", "1.10a", "2.1b", "10.1a", "faq"]


def test_drop_funnel_counts_distinct_learners() -> None:
    progress = [
        DropProgress(1, "1.1", True, True),
        DropProgress(1, "1.1", True, False),  # second round of the path: counted once
        DropProgress(2, "1.1", True, False),
        DropProgress(3, "1.1", False, True),  # finished implies reached
        DropProgress(1, "1.10", True, False),
        DropProgress(1, "1.2", True, True),
        DropProgress(4, "1.3", False, False),  # neither: not counted
    ]
    funnel = drop_funnel(progress, drops=["1.1", "4.1"])
    rows = [(d.drop_id, d.reached, d.finished) for d in funnel]
    assert rows == [("1.1", 3, 2), ("4.1", 0, 0), ("1.2", 1, 1), ("1.10", 1, 0)]
    assert funnel[0].finish_rate == pytest.approx(2 / 3)
    assert funnel[1].finish_rate is None


def test_the_tables_are_aligned() -> None:
    matrix = {learner: {**SMALL[learner], "E": 1} for learner in SMALL}
    progress = [DropProgress(1, "1.1", True, True), DropProgress(2, "1.1", True, False)]
    report = item_report(
        answers_from(matrix), progress, items=["A", "B", "C", "E", "Z"], min_answers=4
    )
    assert report.table() == "\n".join(
        [
            "item  n  facility  discrimination  flags",
            "----  -  --------  --------------  "
            + "-" * len("too easy; discrimination undefined: everyone got it right"),
            "A     4      0.50           +0.71",
            "B     4      0.50           +0.00",
            "C     4      0.50           +0.71",
            "E     4      1.00               -  too easy; discrimination undefined:"
            " everyone got it right",
            "Z     0         -               -  not enough data (0 < 4 answers)",
        ]
    )
    assert report.funnel_table() == "\n".join(
        [
            "drop  reached  finished  finished %",
            "----  -------  --------  ----------",
            "1.1         2         1         50%",
        ]
    )


def test_point_biserial_helpers_refuse_no_spread() -> None:
    assert point_biserial([1, 1, 1], [0.1, 0.5, 0.9]) is None
    assert point_biserial([1, 0, 1], [0.5, 0.5, 0.5]) is None
    assert point_biserial([], []) is None
    assert discriminative_efficiency([1, 0], [0.5, 0.5]) is None
    assert point_biserial([1, 0], [1.0, 0.0]) == pytest.approx(1.0)


# --- the PNG ---------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def realistic_report() -> ItemReport:
    rng = random.Random(3)
    drops = ["1.1", "1.2", "1.3", "2.1", "2.2"]
    answers, progress = [], []
    for learner in range(60):
        ability = rng.gauss(0, 1)
        reach = rng.randint(1, len(drops))
        for k, drop in enumerate(drops[:reach]):
            progress.append(DropProgress(learner, drop, True, k < reach - 1))
            for letter, difficulty in zip("abcd", (-3.0, 0.0, 1.0, 3.0), strict=True):
                p = 1 / (1 + math.exp(difficulty - ability))
                if drop == "1.2" and letter == "b":
                    p = 1 - p  # a wrong key
                answers.append(
                    Answer(learner, f"{drop}{letter}", rng.random() < p, T0 + timedelta(k))
                )
    return item_report(answers, progress, drops=drops)


def test_the_png_is_1200_px_wide_and_written(tmp_path: Path) -> None:
    report = realistic_report()
    assert report.flagged and report.short_of_data  # every kind of row is drawn
    target = tmp_path / "report.png"
    data = report_png(report, target)
    assert png_size(data) == (1200, 1500)
    assert len(data) > 20_000
    assert target.read_bytes() == data


def test_an_empty_report_still_draws() -> None:
    data = report_png(item_report([]))
    assert png_size(data) == (1200, 1500)


def test_the_figure_is_lettered_for_a_phone_and_legends_sit_outside_the_data() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    figure = report_figure(realistic_report())
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    texts = [
        t
        for t in figure.findobj(Text)
        if isinstance(t, Text) and t.get_visible() and t.get_text().strip()
    ]
    assert len(texts) > 20
    for text in texts:
        size = text.get_fontsize()
        assert isinstance(size, float | int)
        px = size * figure.dpi / 72
        assert px >= MIN_FONT_PX, f"{text.get_text()!r} is {px:.1f} px"
    renderer = canvas.get_renderer()
    legends = 0
    for axes in figure.axes:
        legend = axes.get_legend()
        if legend is None:
            continue
        legends += 1
        data_box = axes.get_window_extent(renderer)
        assert not legend.get_window_extent(renderer).overlaps(data_box)
    assert legends == 2

"""Item statistics for the course's authors: the pure core of ``content report``.

From the stored answers this module computes, per quiz item, its *facility*
(share answered right) and its *discrimination* (does answering it right go
with doing well on the rest of the quiz?), flags the items that look too easy,
too hard or that discriminate negatively, and counts per drop how many
learners reached and finished it. It reads no database and no clock: the
caller passes plain records (:class:`Answer`, :class:`DropProgress`) and gets a
:class:`ItemReport` back, which prints a table and draws a PNG.

Definitions (the model is Moodle's quiz statistics report):

* Which answers count: **each learner's first answer to an item**, earliest
  ``answered_at`` first (ties: the earlier record). Moodle's report uses "only
  the first attempt by each student" by default because later attempts build
  on earlier ones and break the assumptions of item analysis (MoodleDocs,
  *Quiz statistics calculations*, "Quizzes that allow multiple attempts").
  Here that matters more still: spaced repetition brings an item back after
  the learner has seen its explanation, and a missed item comes back the same
  day; those later answers measure memory, not the item.
* ``n``: the number of first answers to the item, i.e. of distinct learners who
  answered it. ``answers`` counts every answer, repeats included, for
  information only.
* **Facility** = right first answers / n, in [0, 1] (Moodle: "facility index",
  the mean score on the item over its maximum score; for a right/wrong item,
  the share right).
* A learner's **rest score** for item *i* = the share right of their first
  answers to the *other* items they answered. In Moodle's words the rest of
  the test score; Moodle sums marks (``summarks - mark`` in
  ``question/classes/statistics/questions/calculator.php``) because every
  student sits the same quiz. Learners here have answered different numbers of
  items (they are at different drops), so a sum would rank them by progress;
  the share ranks them by how well they answer. When every learner answered
  the same items the share is the sum over a constant, and the correlation is
  the same number Moodle computes.
* **Discrimination** = the Pearson correlation between answering item *i*
  right (1/0) and the rest score, over the learners who answered *i* and at
  least one other item: the *corrected* point-biserial (corrected item-total
  correlation). This is Moodle's "discrimination index",
  ``100 · Cov(x_i, X_i) / sqrt(V(x_i) · V(X_i))`` with ``X_i`` the rest of the
  test, reported here in [-1, 1] instead of percent. Leaving the item out of
  the total matters: with the item inside, an item correlates with itself and
  even a useless item looks discriminating.
* **Discriminative efficiency** = Cov(x_i, X_i) / Cov_max, where Cov_max pairs
  the item scores and the rest scores each sorted ascending: the largest
  covariance these marginals allow (Moodle: ``covariancemax``, "discriminative
  efficiency"). In [-1, 1] here, percent in Moodle.
* Discrimination is **undefined** (``None``, with :class:`Undefined` saying
  why) when no learner who answered the item answered any other item, when
  all of them got it right or all got it wrong (an item with no spread cannot
  correlate with anything), or when their rest scores are all equal. Nothing
  is divided by zero.
* **Not enough data**: an item with fewer than ``min_answers`` first answers
  (default :data:`DEFAULT_MIN_ANSWERS` = 30) gets no facility and no
  discrimination, only the flag :attr:`ItemFlag.NOT_ENOUGH_DATA`. With a
  handful of learners one lucky guess moves facility by 0.1 and a correlation
  over ten pairs is noise (its standard error is about 1/sqrt(n - 1)).
  The rest scores still use every answer of every item.
* **Flags** (:class:`Thresholds`): *too easy* when facility > 0.90 (the
  reading of the facility index in Moodle's quiz statistics help, as the Open
  University's guide "Moodle Quiz (iCMA) reports", 4.2, gives it: 90-94 "very
  easy", 95-100 "extremely easy"); *too hard* when facility < 0.20 (same
  table: 11-20 "difficult", 6-10 "very difficult"; and below the 0.25 a blind
  guess scores on a four-option item, which usually means a wrong key or a
  misleading distractor); *negative discrimination* when discrimination < 0: learners
  who do well elsewhere miss it more often than those who do badly, the
  classic sign of a wrong or contestable key.
* **Drop funnel**: per drop, the distinct learners who reached it and who
  finished it. A learner who finished a drop also reached it, whatever the
  record says; several records for one learner and drop (a second round of the
  path) count once.
"""

from __future__ import annotations

import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DEFAULT_MIN_ANSWERS = 30
TOO_EASY_ABOVE = 0.90
TOO_HARD_BELOW = 0.20
NEGATIVE_BELOW = 0.0

PNG_WIDTH_PX = 1200
PNG_DPI = 100
MIN_FONT_PX = 26  # at 1200 px wide; about 9-10 px where Telegram shows it on a phone
_PT = 72 / PNG_DPI  # points per pixel at PNG_DPI
_FONT_PT = 21.0  # 29 px
_SMALL_PT = 19.0  # 26.4 px: the smallest text in the figure


@dataclass(frozen=True)
class Answer:
    """One answer to one quiz item (a row of the review log).

    Attributes:
        learner_id: Who answered.
        item_id: The quiz item, e.g. ``"2.2a"``.
        correct: Whether the answer was right (FSRS rating other than Again).
        answered_at: When (aware or naive, but all of one kind: they are compared).
    """

    learner_id: int
    item_id: str
    correct: bool
    answered_at: datetime


@dataclass(frozen=True)
class DropProgress:
    """How far one learner got with one drop (a delivery).

    Attributes:
        learner_id: The learner.
        drop_id: The drop, e.g. ``"1.2"``.
        reached: The drop was sent to the learner.
        finished: The learner finished it (pressed "Done"); implies reached.
    """

    learner_id: int
    drop_id: str
    reached: bool
    finished: bool


class ItemFlag(StrEnum):
    """What an author should look at."""

    NOT_ENOUGH_DATA = "not enough data"
    TOO_EASY = "too easy"
    TOO_HARD = "too hard"
    NEGATIVE_DISCRIMINATION = "negative discrimination"


class Undefined(StrEnum):
    """Why an item's discrimination has no value."""

    NO_OTHER_ANSWERS = "no learner who answered it answered another item"
    ALL_RIGHT = "everyone got it right"
    ALL_WRONG = "everyone got it wrong"
    REST_ALL_EQUAL = "the learners' other scores are all equal"


@dataclass(frozen=True)
class Thresholds:
    """Where the flags start (see the module docstring for the sources).

    Attributes:
        too_easy_above: Facility above this is flagged too easy.
        too_hard_below: Facility below this is flagged too hard.
        negative_below: Discrimination below this is flagged negative.
    """

    too_easy_above: float = TOO_EASY_ABOVE
    too_hard_below: float = TOO_HARD_BELOW
    negative_below: float = NEGATIVE_BELOW


@dataclass(frozen=True)
class ItemStats:
    """The statistics of one item.

    Attributes:
        item_id: The item.
        n: First answers (distinct learners who answered it).
        answers: All answers, repeats included.
        right: Right first answers.
        enough_data: ``n >= min_answers``; when False every number below is None.
        facility: Share of first answers that were right.
        discrimination: Corrected point-biserial, in [-1, 1]; None when
            undefined (see ``undefined``) or not enough data.
        efficiency: Discriminative efficiency, in [-1, 1]; None likewise.
        paired: Learners in the correlation (those who also answered another item).
        undefined: Why discrimination is None although there is enough data.
        flags: What to look at, in :class:`ItemFlag` order.
    """

    item_id: str
    n: int
    answers: int
    right: int
    enough_data: bool
    facility: float | None
    discrimination: float | None
    efficiency: float | None
    paired: int
    undefined: Undefined | None
    flags: tuple[ItemFlag, ...]


@dataclass(frozen=True)
class DropFunnel:
    """Learners who reached and finished one drop."""

    drop_id: str
    reached: int
    finished: int

    @property
    def finish_rate(self) -> float | None:
        """finished / reached, or None when nobody reached the drop."""
        return self.finished / self.reached if self.reached else None


@dataclass(frozen=True)
class ItemReport:
    """What :func:`item_report` found.

    Attributes:
        items: One row per item: the ``items`` passed in, in their order, then
            any other answered item in natural order ("1.2a" < "1.10a").
        funnel: One row per drop: the ``drops`` passed in, in their order,
            then any other drop in natural order.
        learners: Distinct learners with at least one answer.
        min_answers: The "enough data" threshold used.
        thresholds: The flag thresholds used.
    """

    items: tuple[ItemStats, ...]
    funnel: tuple[DropFunnel, ...]
    learners: int
    min_answers: int
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def flagged(self) -> tuple[ItemStats, ...]:
        """Items with enough data and at least one flag."""
        return tuple(s for s in self.items if s.enough_data and s.flags)

    @property
    def short_of_data(self) -> tuple[ItemStats, ...]:
        """Items with fewer than ``min_answers`` first answers."""
        return tuple(s for s in self.items if not s.enough_data)

    def table(self) -> str:
        """The items as an aligned plain-text table: item, n, facility,
        discrimination, flags. Items short of data say so instead of a number."""
        header = ("item", "n", "facility", "discrimination", "flags")
        rows = [header]
        for stats in self.items:
            rows.append(
                (
                    stats.item_id,
                    str(stats.n),
                    _number(stats.facility),
                    _signed(stats.discrimination),
                    self._flag_text(stats),
                )
            )
        widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
        right_aligned = (False, True, True, True, False)
        lines = []
        for row in rows:
            cells = [
                cell.rjust(width) if right else cell.ljust(width)
                for cell, width, right in zip(row, widths, right_aligned, strict=True)
            ]
            lines.append("  ".join(cells).rstrip())
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def funnel_table(self) -> str:
        """The drop funnel as an aligned plain-text table: drop, reached, finished, share."""
        rows = [("drop", "reached", "finished", "finished %")]
        for drop in self.funnel:
            rate = drop.finish_rate
            share = "-" if rate is None else f"{rate:.0%}"
            rows.append((drop.drop_id, str(drop.reached), str(drop.finished), share))
        widths = [max(len(row[c]) for row in rows) for c in range(4)]
        lines = [
            "  ".join(
                cell.ljust(width) if c == 0 else cell.rjust(width)
                for c, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def summary(self) -> str:
        """One paragraph: learners, items with enough data, items flagged."""
        enough = len(self.items) - len(self.short_of_data)
        text = (
            f"{self.learners} learners; {enough} of {len(self.items)} items have at least "
            f"{self.min_answers} first answers; {len(self.flagged)} flagged."
        )
        if self.short_of_data:
            text += (
                f" {len(self.short_of_data)} items have fewer than {self.min_answers}:"
                " no facility or discrimination is given for them."
            )
        return text

    def _flag_text(self, stats: ItemStats) -> str:
        if not stats.enough_data:
            return f"not enough data ({stats.n} < {self.min_answers} answers)"
        parts = [str(flag) for flag in stats.flags]
        if stats.undefined is not None:
            parts.append(f"discrimination undefined: {stats.undefined}")
        return "; ".join(parts)


def item_report(
    answers: Iterable[Answer],
    progress: Iterable[DropProgress] = (),
    *,
    items: Sequence[str] = (),
    drops: Sequence[str] = (),
    min_answers: int = DEFAULT_MIN_ANSWERS,
    thresholds: Thresholds | None = None,
) -> ItemReport:
    """Compute the item statistics and the drop funnel.

    Args:
        answers: Every stored answer, in any order (repeats included; only each
            learner's first answer to an item counts, see the module docstring).
        progress: One record per learner and drop reached (more are merged).
        items: Item ids to report even if nobody answered them (the bank), in
            display order; answered items not listed follow in natural order.
        drops: Drop ids likewise, for the funnel.
        min_answers: Fewer first answers than this: "not enough data".
        thresholds: Where the flags start; the documented defaults if None.

    Returns:
        The report.

    Raises:
        ValueError: ``min_answers`` below 2 (one answer cannot correlate).
    """
    if min_answers < 2:
        raise ValueError(f"min_answers must be at least 2, got {min_answers}")
    limits = thresholds if thresholds is not None else Thresholds()

    totals: dict[str, int] = defaultdict(int)
    firsts: dict[tuple[int, str], Answer] = {}
    for answer in answers:
        totals[answer.item_id] += 1
        key = (answer.learner_id, answer.item_id)
        kept = firsts.get(key)
        if kept is None or answer.answered_at < kept.answered_at:
            firsts[key] = answer

    by_item: dict[str, dict[int, int]] = defaultdict(dict)
    right_by_learner: dict[int, int] = defaultdict(int)
    count_by_learner: dict[int, int] = defaultdict(int)
    for (learner, item), answer in firsts.items():
        mark = int(answer.correct)
        by_item[item][learner] = mark
        right_by_learner[learner] += mark
        count_by_learner[learner] += 1

    item_ids = _ordered(items, by_item.keys())
    rows = tuple(
        _item_stats(
            item,
            by_item.get(item, {}),
            totals.get(item, 0),
            right_by_learner,
            count_by_learner,
            min_answers,
            limits,
        )
        for item in item_ids
    )
    return ItemReport(
        items=rows,
        funnel=drop_funnel(progress, drops=drops),
        learners=len(count_by_learner),
        min_answers=min_answers,
        thresholds=limits,
    )


def drop_funnel(
    progress: Iterable[DropProgress], *, drops: Sequence[str] = ()
) -> tuple[DropFunnel, ...]:
    """Distinct learners who reached and finished each drop.

    ``drops`` come first in their order (with zeros if nobody reached one),
    then any other drop in natural order.
    """
    reached: dict[str, set[int]] = defaultdict(set)
    finished: dict[str, set[int]] = defaultdict(set)
    for record in progress:
        if record.reached or record.finished:
            reached[record.drop_id].add(record.learner_id)
        if record.finished:
            finished[record.drop_id].add(record.learner_id)
    return tuple(
        DropFunnel(drop, len(reached.get(drop, ())), len(finished.get(drop, ())))
        for drop in _ordered(drops, reached.keys())
    )


def point_biserial(marks: Sequence[int], rest: Sequence[float]) -> float | None:
    """Pearson correlation of 0/1 ``marks`` with ``rest``; None if either has no spread."""
    if len(set(marks)) < 2 or len(set(rest)) < 2:
        return None  # no spread: checked on the values, not on rounded sums of squares
    mark_dev, rest_dev = _deviations(marks), _deviations(rest)
    mark_ss = math.fsum(d * d for d in mark_dev)
    rest_ss = math.fsum(d * d for d in rest_dev)
    covariance = math.fsum(a * b for a, b in zip(mark_dev, rest_dev, strict=True))
    return _clamp(covariance / math.sqrt(mark_ss * rest_ss))


def discriminative_efficiency(marks: Sequence[int], rest: Sequence[float]) -> float | None:
    """Cov(marks, rest) over the largest covariance the two marginals allow
    (both sorted ascending), as Moodle's ``covariancemax``; None when that is 0."""
    if len(set(marks)) < 2 or len(set(rest)) < 2:
        return None
    mark_dev, rest_dev = _deviations(marks), _deviations(rest)
    covariance = math.fsum(a * b for a, b in zip(mark_dev, rest_dev, strict=True))
    largest = math.fsum(a * b for a, b in zip(sorted(mark_dev), sorted(rest_dev), strict=True))
    if largest <= 0:
        return None
    return _clamp(covariance / largest)


def _item_stats(
    item: str,
    marks_by_learner: dict[int, int],
    answers: int,
    right_by_learner: dict[int, int],
    count_by_learner: dict[int, int],
    min_answers: int,
    limits: Thresholds,
) -> ItemStats:
    n = len(marks_by_learner)
    right = sum(marks_by_learner.values())
    marks: list[int] = []
    rest: list[float] = []
    for learner, mark in marks_by_learner.items():
        others = count_by_learner[learner] - 1
        if others > 0:
            marks.append(mark)
            rest.append((right_by_learner[learner] - mark) / others)
    if n < min_answers:
        return ItemStats(
            item_id=item,
            n=n,
            answers=answers,
            right=right,
            enough_data=False,
            facility=None,
            discrimination=None,
            efficiency=None,
            paired=len(marks),
            undefined=None,
            flags=(ItemFlag.NOT_ENOUGH_DATA,),
        )
    facility = right / n
    discrimination = point_biserial(marks, rest)
    efficiency = discriminative_efficiency(marks, rest) if discrimination is not None else None
    undefined = _why_undefined(marks, rest) if discrimination is None else None
    flags = []
    if facility > limits.too_easy_above:
        flags.append(ItemFlag.TOO_EASY)
    if facility < limits.too_hard_below:
        flags.append(ItemFlag.TOO_HARD)
    if discrimination is not None and discrimination < limits.negative_below:
        flags.append(ItemFlag.NEGATIVE_DISCRIMINATION)
    return ItemStats(
        item_id=item,
        n=n,
        answers=answers,
        right=right,
        enough_data=True,
        facility=facility,
        discrimination=discrimination,
        efficiency=efficiency,
        paired=len(marks),
        undefined=undefined,
        flags=tuple(flags),
    )


def _why_undefined(marks: Sequence[int], rest: Sequence[float]) -> Undefined:
    if not marks:
        return Undefined.NO_OTHER_ANSWERS
    if all(marks):
        return Undefined.ALL_RIGHT
    if not any(marks):
        return Undefined.ALL_WRONG
    return Undefined.REST_ALL_EQUAL


def _deviations(values: Sequence[float]) -> list[float]:
    if not values:
        return []
    mean = math.fsum(values) / len(values)
    return [v - mean for v in values]


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))


_DIGITS = re.compile(r"(\d+)")


def natural_key(identifier: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that puts "1.2a" before "1.10a" (numbers compare as numbers)."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in _DIGITS.split(identifier)
        if part
    )


def _ordered(first: Sequence[str], seen: Iterable[str]) -> list[str]:
    listed = list(dict.fromkeys(first))
    known = set(listed)
    return listed + sorted((s for s in seen if s not in known), key=natural_key)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f}"


# --- the figure ------------------------------------------------------------------------


def report_png(report: ItemReport, path: Path | None = None) -> bytes:
    """Draw the report as a PNG 1200 px wide, lettered for a phone.

    Top: facility (x) against discrimination (y) for the items with enough data,
    the flagged regions shaded and flagged items labelled; items whose
    discrimination is undefined sit on the x axis as hollow marks. Bottom: the
    drop funnel, reached and finished learners per drop. Legends sit above the
    panels, outside the data.

    Args:
        report: What :func:`item_report` returned.
        path: Also write the PNG there (parent folders must exist).

    Returns:
        The PNG's bytes.
    """
    figure = report_figure(report)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PNG_DPI)
    data = buffer.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def report_figure(report: ItemReport) -> Figure:
    """The matplotlib figure behind :func:`report_png` (object API, no pyplot)."""
    from matplotlib.figure import Figure

    height_px = 1500
    figure = Figure(
        figsize=(PNG_WIDTH_PX / PNG_DPI, height_px / PNG_DPI),
        dpi=PNG_DPI,
        layout="constrained",
    )
    scatter_axes, funnel_axes = figure.subplots(2, 1, height_ratios=(3, 2))
    shown = len(report.items) - len(report.short_of_data)
    short = len(report.short_of_data)
    figure.suptitle(
        f"Quiz items: {shown} with ≥ {report.min_answers} answers, "
        f"{len(report.flagged)} flagged"
        + (f"\n{short} with fewer answers are not shown" if short else ""),
        fontsize=_FONT_PT + 2,
    )
    _scatter_panel(scatter_axes, report)
    _funnel_panel(funnel_axes, report)
    return figure


_COLOURS = {
    "ok": "#1f77b4",
    "flagged": "#d62728",
    "undefined": "#7f7f7f",
    "shade": "#fbe3e3",
    "reached": "#9ecae1",
    "finished": "#1f77b4",
}


def _style(axes: Axes) -> None:
    axes.tick_params(labelsize=_SMALL_PT)
    axes.xaxis.label.set_fontsize(_FONT_PT)
    axes.yaxis.label.set_fontsize(_FONT_PT)
    axes.title.set_fontsize(_FONT_PT + 2)


def _scatter_panel(axes: Axes, report: ItemReport) -> None:
    limits = report.thresholds
    axes.set_xlim(0.0, 1.0)
    axes.set_ylim(-1.0, 1.0)
    axes.axvspan(0.0, limits.too_hard_below, color=_COLOURS["shade"], zorder=0)
    axes.axvspan(limits.too_easy_above, 1.0, color=_COLOURS["shade"], zorder=0)
    axes.axhspan(-1.0, limits.negative_below, color=_COLOURS["shade"], zorder=0)
    axes.axhline(0.0, color="black", linewidth=1)
    band: dict[str, Any] = {"fontsize": _SMALL_PT, "color": _COLOURS["flagged"], "zorder": 1}
    axes.text(limits.too_hard_below / 2, 0.97, "too hard", ha="center", va="top", **band)
    axes.text(
        (limits.too_easy_above + 1.0) / 2,
        0.97,
        "too easy",
        ha="center",
        va="top",
        rotation=90,
        **band,
    )
    axes.text(0.5, -0.97, "negative discrimination", ha="center", va="bottom", **band)
    axes.set_xlabel("facility (share right, first answers)")
    axes.set_ylabel("discrimination")
    shown = [s for s in report.items if s.enough_data]
    _style(axes)
    if not shown:
        axes.text(
            0.5,
            0.5,
            f"Not enough data yet:\nevery item has fewer than {report.min_answers} answers",
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=_FONT_PT,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 12},
            zorder=5,
        )
        return
    groups: dict[str, list[tuple[float, float]]] = {"ok": [], "flagged": [], "undefined": []}
    for stats in shown:
        assert stats.facility is not None  # enough data
        if stats.discrimination is None:
            groups["undefined"].append((stats.facility, 0.0))
        else:
            kind = "flagged" if stats.flags else "ok"
            groups[kind].append((stats.facility, stats.discrimination))
    labels = {
        "ok": "item",
        "flagged": "flagged item",
        "undefined": "discrimination undefined",
    }
    for kind, points in groups.items():
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        style: dict[str, Any] = (
            {"facecolors": "none", "edgecolors": _COLOURS[kind], "linewidths": 2.5}
            if kind == "undefined"
            else {"color": _COLOURS[kind]}
        )
        axes.scatter(xs, ys, s=160, label=labels[kind], zorder=3, **style)
    for stats, (x, y) in _labels_that_fit(report.flagged):
        axes.annotate(
            stats.item_id,
            (x, y),
            xytext=(8, 8),
            textcoords="offset points",
            fontsize=_SMALL_PT,
            zorder=4,
        )
    axes.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncols=3,
        fontsize=_SMALL_PT,
        frameon=False,
        borderaxespad=0.0,
        handletextpad=0.3,
        columnspacing=1.0,
    )


def _labels_that_fit(
    flagged: Sequence[ItemStats],
) -> list[tuple[ItemStats, tuple[float, float]]]:
    """The flagged items whose labels do not run into an earlier label, the most
    negative discrimination first; crowded ones are left to the table.

    Label boxes are estimated in data units for the scatter panel's size (about
    1000 x 750 px for facility 0..1 and discrimination -1..1).
    """
    char_w = 0.6 * _SMALL_PT / _PT / 1000  # facility units per character
    line_h = 1.3 * _SMALL_PT / _PT / 750 * 2  # discrimination units per line
    placed: list[tuple[float, float, float, float]] = []
    chosen = []
    order = sorted(
        (s for s in flagged if s.facility is not None),
        key=lambda s: s.discrimination if s.discrimination is not None else 0.0,
    )
    for stats in order:
        assert stats.facility is not None
        x = stats.facility
        y = stats.discrimination if stats.discrimination is not None else 0.0
        box = (x, y, x + 0.012 + char_w * len(stats.item_id), y + 0.03 + line_h)
        if any(_overlap(box, other) for other in placed):
            continue
        placed.append(box)
        chosen.append((stats, (x, y)))
    return chosen


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _funnel_panel(axes: Axes, report: ItemReport) -> None:
    axes.set_xlabel("drop")
    axes.set_ylabel("learners")
    _style(axes)
    if not report.funnel:
        axes.set_xticks([])
        axes.set_yticks([])
        axes.text(
            0.5,
            0.5,
            "No drop reached yet",
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=_FONT_PT,
        )
        return
    positions = range(len(report.funnel))
    width = 0.4
    axes.bar(
        [p - width / 2 for p in positions],
        [d.reached for d in report.funnel],
        width,
        color=_COLOURS["reached"],
        label="reached",
    )
    axes.bar(
        [p + width / 2 for p in positions],
        [d.finished for d in report.funnel],
        width,
        color=_COLOURS["finished"],
        label="finished",
    )
    many = len(report.funnel) > 16
    axes.set_xticks(
        list(positions),
        [d.drop_id for d in report.funnel],
        rotation=90 if many else 0,
        fontsize=_SMALL_PT,
    )
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    axes.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncols=2,
        fontsize=_SMALL_PT,
        frameon=False,
        borderaxespad=0.0,
    )

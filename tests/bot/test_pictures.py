"""Every picture the bot sends is readable inline on a phone.

Telegram shows a photo about 340 CSS pixels wide in a chat. A picture drawn 1200 pixels
wide must then use text at least 26 pixels high, not be a thin strip, keep legends off
the data and cut nothing off. The /stats chart is drawn here; the course figures are
checked in full by tests/drops_figures (here: their committed PNGs' size and shape); the
/distill curves are kd_sandbox's (see its own tests).
"""

from __future__ import annotations

import struct
from datetime import date

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.telegram.views.chart import forecast_figure, forecast_png
from drops.figures import FIGURES
from tests.drops_figures.lesson_files import FIGURES_FOLDER

PHONE_WIDTH_PX = 1200
MIN_TEXT_PX = 26.0
ASPECT = (0.6, 1.25)  # height / width: not a strip, not a tower


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def phone_problems(fig: Figure) -> list[str]:
    """What makes ``fig`` hard to read at phone width; empty when nothing does."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width_px, height_px = fig.get_figwidth() * fig.dpi, fig.get_figheight() * fig.dpi
    problems = []
    if round(width_px) != PHONE_WIDTH_PX:
        problems.append(f"{width_px:.0f} px wide, not {PHONE_WIDTH_PX}")
    if not ASPECT[0] <= height_px / width_px <= ASPECT[1]:
        problems.append(f"{width_px:.0f} × {height_px:.0f} is a strip")
    scale = PHONE_WIDTH_PX / width_px
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            size_px = text.get_fontsize() * fig.dpi / 72 * scale
            if size_px < MIN_TEXT_PX:
                problems.append(f"{text.get_text()!r} is {size_px:.1f} px")
    box = fig.get_tightbbox(renderer)
    inches = fig.get_size_inches()
    slack = 2 / fig.dpi
    if box.x0 < -slack or box.y0 < -slack or box.x1 > inches[0] + slack:
        problems.append("something is cut off")
    if box.y1 > inches[1] + slack:
        problems.append("something is cut off")
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            overlap = legend.get_window_extent(renderer).intersection(
                legend.get_window_extent(renderer), ax.get_window_extent(renderer)
            )
            if overlap is not None and min(overlap.width, overlap.height) >= 2:
                problems.append("a legend covers the data")
    return problems


def text_sizes_px(fig: Figure) -> list[float]:
    fig.canvas.draw()
    return sorted(
        t.get_fontsize() * fig.dpi / 72 * PHONE_WIDTH_PX / (fig.get_figwidth() * fig.dpi)
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    )


@pytest.mark.parametrize(
    "counts",
    [[0] * 14, [3, 0, 5, 1, 0, 0, 12, 4, 0, 2, 1, 0, 0, 7], [250, 1, 90, 0] + [999] * 10],
)
def test_the_stats_chart_is_drawn_for_a_phone(counts: list[int]) -> None:
    fig = forecast_figure(counts, date(2026, 12, 6))
    assert phone_problems(fig) == []
    assert min(text_sizes_px(fig)) >= MIN_TEXT_PX
    width, height = png_size(forecast_png(counts, date(2026, 12, 6)))
    assert width == PHONE_WIDTH_PX and ASPECT[0] <= height / width <= ASPECT[1]


def test_the_check_catches_the_old_strip_chart() -> None:
    """The chart /stats sent before: 770 × 352 pixels, 8-point labels, a legend on the data."""
    fig = Figure(figsize=(7, 3.2), dpi=110, layout="constrained")
    ax = fig.subplots()
    ax.bar(range(14), range(14), label="due")
    ax.set_xticks(range(14), [f"Mon {d}" for d in range(14)], fontsize=8)
    ax.legend(loc="upper left")
    problems = phone_problems(fig)
    assert any("px wide" in p for p in problems) and any("strip" in p for p in problems)
    assert any("'Mon 1' is" in p for p in problems)
    assert "a legend covers the data" in problems


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_each_course_figure_is_phone_sized(name: str) -> None:
    width, height = png_size((FIGURES_FOLDER / f"{name}.png").read_bytes())
    assert width == PHONE_WIDTH_PX and ASPECT[0] <= height / width <= ASPECT[1], (width, height)

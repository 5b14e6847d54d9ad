"""The 14-day forecast of reviews (within the daily cap) as a PNG chart drawn for a phone.

Drawn for a phone (``kd_sandbox.phone_style``): 1200 pixels wide and about as tall (not
a strip), every text at least 19 points (26 pixels at that width), one bar a day as a row
so each day's label reads horizontally, the count at the end of its bar, and no legend to
cover anything (one series; the caption says what it is).

matplotlib is imported inside the functions: the bot's process pays for it only when
someone asks for /stats, and the caller runs it in a thread (it is CPU work).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from kd_sandbox.phone_style import BLUE, MIN_TEXT_PT, VERMILLION, phone_figure, png_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

HEIGHT_PX = 1050
BAR = BLUE
TODAY = VERMILLION


def forecast_figure(counts: Sequence[int], first_day: date) -> Figure:
    """A row per day, today on top in its own colour, labelled "Today", "Tue 8", ..."""
    from matplotlib.ticker import MaxNLocator

    days = [first_day + timedelta(days=offset) for offset in range(len(counts))]
    labels = ["Today"] + [f"{day:%a} {day.day}" for day in days[1:]]
    figure = phone_figure(HEIGHT_PX)
    axes = figure.subplots()
    rows = list(range(len(counts)))
    colours = [TODAY] + [BAR] * (len(counts) - 1)
    bars = axes.barh(rows, counts, color=colours, height=0.72)
    axes.bar_label(bars, labels=[str(c) for c in counts], padding=8, fontsize=MIN_TEXT_PT + 1)
    axes.set_yticks(rows, labels, fontsize=MIN_TEXT_PT + 1)
    axes.invert_yaxis()  # today on top
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    axes.tick_params(axis="x", labelsize=MIN_TEXT_PT)
    axes.set_xlim(0, max([*counts, 1]) * 1.18)  # room for the count after the longest bar
    axes.set_xlabel("reviews to do", fontsize=MIN_TEXT_PT + 1)
    axes.set_title("Your reviews, next 14 days", fontsize=MIN_TEXT_PT + 5, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", alpha=0.3)
    return figure


def forecast_png(counts: Sequence[int], first_day: date) -> bytes:
    """The forecast chart as PNG bytes, 1200 × 1050 pixels."""
    return png_bytes(forecast_figure(counts, first_day))

"""The 14-day forecast of due reviews as a PNG bar chart.

matplotlib is imported inside the function: the bot's process pays for it only
when someone asks for /stats, and the caller runs it in a thread (it is CPU work).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta


def forecast_png(counts: Sequence[int], first_day: date) -> bytes:
    """A bar per day, today first, labelled with weekday and date."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    days = [first_day + timedelta(days=offset) for offset in range(len(counts))]
    labels = ["Today"] + [f"{day:%a} {day.day}" for day in days[1:]]
    figure = Figure(figsize=(7, 3.2), dpi=110, layout="constrained")
    axes = figure.subplots()
    bars = axes.bar(range(len(counts)), counts, color="#3b7dd8")
    axes.bar_label(bars, labels=[str(c) if c else "" for c in counts], fontsize=8)
    axes.set_xticks(range(len(counts)), labels, rotation=45, ha="right", fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([*counts, 1]) * 1.2)
    axes.set_ylabel("reviews due")
    axes.set_title("Your reviews, next 14 days")
    axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

"""One look for every picture the bot sends, drawn for a phone's inline view.

Telegram shows a photo about 340 CSS pixels wide in a chat. Every picture is drawn
1200 pixels wide (12 inches at 100 dpi) and no text is smaller than 19 points, 26.4
pixels at that width. Legends sit outside the data, lines differ by colour and by dash
(the Okabe–Ito palette, which colour-blind readers tell apart too), and an axis whose
values span decades is logarithmic.

Torch- and numpy-free; matplotlib is imported inside the functions, so reading the
numbers here costs nothing (the bot's /stats chart and the course figures use them too).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_PX = 1200
DPI = 100
MIN_TEXT_PX = 26.0
MIN_TEXT_PT = 19  # 26.4 px at DPI 100
ASPECT = (0.6, 1.25)  # height / width: neither a strip nor a tower

# Text sizes (none under MIN_TEXT_PT) and a light frame: every picture, course figures too.
TEXT_RC: dict[str, Any] = {
    "font.size": 20,
    "axes.titlesize": 21,
    "axes.labelsize": 20,
    "xtick.labelsize": MIN_TEXT_PT,
    "ytick.labelsize": MIN_TEXT_PT,
    "legend.fontsize": MIN_TEXT_PT,
    "figure.titlesize": 23,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# Curves over steps (/distill): thick lines on a faint grid, legends without a frame.
CURVES_RC: dict[str, Any] = {
    **TEXT_RC,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "lines.linewidth": 3.0,
}

# Okabe & Ito (2008).
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
ORANGE = "#E69F00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#777777"

SOLID = "-"
DASHED: tuple[int, tuple[float, ...]] = (0, (6.0, 2.5))
DOTTED: tuple[int, tuple[float, ...]] = (0, (1.2, 1.8))
DASH_DOT: tuple[int, tuple[float, ...]] = (0, (6.0, 2.0, 1.5, 2.0))
LONG_DASH: tuple[int, tuple[float, ...]] = (0, (12.0, 4.0))
DASH_DOT_DOT: tuple[int, tuple[float, ...]] = (0, (5.0, 2.0, 1.5, 2.0, 1.5, 2.0))
SPARSE_DOT: tuple[int, tuple[float, ...]] = (0, (1.0, 3.5))

LEGEND_GAP_IN = 0.9  # below the axes: past the tick labels and the x label


@contextmanager
def phone_style(rc: dict[str, Any] = CURVES_RC) -> Iterator[None]:
    """matplotlib's defaults for a phone picture, for the figures drawn inside."""
    import matplotlib

    style: Any = rc  # matplotlib types rc keys as literals; these are all valid
    with matplotlib.rc_context(style):
        yield


def phone_figure(height_px: int) -> Figure:
    """An empty figure ``WIDTH_PX`` wide with constrained layout, drawn by Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def legend_below(axes: Axes, ncols: int = 2, gap_in: float = LEGEND_GAP_IN) -> None:
    """The axes' legend under its x label, centred: it never covers a line. ``gap_in``:
    inches below the axes (less for axes whose shared x axis shows no tick labels)."""
    from matplotlib.transforms import ScaledTranslation

    below = axes.transAxes + ScaledTranslation(0, -gap_in, axes.figure.dpi_scale_trans)
    axes.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=below,
        ncols=ncols,
        handlelength=3.0,
        borderaxespad=0.0,
        frameon=False,
    )


def log_scale_if_spanning_decades(axes: Axes, values: Sequence[float]) -> bool:
    """A log y axis when the values are all positive and span a factor of ten or more."""
    if not values or min(values) <= 0 or max(values) < 10 * min(values):
        return False
    axes.set_yscale("log")
    return True


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes, without a "Software" stamp (same input, same bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()

"""Every course figure renders, is readable on a phone, and matches its committed PNG.

Telegram shows a photo about 340 CSS pixels wide in a chat. The figures are drawn 1200
pixels wide, so text must be at least ``MIN_TEXT_PX`` (26) pixels high there, legends sit
outside the data, series differ by colour and by dash, and nothing is cut off.
"""

from __future__ import annotations

import struct
from functools import cache
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text

from drops import figures
from drops.figures import (
    FIGURES,
    MIN_TEXT_PX,
    PHONE_WIDTH_PX,
    draw_figure,
    render_all,
    render_figure,
    text_px,
)
from tests.drops_figures.lesson_files import FIGURES_FOLDER, all_drop_paths, split_front_matter

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@cache
def rendered(name: str) -> bytes:
    # Rendering takes a few seconds in all; each figure is drawn once per test session.
    return render_figure(name)


@cache
def drawn(name: str) -> Figure:
    return draw_figure(name)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the PNG header: the IHDR chunk always comes first."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(imread(BytesIO(data), format="png"), dtype=np.float64)


def shown_texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def legends(fig: Figure) -> list[Legend]:
    found = list(fig.legends)
    found += [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return found


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_renders_a_phone_sized_png(name: str) -> None:
    data = rendered(name)
    width, height = png_size(data)
    assert width == PHONE_WIDTH_PX
    # Landscape, but tall enough that a phone shows it at a useful size.
    assert 0.6 <= height / width <= 0.75
    # A blank or broken drawing compresses to almost nothing; a phone wants < 200 KB.
    assert 20_000 < len(data) < 200_000


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_text_is_legible_at_phone_width(name: str) -> None:
    fig = drawn(name)
    texts = shown_texts(fig)
    assert len(texts) >= 8, "titles, axis labels and tick labels at least"
    too_small = {
        t.get_text(): round(text_px(t.get_fontsize(), fig), 1)
        for t in texts
        if text_px(t.get_fontsize(), fig) < MIN_TEXT_PX
    }
    assert not too_small, f"text under {MIN_TEXT_PX} px at {PHONE_WIDTH_PX} px wide: {too_small}"


def test_the_legibility_check_counts_pixels_at_phone_width() -> None:
    small = Figure(figsize=(6, 4), dpi=figures.DPI)
    # The same 19 points is twice as large once a 600-pixel figure is shown 1200 wide.
    assert text_px(19, small) == pytest.approx(2 * 19 * figures.DPI / 72)
    assert text_px(19, Figure(figsize=(12, 8), dpi=figures.DPI)) >= MIN_TEXT_PX
    assert text_px(15, Figure(figsize=(12, 8), dpi=figures.DPI)) < MIN_TEXT_PX


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_nothing_is_cut_off(name: str) -> None:
    fig = drawn(name)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = fig.get_tightbbox(renderer)  # inches: everything drawn, titles and legends too
    width, height = fig.get_size_inches()
    slack = 2 / figures.DPI
    assert box.x0 >= -slack and box.y0 >= -slack
    assert box.x1 <= width + slack and box.y1 <= height + slack


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_legends_sit_outside_the_data(name: str) -> None:
    fig = drawn(name)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for legend in legends(fig):
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            overlap = box.intersection(box, ax.get_window_extent(renderer))
            assert overlap is None or min(overlap.width, overlap.height) < 2, (
                f"a legend of {name} covers a plot: {[t.get_text() for t in legend.texts]}"
            )


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_series_differ_by_colour_and_by_dash(name: str) -> None:
    for legend in legends(drawn(name)):
        lines = [h for h in legend.legend_handles if isinstance(h, Line2D)]
        colours = [str(line.get_color()) for line in lines]
        dashes = [str(line.get_linestyle()) for line in lines]
        assert len(set(colours)) == len(lines), f"{name}: two series share a colour"
        assert len(set(dashes)) == len(lines), f"{name}: two series share a dash"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_committed_png_shows_what_the_code_draws_now(name: str) -> None:
    committed = FIGURES_FOLDER / f"{name}.png"
    assert committed.is_file(), f"run render_all to write drops/figures/{name}.png"
    assert committed.stat().st_size < 200_000
    now, then = pixels(rendered(name)), pixels(committed.read_bytes())
    assert now.shape == then.shape
    # Same matplotlib, same pixels (rendering is deterministic). Changing one logit of
    # soft_targets by 0.5 changes 0.15% of its pixels, so allow under 0.1%: a little room
    # for another font rasteriser, none for a changed plot.
    changed = (np.abs(now - then).max(axis=-1) > 0.05).mean()
    assert changed < 0.001, (
        f"{changed:.2%} of drops/figures/{name}.png differs from what drops/figures.py draws "
        "now: render the figures again (drops.figures.render_all) and commit them"
    )


def named_figures() -> dict[str, str]:
    named = {}
    for path in all_drop_paths():
        meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
        if meta.get("figure") is not None:
            named[path.stem] = meta["figure"]
    return named


def test_every_figure_a_drop_names_is_registered_and_committed() -> None:
    named = named_figures()
    for drop_id, name in named.items():
        assert name in FIGURES, f"drop {drop_id} names unknown figure {name!r}"
        assert (FIGURES_FOLDER / f"{name}.png").is_file(), f"drop {drop_id}: {name}.png missing"


def test_at_least_eight_drops_have_a_figure_of_their_own() -> None:
    named = named_figures()
    assert len(named) >= 8
    assert {"1.2", "2.1", "2.2", "2.3", "2.5", "3.1", "3.2", "3.3", "3.4", "4.1"} <= set(named)
    assert len(set(named.values())) == len(named), "each drop has its own picture"
    assert set(named.values()) == set(FIGURES), "every registered figure is shown by a drop"
    committed = {path.stem for path in FIGURES_FOLDER.glob("*.png")}
    assert committed == set(FIGURES), "no stale PNGs in drops/figures"


def test_unknown_figure_name_is_refused_with_the_known_names() -> None:
    with pytest.raises(KeyError, match="soft_targets"):
        render_figure("no_such_figure")
    with pytest.raises(KeyError, match="soft_targets"):
        draw_figure("no_such_figure")


def test_render_all_writes_one_png_per_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two cheap figures stand in for the registry: the wiring is what is tested here.
    cheap = {"first": figures.soft_targets_figure, "second": figures.soft_targets_figure}
    monkeypatch.setattr(figures, "FIGURES", cheap)
    written = render_all(tmp_path / "out")
    assert sorted(path.name for path in written) == ["first.png", "second.png"]
    for path in written:
        assert path.read_bytes()[:8] == PNG_SIGNATURE

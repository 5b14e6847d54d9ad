"""Every course figure renders, is phone-sized, and matches its committed PNG."""

from __future__ import annotations

import struct
from functools import cache
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from drops import figures
from drops.figures import FIGURES, render_all, render_figure
from tests.drops_figures.lesson_files import FIGURES_FOLDER, all_drop_paths, split_front_matter

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@cache
def rendered(name: str) -> bytes:
    # Rendering takes a few seconds in all; each figure is drawn once per test session.
    return render_figure(name)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the PNG header: the IHDR chunk always comes first."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(imread(BytesIO(data), format="png"), dtype=np.float64)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_renders_a_phone_sized_png(name: str) -> None:
    data = rendered(name)
    width, height = png_size(data)
    assert 1000 <= width <= 1400
    assert 700 <= height <= 1000
    # A blank or broken drawing compresses to almost nothing; a phone wants < 200 KB.
    assert 20_000 < len(data) < 200_000


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


def test_every_figure_a_drop_names_is_registered_and_committed() -> None:
    named = {}
    for path in all_drop_paths():
        meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
        if meta.get("figure") is not None:
            named[path.name] = meta["figure"]
    assert {"2.2.md", "2.3.md", "2.5.md"} <= set(named)
    for drop_file, name in named.items():
        assert name in FIGURES, f"{drop_file} names unknown figure {name!r}"
        assert (FIGURES_FOLDER / f"{name}.png").is_file(), f"{drop_file}: {name}.png missing"


def test_unknown_figure_name_is_refused_with_the_known_names() -> None:
    with pytest.raises(KeyError, match="soft_targets"):
        render_figure("no_such_figure")


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

"""Read the shipped drop files directly, so these tests do not depend on the course loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DROPS_FOLDER = Path(__file__).resolve().parents[2] / "drops"
FIGURES_FOLDER = DROPS_FOLDER / "figures"


def read_drop(drop_id: str) -> tuple[dict[str, Any], str]:
    """Front matter and body of ``drops/<drop_id>.md``."""
    return split_front_matter((DROPS_FOLDER / f"{drop_id}.md").read_text(encoding="utf-8"))


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    _, meta, body = text.split("---\n", 2)
    return yaml.safe_load(meta), body


def all_drop_paths() -> list[Path]:
    return sorted(DROPS_FOLDER.glob("[0-9]*.md"))

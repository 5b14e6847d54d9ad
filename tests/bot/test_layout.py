"""bot/'s root holds the entry points and plumbing only; everything else is in a layer."""

from __future__ import annotations

from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
ROOT_MODULES = {"__init__.py", "__main__.py", "cli.py", "config.py", "logs.py"}
LAYERS = {"core", "storage", "services", "telegram"}


def test_bot_root_holds_entry_points_plumbing_and_the_four_layers() -> None:
    modules = {path.name for path in BOT.glob("*.py")}
    packages = {path.name for path in BOT.iterdir() if (path / "__init__.py").is_file()}
    assert modules == ROOT_MODULES
    assert packages == LAYERS

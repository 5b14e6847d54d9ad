"""bot.domain stays pure: the standard library, timezonefinder and itself, nothing else."""

import ast
import sys
from pathlib import Path

import bot.domain

ALLOWED_THIRD_PARTY = {"timezonefinder"}


def test_domain_imports_only_stdlib_timezonefinder_and_itself() -> None:
    package = Path(bot.domain.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                allowed = (
                    name.split(".")[0] in sys.stdlib_module_names
                    or name.split(".")[0] in ALLOWED_THIRD_PARTY
                    or name == "bot.domain"
                    or name.startswith("bot.domain.")
                )
                assert allowed, f"{path.name} imports {name}"

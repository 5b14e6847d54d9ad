"""What a package's own modules import, read from their source (nothing is imported)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType


def imported_names(package: ModuleType) -> Iterator[tuple[str, str]]:
    """(file name, imported module) for every import in the package's top-level modules."""
    assert package.__file__ is not None
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path.name, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path.name, node.module

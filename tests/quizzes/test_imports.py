"""quizzes may use drops and third-party libraries, never bot, kd_sandbox or Telegram."""

import ast
from pathlib import Path

import quizzes

FORBIDDEN = ("bot", "kd_sandbox", "telegram", "torch", "transformers", "sqlmodel")


def test_quizzes_import_nothing_forbidden() -> None:
    package = Path(quizzes.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"

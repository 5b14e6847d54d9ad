"""quizzes may use drops and third-party libraries, never bot, kd_sandbox or Telegram."""

import quizzes
from tests.imports import imported_names

FORBIDDEN = ("bot", "kd_sandbox", "telegram", "torch", "transformers", "sqlmodel")


def test_quizzes_import_nothing_forbidden() -> None:
    for file_name, name in imported_names(quizzes):
        assert name.split(".")[0] not in FORBIDDEN, f"{file_name} imports {name}"

"""bot.core stays pure: the standard library, timezonefinder and itself, nothing else."""

import sys

import bot.core
from tests.imports import imported_names

ALLOWED_THIRD_PARTY = {"timezonefinder"}


def test_domain_imports_only_stdlib_timezonefinder_and_itself() -> None:
    for file_name, name in imported_names(bot.core):
        allowed = (
            name.split(".")[0] in sys.stdlib_module_names
            or name.split(".")[0] in ALLOWED_THIRD_PARTY
            or name == "bot.core"
            or name.startswith("bot.core.")
        )
        assert allowed, f"{file_name} imports {name}"

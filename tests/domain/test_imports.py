"""bot.domain stays pure: the standard library, timezonefinder and itself, nothing else."""

import sys

import bot.domain
from tests.imports import imported_names

ALLOWED_THIRD_PARTY = {"timezonefinder"}


def test_domain_imports_only_stdlib_timezonefinder_and_itself() -> None:
    for file_name, name in imported_names(bot.domain):
        allowed = (
            name.split(".")[0] in sys.stdlib_module_names
            or name.split(".")[0] in ALLOWED_THIRD_PARTY
            or name == "bot.domain"
            or name.startswith("bot.domain.")
        )
        assert allowed, f"{file_name} imports {name}"

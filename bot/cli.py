"""The ``distillbot`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from bot.config import MissingTokenError, Settings
from bot.logs import configure_logging


def _settings() -> Settings:
    return Settings()


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    configure_logging(settings.log_level)
    from bot.runner import run_polling

    run_polling(settings)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.storage.migrate import current_revision, upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print(f"database is at revision {current_revision(settings.database_url)}")
    return 0


def build_parser() -> tuple[
    argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]
]:
    parser = argparse.ArgumentParser(
        prog="distillbot", description="Distill Drops: the bot and its tools."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    actions: dict[str, Callable[[argparse.Namespace], int]] = {}

    sub.add_parser("run", help="migrate the database and start the bot (long polling)")
    actions["run"] = cmd_run
    sub.add_parser("migrate", help="apply database migrations and print the revision")
    actions["migrate"] = cmd_migrate
    return parser, actions


def main(argv: Sequence[str] | None = None) -> int:
    parser, actions = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return actions[args.command](args)
    except MissingTokenError as exc:
        print(exc, file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"Configuration error (check .env / environment):\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

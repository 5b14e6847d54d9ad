"""The ``distillbot`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.config import Settings, TokenError, configuration_problems, unknown_env_file_keys
from bot.logs import configure_logging
from bot.telegram.transport.webhook import WebhookSettingsError
from drops.errors import ContentError
from drops.explorer import TEACHER_LOGITS_FILE


def _whole_number(low: int, high: int, meaning: str) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, or a clear refusal."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"give {meaning} from {low} to {high}")
        return value

    return parse


# An answers threshold: a correlation needs at least two answers.
_at_least_two = _whole_number(2, 1_000_000, "a number of answers")
_concurrency = _whole_number(1, 64, "a number of processes")


@functools.cache
def _settings() -> Settings:
    for line in unknown_env_file_keys():
        print(f"Warning: {line}", file=sys.stderr)
    return Settings()


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if args.mode is not None:
        settings = settings.model_copy(update={"run_mode": args.mode})
    token = settings.require_token()
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    # The token is masked whatever its shape (the pattern knows only BotFather's).
    configure_logging(settings.log_level, settings.log_format, secrets=[token, secret])
    from bot.storage.migrate import DatabaseUnusable
    from bot.telegram.runner import CannotStart, run

    try:
        run(settings)
    except (CannotStart, DatabaseUnusable) as error:
        print(f"The bot did not start: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.storage.migrate import DatabaseUnusable, current_revision, upgrade

    settings = _settings()
    try:
        upgrade(settings.database_url)
        revision = current_revision(settings.database_url)
    except DatabaseUnusable as error:
        print(f"Not migrated: {error}", file=sys.stderr)
        return 1
    print(f"database is at revision {revision}")
    return 0


def cmd_content_check(args: argparse.Namespace) -> int:
    from bot.services.content_check import check_content

    report = check_content()
    print(report.summary())
    return 0 if report.ok else 1


def cmd_content_report(args: argparse.Namespace) -> int:
    from bot.services.content_report import content_report
    from bot.services.quiz.bank import quiz_bank
    from bot.storage.db import make_engine, session_scope
    from drops.loader import get_course
    from quizzes import report_png

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            report = content_report(
                session, get_course(), quiz_bank(), min_answers=args.min_answers
            )
    finally:
        engine.dispose()
    print(report.summary())
    print()
    print(report.table())
    print()
    print(report.funnel_table())
    out = Path(args.out)
    report_png(report, out)
    print(f"\nwrote {out}")
    return 0


def cmd_content_figures(args: argparse.Namespace) -> int:
    from drops.figures import BUG_RUNS_FILE, render_all
    from kd_sandbox.cli import write_bug_runs, write_teacher_logits

    out = (
        Path(args.out) if args.out else Path(__file__).resolve().parent.parent / "drops" / "figures"
    )
    # Drop 2.5 draws and quotes the sandbox's own /distill bug=… runs: run them first (a
    # few minutes on CPU) into ``out``. Only the default ``out`` is the record the lesson
    # and its test read; another folder never touches the checkout.
    out.mkdir(parents=True, exist_ok=True)
    bug_runs = write_bug_runs(_settings().cache_dir, out / BUG_RUNS_FILE)
    print(f"wrote {bug_runs}")
    for path in render_all(out, bug_runs):
        print(f"wrote {path}")

    # A real teacher's logits for the Mini App's temperature explorer (trains the cached
    # teacher first if there is none yet).
    path = write_teacher_logits(_settings().cache_dir, out / TEACHER_LOGITS_FILE)
    print(f"wrote {path}")
    return 0


def cmd_distill(args: argparse.Namespace) -> int:
    from kd_sandbox.cli import main as distill_main

    argv = list(args.rest)
    if "--cache-dir" not in argv:
        argv += ["--cache-dir", str(_settings().cache_dir)]
    return distill_main(argv)


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.sandbox_broker_url is None:
        print(NO_BROKER_MESSAGE, file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, secrets=[])
    from kd_sandbox.celery_worker import NoCudaDevice, TeachersNotReady, WorkerOptions
    from kd_sandbox.celery_worker import main as worker_main

    options = WorkerOptions(
        broker_url=settings.sandbox_broker_url,
        cache_dir=settings.cache_dir,
        soft_limit_s=settings.sandbox_timeout_s,
        concurrency=args.concurrency,
        device=args.device,
        torch_threads=settings.sandbox_torch_threads,
        log_level=settings.log_level,
        name=args.name or "",
    )
    try:
        return worker_main(options)
    except NoCudaDevice as error:
        print(error, file=sys.stderr)
        return 2
    except TeachersNotReady as error:
        print(f"{error}; the worker did not start", file=sys.stderr)
        return 1


NO_BROKER_MESSAGE = """\
No broker: SANDBOX_BROKER_URL is not set.
A worker takes /distill runs from Redis, e.g. SANDBOX_BROKER_URL=redis://localhost:6379/0,
the same URL the bots use (see README, "Scaling out")."""


def cmd_srs_optimize(args: argparse.Namespace) -> int:
    from bot.services.srs_optimize import run_optimize

    settings = _settings()
    return run_optimize(
        settings.database_url,
        default_zone=settings.default_time_zone,
        day_start_hour=settings.day_start_hour,
        min_reviews=args.min_reviews,
        dry_run=args.dry_run,
    )


Action = Callable[[argparse.Namespace], int]


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Action]]:
    parser = argparse.ArgumentParser(
        prog="distillbot", description="Distill Drops: the bot and its tools."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    actions: dict[str, Action] = {}

    run = sub.add_parser("run", help="migrate the database and start the bot")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument(
        "--webhook",
        dest="mode",
        action="store_const",
        const="webhook",
        help="take updates by webhook (needs WEBHOOK_URL and WEBHOOK_SECRET; see README)",
    )
    mode.add_argument(
        "--polling",
        dest="mode",
        action="store_const",
        const="polling",
        help="take updates by long polling (the default unless RUN_MODE=webhook)",
    )
    actions["run"] = cmd_run
    sub.add_parser("migrate", help="apply database migrations and print the revision")
    actions["migrate"] = cmd_migrate

    content = sub.add_parser(
        "content", help="check the course, report on its quiz items, or redraw its figures"
    )
    content_sub = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    content_sub.add_parser("check", help="validate drops, FAQ and quiz bank; print counts")
    figures = content_sub.add_parser("figures", help="redraw the course figures (PNG)")
    figures.add_argument("--out", help="folder to write to (default: drops/figures)")
    report = content_sub.add_parser(
        "report", help="quiz item statistics and the drop funnel, from the stored answers"
    )
    report.add_argument("--out", default="content-report.png", help="where to write the PNG")
    report.add_argument(
        "--min-answers",
        type=_at_least_two,
        default=30,
        help="answers an item needs before its numbers are shown (default 30)",
    )
    actions["content check"] = cmd_content_check
    actions["content report"] = cmd_content_report
    actions["content figures"] = cmd_content_figures

    distill = sub.add_parser(
        "distill",
        help="run a /distill experiment offline: distill [settings] --out curve.png [--json]",
        add_help=False,
    )
    distill.add_argument("rest", nargs=argparse.REMAINDER)
    actions["distill"] = cmd_distill

    srs = sub.add_parser("srs", help="spaced repetition: fit FSRS parameters to the review logs")
    srs_sub = srs.add_subparsers(dest="srs_command", metavar="ACTION", required=True)
    optimize = srs_sub.add_parser(
        "optimize", help="fit course-wide FSRS parameters from all learners' review logs"
    )
    optimize.add_argument("--dry-run", action="store_true", help="fit and report; store nothing")
    optimize.add_argument(
        "--min-reviews",
        type=int,
        default=512,
        help="refuse with fewer review logs than this (default: 512)",
    )
    actions["srs optimize"] = cmd_srs_optimize

    worker = sub.add_parser(
        "worker", help="run /distill tasks from SANDBOX_BROKER_URL (Celery; imports torch)"
    )
    worker.add_argument(
        "--concurrency", type=_concurrency, default=1, help="runs at once (default 1)"
    )
    worker.add_argument(
        "--device", choices=("auto", "cpu", "cuda"), default="auto",
        help="where runs train: a GPU when there is one (auto), the CPU, or insist on a GPU",
    )  # fmt: skip
    worker.add_argument("--name", help="the worker's Celery node name (default: pid@host)")
    actions["worker"] = cmd_worker
    return parser, actions


def main(argv: Sequence[str] | None = None) -> int:
    parser, actions = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["distill"]:
        # Everything after "distill" is the sandbox CLI's own (argparse's REMAINDER would
        # refuse a leading option such as --out).
        args = argparse.Namespace(rest=words[1:])
        key = "distill"
        actions = {key: cmd_distill}
    else:
        args = parser.parse_args(words)
        if args.command is None:
            parser.print_help()
            return 2
        key = args.command
        if key == "content":
            key = f"content {args.content_command}"
        elif key == "srs":
            key = f"srs {args.srs_command}"
    try:
        return actions[key](args)
    except (TokenError, WebhookSettingsError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except ValidationError as exc:
        for line in configuration_problems(exc):
            print(f"Configuration error (fix it in .env or the environment): {line}",
                  file=sys.stderr)  # fmt: skip
        return 2
    except ContentError as exc:
        print(f"The course content is invalid; the bot will not start:\n{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

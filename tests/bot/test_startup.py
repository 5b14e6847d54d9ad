"""Starting without a token, the import boundary, and the token never reaching a log."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logs import RedactTokens
from drops.explorer import TEACHER_LOGITS_FILE
from drops.figures import BUG_RUNS_PATH, FIGURES, SILENT_FAILURES

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_run_without_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode != 0
    assert "@BotFather" in result.stderr
    assert ".env" in result.stderr


def test_migrate_creates_the_sqlite_database(tmp_path: Path) -> None:
    result = run_cli("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "revision" in result.stdout
    assert (tmp_path / "data" / "distill.db").exists()


def test_bad_configuration_is_reported_not_crashed(tmp_path: Path) -> None:
    result = run_cli("migrate", cwd=tmp_path, env={"DEFAULT_TIME_ZONE": "Mars/Olympus"})
    assert result.returncode == 2
    assert "Mars/Olympus" in result.stderr


def test_building_the_application_does_not_import_torch() -> None:
    code = (
        "import sys, bot.telegram.application, bot.cli\n"
        "heavy = [m for m in ('torch', 'transformers', 'matplotlib') if m in sys.modules]\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "message",
    [
        "POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",
        "token is 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    ],
)
def test_tokens_are_redacted_from_log_records(message: str) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, None, None)
    RedactTokens().filter(record)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in record.getMessage()


def test_content_check_reports_the_course(tmp_path: Path) -> None:
    result = run_cli("content", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "drops: 14, phases: 4, FAQ entries: 5" in result.stdout
    assert "content OK" in result.stdout


def test_content_figures_redraws_every_figure(tmp_path: Path) -> None:
    recorded = BUG_RUNS_PATH.read_bytes()
    # Trains two teachers and runs every bug from scratch: ~30 s on a quiet 2-core machine.
    result = run_cli(
        "content", "figures", "--out", str(tmp_path / "figs"), cwd=tmp_path, timeout=400
    )
    assert result.returncode == 0, result.stderr
    # Drawing elsewhere records its own bug runs there and leaves the lesson's record alone.
    assert BUG_RUNS_PATH.read_bytes() == recorded
    runs = json.loads((tmp_path / "figs" / BUG_RUNS_PATH.name).read_text())["runs"]
    assert {run["bug"] for run in runs} == set(SILENT_FAILURES)
    pngs = sorted(p.name for p in (tmp_path / "figs").glob("*.png"))
    assert pngs == sorted(f"{name}.png" for name in FIGURES)
    assert len(pngs) >= 8
    # The temperature explorer's real preset: the cached teacher's logits for a real 7.
    record = json.loads((tmp_path / "figs" / TEACHER_LOGITS_FILE).read_text())
    assert record["digit"] == 7 and len(record["logits"]) == 10
    assert max(range(10), key=record["logits"].__getitem__) == 7


def test_every_listed_subcommand_has_working_help(tmp_path: Path) -> None:
    for args in (("--help",), ("run", "--help"), ("migrate", "--help"), ("content", "--help")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)


def test_distill_subcommand_takes_options_first(tmp_path: Path) -> None:
    shown = run_cli("distill", "--help", cwd=tmp_path)
    assert shown.returncode == 0 and "--out" in shown.stdout and "alpha" in shown.stdout
    refused = run_cli("distill", "--out", str(tmp_path / "x.png"), "T=99", cwd=tmp_path)
    assert refused.returncode == 2 and "T=99" in refused.stderr
    assert not (tmp_path / "x.png").exists()

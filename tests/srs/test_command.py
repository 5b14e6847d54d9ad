"""``distillbot srs optimize`` end to end: a real fit in the worker, on an SQLite file."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.storage.db import make_engine
from bot.storage.models import SrsParameters
from tests.srs.logs_db import fill
from tests.srs.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]
LOG_LOSS = re.compile(r"Held-out log-loss: ([\d.]+) with FSRS's defaults → ([\d.]+) fitted")
# The command's own process, asked afterwards whether torch was ever imported in it.
CLI_THEN_REPORT_TORCH = (
    "import sys\n"
    "from bot.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print('torch imported:', 'torch' in sys.modules)\n"
    "sys.exit(status)\n"
)


@pytest.fixture(scope="module")
def logs_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the simulated learners' logs (copied by each test)."""
    path = tmp_path_factory.mktemp("logs") / "logs.db"
    engine = make_engine(f"sqlite:///{path}")
    fill(engine, f"sqlite:///{path}", simulate())
    engine.dispose()  # the last connection folds the WAL back into the file
    return path


def database_copy(logs_db: Path, tmp_path: Path) -> str:
    path = tmp_path / "distill.db"
    shutil.copy(logs_db, path)
    return f"sqlite:///{path}"


def run(database_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )


def stored(database_url: str) -> list[SrsParameters]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(SrsParameters)).all())
    finally:
        engine.dispose()


def test_optimize_stores_the_fit_and_reports_it(logs_db: Path, tmp_path: Path) -> None:
    url = database_copy(logs_db, tmp_path)
    result = run(url, "-m", "bot", "srs", "optimize", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    match = LOG_LOSS.search(result.stdout)
    assert match, result.stdout
    before, after = float(match[1]), float(match[2])
    assert after < before
    [row] = stored(url)
    assert f"Reviews used for fitting: {row.reviews_used}\n" in result.stdout
    assert re.search(r"Held-out reviews scored: \d+", result.stdout)
    assert (round(row.log_loss_before, 4), round(row.log_loss_after, 4)) == (before, after)
    parameters = json.loads(row.parameters)
    assert len(parameters) == 21
    assert "Parameters: " + ", ".join(f"{p:.4f}" for p in parameters) in result.stdout
    assert f"Stored as parameter set {row.id}" in result.stdout


def test_a_dry_run_reports_stores_nothing_and_never_imports_torch_in_the_cli(
    logs_db: Path, tmp_path: Path
) -> None:
    url = database_copy(logs_db, tmp_path)
    result = run(url, "-c", CLI_THEN_REPORT_TORCH, "srs", "optimize", "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert LOG_LOSS.search(result.stdout), result.stdout
    assert "Dry run: nothing stored." in result.stdout
    assert "torch imported: False" in result.stdout
    assert stored(url) == []


def test_too_few_reviews_are_refused_clearly(logs_db: Path, tmp_path: Path) -> None:
    url = database_copy(logs_db, tmp_path)
    result = run(url, "-m", "bot", "srs", "optimize", "--min-reviews", "100000", cwd=tmp_path)
    assert result.returncode != 0
    assert "Not enough review logs to fit FSRS parameters" in result.stderr
    assert "at least 100000 wanted (--min-reviews)" in result.stderr
    assert result.stdout == ""
    assert stored(url) == []


def test_an_unmigrated_database_is_pointed_at_migrate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = run(url, "-m", "bot", "srs", "optimize", cwd=tmp_path)
    assert result.returncode != 0
    assert "distillbot migrate" in result.stderr

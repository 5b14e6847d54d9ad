"""What a newcomer or an operator sees when the bot cannot start as configured: one line
a problem, naming the setting to fix, with the exit status of a refusal (2: the settings
are wrong as written; 1: they are well-formed but do not work here). Never a traceback,
never the token or a secret."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage.migrate import upgrade
from tests.processes import StandIn, bot_env, clean_env, stand_in

REJECTED_TOKEN = "4242:not-this-bots-token"  # too short for the log's token pattern


def distillbot(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def lines_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What the command wrote, less the migration's log lines."""
    output = (result.stdout + result.stderr).splitlines()
    return [line for line in output if "alembic.runtime.migration" not in line]


@pytest.fixture(scope="module")
def api() -> Iterator[StandIn]:
    with stand_in() as server:
        yield server


@pytest.fixture
def listening() -> Iterator[int]:
    """A port another program listens on."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        yield taken.getsockname()[1]


def test_refused_settings_are_named_one_line_each_without_a_secrets_value(
    tmp_path: Path,
) -> None:
    env = {**clean_env(), "DEFAULT_TIME_ZONE": "Mars/Olympus", "DAY_START_HOUR": "30",
           "WEBHOOK_SECRET": "my secret=value"}  # fmt: skip
    result = distillbot("migrate", cwd=tmp_path, env=env)
    assert result.returncode == 2
    output = lines_of(result)
    assert len(output) == 3, output
    assert any("DEFAULT_TIME_ZONE=Mars/Olympus" in line for line in output)
    assert any("DAY_START_HOUR=30" in line and "12" in line for line in output)
    assert any("WEBHOOK_SECRET" in line for line in output)
    assert "my secret" not in result.stderr
    assert "errors.pydantic.dev" not in result.stderr


def test_a_mistyped_key_in_env_is_named_with_the_setting_it_was_meant_to_be(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKN=123456:TEST-token\n")
    result = distillbot("run", cwd=tmp_path, env=clean_env())
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKN is not a setting" in result.stderr
    assert "did you mean TELEGRAM_BOT_TOKEN?" in result.stderr


@pytest.mark.parametrize("token", ["abc", '"123456:ABC-token"', "123456:ABC token"])
def test_a_token_that_cannot_be_one_is_refused_in_one_line(tmp_path: Path, token: str) -> None:
    result = distillbot("run", cwd=tmp_path, env={**clean_env(), "TELEGRAM_BOT_TOKEN": token})
    assert result.returncode == 2
    output = lines_of(result)
    assert len(output) == 1 and "@BotFather" in output[0], output
    assert token not in result.stderr


def test_a_token_telegram_rejects_is_one_line_without_the_token(
    tmp_path: Path, api: StandIn
) -> None:
    env = bot_env(api, f"sqlite:///{tmp_path / 'bot.db'}", TELEGRAM_BOT_TOKEN=REJECTED_TOKEN)
    result = distillbot("run", cwd=tmp_path, env=env)
    assert result.returncode == 1
    output = lines_of(result)
    assert len(output) == 1 and "Telegram rejected the bot token" in output[0], output
    assert REJECTED_TOKEN.split(":")[1] not in result.stdout + result.stderr


def test_an_unreachable_bot_api_is_one_line(tmp_path: Path, api: StandIn) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]  # nothing listens there once it is closed
    env = bot_env(api, f"sqlite:///{tmp_path / 'bot.db'}",
                  TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot")  # fmt: skip
    result = distillbot("run", cwd=tmp_path, env=env)
    assert result.returncode == 1
    output = lines_of(result)
    assert len(output) == 1, output
    assert f"The Bot API at http://127.0.0.1:{port}/bot did not answer" in output[0]


def read_only_copy(tmp_path: Path) -> str:
    """A migrated database the bot may read but not write (root may write any file, so
    SQLite is asked to open it read-only, as it does a file its user may not write)."""
    upgrade(f"sqlite:///{tmp_path / 'ro.db'}")
    return f"sqlite:///file:{tmp_path / 'ro.db'}?mode=ro&uri=true"


@pytest.mark.parametrize(
    ("command", "url_of", "said"),
    [
        ("run", read_only_copy, "the bot cannot write to the database"),
        ("migrate", lambda folder: f"sqlite:///{folder / 'a-file' / 'x.db'}",
         "cannot create the folder"),
        ("run", lambda folder: "data/distill.db", "is not a database URL"),
        ("run", lambda folder: "sqlite:///file::memory:?uri=true",
         "is an SQLite database in memory"),
        ("migrate", lambda folder: "postgresql+psycopg://bot:hunter2@127.0.0.1:1/distill",
         "the database cannot be used"),
    ],
)  # fmt: skip
def test_a_database_that_cannot_be_used_is_one_line_naming_database_url(
    tmp_path: Path, api: StandIn, command: str, url_of: object, said: str
) -> None:
    (tmp_path / "a-file").write_text("")
    assert callable(url_of)
    database_url = url_of(tmp_path)
    result = distillbot(command, cwd=tmp_path, env=bot_env(api, database_url))
    assert result.returncode == 1
    output = lines_of(result)
    assert len(output) == 1, output
    assert "DATABASE_URL" in output[0] and said in output[0]
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize("setting", ["HEALTH_PORT", "WEBHOOK_PORT"])
def test_a_port_in_use_is_one_line_naming_its_setting(
    tmp_path: Path, api: StandIn, listening: int, setting: str
) -> None:
    env = bot_env(api, f"sqlite:///{tmp_path / 'bot.db'}", WEBHOOK_URL="https://x.example/t",
                  WEBHOOK_SECRET="s3cret", **{setting: str(listening)})  # fmt: skip
    mode = "--webhook" if setting == "WEBHOOK_PORT" else "--polling"
    result = distillbot("run", mode, cwd=tmp_path, env=env)
    assert result.returncode == 1
    output = lines_of(result)
    assert len(output) == 1, output
    assert f"Port {listening}" in output[0] and setting in output[0]


def test_an_offline_distill_run_with_a_refused_setting_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    """`distillbot distill` skipped the one-line refusals: pydantic's traceback instead."""
    env = {**clean_env(), "DAY_START_HOUR": "30"}
    result = distillbot("distill", "steps=10", "--out", "x.png", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert lines_of(result) == [
        "Configuration error (fix it in .env or the environment): DAY_START_HOUR=30: "
        "Input should be less than or equal to 12"
    ]


def test_a_bot_api_address_with_a_wrong_path_is_named_beside_the_token(
    tmp_path: Path, api: StandIn
) -> None:
    """A local Bot API server's address without its /bot path answers 404, which
    python-telegram-bot reads as a bad token: the refusal named only the token."""
    wrong = api.base_url.removesuffix("/bot") + "/api"
    env = bot_env(api, f"sqlite:///{tmp_path / 'bot.db'}", TELEGRAM_API_BASE_URL=wrong)
    result = distillbot("run", cwd=tmp_path, env=env)
    assert result.returncode == 1
    output = lines_of(result)
    assert len(output) == 1 and f"Or TELEGRAM_API_BASE_URL={wrong} is not" in output[0], output

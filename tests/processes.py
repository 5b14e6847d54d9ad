"""The bot and the Bot API stand-in as real child processes, as an operator runs them.

One module for the tests that stop the bot with SIGTERM (tests/bot), the ones that SIGKILL
it (tests/crash) and the load benchmark, so that all of them start the same stand-in in the
same clean environment. Every wait is bounded, and every stop or kill is safe to call twice,
so callers stop both processes in ``finally``.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from bot.config import Settings

TOKEN = "123456:TEST-token"  # the stand-in's
REPO_ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")
MESSAGE_IDS = itertools.count(1)  # of the messages tests inject as users


def clean_env() -> dict[str, str]:
    """This environment without any bot setting a developer may have exported, and with
    this checkout first on the import path (the processes run from other folders)."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux: read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # "pid (name) state ppid ...": the name may hold spaces, so split after ")".
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far (Linux, from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def is_running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(
    probe: Callable[[], T | None], *, timeout: float, what: str, every: float = 0.1
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class StandIn:
    """``python -m tests.botapi.serve`` in a child process, with its statistics and update
    injection.

    Its stderr is dropped unless ``keep_stderr``: every SIGKILL of the bot makes it log the
    requests cut off half-way, while after a clean stop what it logs is a clue.
    """

    def __init__(self, *, flood_limits: bool = False, keep_stderr: bool = False) -> None:
        argv = [sys.executable, "-m", "tests.botapi.serve"]
        if flood_limits:
            argv.append("--flood-limits")
        self.process = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=None if keep_stderr else subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "PORT n" once listening ("" if it died)
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the stand-in did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What the bot's TELEGRAM_API_BASE_URL is set to."""
        return f"{self.base}/bot"

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base}/_stats", timeout=10) as response:
            stats: dict[str, Any] = json.load(response)
        return stats

    def per_chat(self) -> dict[int, list[str]]:
        """The first 80 characters of every message each chat received, in order."""
        return {int(chat): texts for chat, texts in self.stats()["per_chat"].items()}

    def push(self, update: dict[str, Any]) -> None:
        self._post("/_push", update)

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """The messages sent into ``chat_id`` as they are now: method, message_id, text,
        buttons (each with its callback_data)."""
        with urllib.request.urlopen(f"{self.base}/_sent?chat_id={chat_id}", timeout=10) as got:
            sent: list[dict[str, Any]] = json.load(got)
        return sent

    def press(self, user_id: int, chat_id: int, message_id: int, data: str) -> None:
        """Inject a press by ``user_id`` on the button with ``data`` under a message."""
        press = {"user_id": user_id, "chat_id": chat_id, "message_id": message_id, "data": data}
        self._post("/_press", press)

    def hang(self, method: str, text: str = "") -> None:
        """From now on, hold every ``method`` request whose text (or poll question) holds
        ``text`` unanswered: a bot killed then dies inside that send."""
        self._post("/_hang", {"method": method, "text": text})

    def stop_hanging(self) -> None:
        self._post("/_hang", None, method="DELETE")

    def answer_late(self, method: str, seconds: float, text: str = "") -> None:
        """From now on, answer every ``method`` send (whose text or poll question holds
        ``text``) ``seconds`` late: the message is in the chat (members see it) while the
        bot waits for Telegram's answer."""
        self._post("/_late", {"method": method, "seconds": seconds, "text": text})

    def _post(self, path: str, payload: Any, *, method: str = "POST") -> None:
        request = urllib.request.Request(
            f"{self.base}{path}",
            data=json.dumps(payload).encode() if payload is not None else None,
            headers={"Content-Type": "application/json"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def command(self, user_id: int, text: str) -> None:
        """Inject ``text`` as a private message from ``user_id``."""
        self.push(command_update(user_id, text))

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float) -> None:
        """Poll the statistics until ``predicate`` holds for them."""
        stats: dict[str, Any] = {}

        def holds() -> bool:
            nonlocal stats
            stats = self.stats()
            return predicate(stats)

        try:
            wait_until(holds, timeout=timeout, what="the stand-in's statistics", every=0.05)
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}; it saw {stats['sent_ok']} sends") from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def command_update(user_id: int, text: str) -> dict[str, Any]:
    """A private message ``text`` from ``user_id``, as Telegram sends it (without update_id)."""
    command = text.split()[0]
    return {
        "message": {
            "message_id": next(MESSAGE_IDS),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"User{user_id}"},
            "from": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        }
    }


UPDATE_IDS = itertools.count(1)


def post_webhook(port: int, secret: str, update: dict[str, Any]) -> None:
    """Deliver ``update`` to a bot in webhook mode, as Telegram does."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram",
        data=json.dumps({"update_id": next(UPDATE_IDS), **update}).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


class WorkerProcess:
    """``python -m bot worker`` (a Celery worker, one process) in a child process;
    ``program`` names another module that runs the same CLI (one with a test's patch)."""

    def __init__(
        self, workdir: Path, env: dict[str, str], name: str, *, program: str = "bot"
    ) -> None:
        self.log_path = workdir / f"worker-{name}.log"
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", program, "worker", "--concurrency=1", "--device=cpu",
             f"--name={name}@test"],
            cwd=workdir,
            env={**clean_env(), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker's main process, as a machine that dies would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._log.close()


@contextmanager
def stand_in() -> Iterator[StandIn]:
    """A stand-in for a bot stopped cleanly, so its stderr is kept."""
    api = StandIn(keep_stderr=True)
    try:
        yield api
    finally:
        api.stop()


def bot_env(api: StandIn, database_url: str, **settings: str) -> dict[str, str]:
    """A clean environment for a bot that talks to ``api`` and keeps its data in
    ``database_url``; ``settings`` come last, so they override."""
    return {
        **clean_env(),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_URL": database_url,
        "SANDBOX_ENABLED": "false",  # keeps torch out of the bot's process
        **settings,
    }


def crash_bot_env(
    api: StandIn, database_url: str, workdir: Path, **settings: str
) -> dict[str, str]:
    """``bot_env`` for a bot that is killed and restarted: quiet, its cache in ``workdir``,
    a 2 s lease and a 1 s delivery tick so a restart resumes at once, and no per-chat pause
    (a test paces it with PRIVATE_CHAT_INTERVAL_S)."""
    crash_settings = {
        "CACHE_DIR": str(workdir / "cache"),
        "LOG_LEVEL": "WARNING",
        "DELIVERY_LEASE_S": "2",
        "DELIVERY_CHECK_SECONDS": "1",
        "PRIVATE_CHAT_INTERVAL_S": "0",
    }
    return bot_env(api, database_url, **{**crash_settings, **settings})


class BotProcess:
    """``python -m bot run`` in a child process; its log stays in the working folder."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.log_path = workdir / f"bot-{time.monotonic_ns()}.log"
        self._log = self.log_path.open("wb")
        # The working folder is the test's, so no developer's .env is read.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env={**clean_env(), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL the bot alone (not its children: a crash does not tidy up either)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._log.close()


def start_bot(
    folder: Path, env: dict[str, str], log_name: str, *options: str
) -> subprocess.Popen[str]:
    """``python -m bot run`` in ``folder`` (no stray .env), its stderr into ``log_name``."""
    with (folder / log_name).open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *options],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )


def terminate(process: subprocess.Popen[str], timeout: float = 20) -> int:
    """SIGTERM, as a container runtime sends it; the exit status once it has stopped."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)


def stop(process: subprocess.Popen[str]) -> None:
    """Make sure ``process`` is gone (a test that failed half-way)."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()

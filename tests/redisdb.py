"""Redis for the Celery (/distill scale-out) tests: the ``redis_url`` fixture.

The server is the one ``make redis`` starts (``.ci/redis.sh``) on ``TEST_REDIS_PORT``. Each
test gets one of its 16 databases, emptied first. Where no server answers, those tests
are skipped with the reason, and the run ends by saying so in red, as for PostgreSQL.
``RedisServer`` starts a private server for a test that restarts it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

DEFAULT_PORT = 6380  # kept in step with TEST_REDIS_PORT in the Makefile
UNAVAILABLE = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reason = terminalreporter.config.stash.get(UNAVAILABLE, None)
    if reason is not None:
        terminalreporter.write_sep(
            "!", f"Redis is unavailable: {reason}: the Redis tests were SKIPPED", red=True
        )


def _probe(port: int) -> str:
    """Why no Redis answers on ``port``; empty when one does."""
    try:
        redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"no server on 127.0.0.1:{port} ({error}); run `make redis`"
    return ""


@pytest.fixture(scope="session")
def redis_port(pytestconfig: pytest.Config) -> int | None:
    port = int(os.environ.get("TEST_REDIS_PORT", DEFAULT_PORT))
    reason = _probe(port)
    if reason:
        pytestconfig.stash[UNAVAILABLE] = reason
        return None
    return port


@pytest.fixture
def redis_url(request: pytest.FixtureRequest, redis_port: int | None) -> str:
    """``redis://`` URL of an emptied database on the test server (skips without one)."""
    if redis_port is None:
        pytest.skip(f"!!! Redis is unavailable: {request.config.stash[UNAVAILABLE]}: SKIPPED")
    database = 1 + secrets.randbelow(15)
    redis.Redis(host="127.0.0.1", port=redis_port, db=database).flushdb()
    return f"redis://127.0.0.1:{redis_port}/{database}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """A private ``redis-server`` without persistence, which a test may restart."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("!!! Redis is unavailable: no redis-server binary: SKIPPED")
        self.binary, self.folder, self.port = binary, folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while _probe(self.port):
            if time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    try:
        yield server
    finally:
        server.stop()

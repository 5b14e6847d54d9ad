"""The HTTP client under every Bot API request: python-telegram-bot's ``BaseRequest`` on aiohttp.

PTB's default client is httpx. Under a rush its connection pool cost the bot most of its
CPU: httpcore re-checks every open connection (a ``getpeername`` and a ``poll`` each)
whenever a request starts or ends, so a sendMessage cost about 3.5 ms of CPU with 32 in
flight (`bench/bench_bot_api_client.py`). aiohttp keeps idle connections per host in a
queue and parses responses in C: about 0.5 ms. PTB documents ``BaseRequest`` as the place
for another client; the design follows ptbcontrib's ``AiohttpRequest``.

Timeouts keep PTB's meaning: ``connect`` waits for a free connection and opens it, a read
timeout starts once the request is written (``sock_read``). A long poll passes its own
read timeout, which PTB lengthens by the poll's ``timeout``.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT_S = 5.0  # PTB's HTTPXRequest defaults for read, write and connect
DEFAULT_POOL_TIMEOUT_S = 1.0
Timeout = float | None
# PTB's own name for "a float, None, or its not-given marker" in BaseRequest's signature.
GivenTimeout = ODVInput[float]
JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session with at most ``connection_pool_size``
    connections; made in the Application's event loop by ``initialize``."""

    __slots__ = ("_pool_size", "_read_timeout", "_session")

    def __init__(
        self, connection_pool_size: int, *, read_timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: GivenTimeout = BaseRequest.DEFAULT_NONE,
        write_timeout: GivenTimeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: GivenTimeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: GivenTimeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = _timeout(
            read=_given(read_timeout, self._read_timeout),
            write=_given(write_timeout, DEFAULT_TIMEOUT_S),
            connect=_given(connect_timeout, DEFAULT_TIMEOUT_S),
            pool=_given(pool_timeout, DEFAULT_POOL_TIMEOUT_S),
        )
        try:
            async with self._session.request(
                method, url, timeout=timeout, **_body(request_data)
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            raise TimedOut("the Bot API could not be reached in time") from exc
        except TimeoutError as exc:  # aiohttp's read and total timeouts subclass it
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def may_have_arrived(error: NetworkError) -> bool:
    """Whether Telegram may have the request although no answer came: only a timeout
    before a connection was open proves that nothing went out."""
    return isinstance(error, TimedOut) and not isinstance(
        error.__cause__, aiohttp.ConnectionTimeoutError
    )


def _given(value: GivenTimeout, default: float) -> Timeout:
    """The timeout PTB passed, or ours where it passed its "not given" marker."""
    return default if isinstance(value, DefaultValue) else value


def _timeout(
    *, read: Timeout, write: Timeout, connect: Timeout, pool: Timeout
) -> aiohttp.ClientTimeout:
    # aiohttp has no write timeout: the whole request is bounded by the sum instead.
    parts = (read, write, connect, pool)
    total = None if any(part is None for part in parts) else sum(p for p in parts if p)
    opening = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=opening, sock_connect=connect, sock_read=read)


def _body(request_data: RequestData | None) -> dict[str, Any]:
    """The request's body as ``ClientSession.request`` arguments: JSON without files (the
    Bot API takes it; form encoding would percent-quote every byte of a long text in
    Python), multipart with them."""
    if request_data is None:
        return {}
    if not request_data.multipart_data:
        return {"data": json.dumps(request_data.parameters).encode(), "headers": JSON_HEADERS}
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return {"data": form}

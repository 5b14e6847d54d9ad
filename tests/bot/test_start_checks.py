"""Start-up checks must not refuse a configuration that works: what python-telegram-bot
and the webhook server accept, the checks before them accept too."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.telegram.runner import CannotStart, _check_bot_api, _check_port_free
from bot.telegram.transport.bot_api_client import AiohttpRequest
from tests.botapi.server import ApiCall, ApiError, FakeBotApi


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


async def test_a_base_url_with_a_token_placeholder_passes_the_bot_api_check(
    api: FakeBotApi,
) -> None:
    # python-telegram-bot puts the token where a base URL says {token} (its documented
    # form for Telegram's test environment, "https://api.telegram.org/bot{token}/test"):
    # the bot itself works with this TELEGRAM_API_BASE_URL.
    base_url = f"{api.base_url}{{token}}"
    request = AiohttpRequest(1)
    async with Bot(api.token, base_url=base_url, request=request, get_updates_request=request):
        pass  # initialize() calls getMe: Telegram accepts the token at this URL

    await _check_bot_api(base_url, api.token)  # not "Telegram rejected the bot token"


async def test_flood_control_on_the_start_check_is_waited_out_not_a_crash(
    api: FakeBotApi,
) -> None:
    # A bot restarted a few times in a row may meet a 429 on getMe. Before the check,
    # the Application's rate limiter waited retry_after and went on; the check must not
    # turn it into an unexplained traceback (RetryAfter is no NetworkError).
    refused = 0

    def flood_once(call: ApiCall) -> None:
        nonlocal refused
        if call.method == "getMe" and refused == 0:
            refused += 1
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})

    api.on_call = flood_once
    await _check_bot_api(api.base_url, api.token)
    assert refused == 1


def _ipv6_available() -> bool:
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_available(), reason="no IPv6 on this machine")
def test_webhook_listen_on_ipv6_is_not_refused() -> None:
    # WEBHOOK_LISTEN=:: (every address, IPv6 and IPv4) or ::1: the webhook server
    # (tornado) listens there; the port check must not say it cannot.
    with socket.create_server(("::1", 0), family=socket.AF_INET6) as probe:
        free = probe.getsockname()[1]
    for listen in ("::", "::1"):
        _check_port_free(listen, free, "WEBHOOK_LISTEN", "WEBHOOK_PORT")


@pytest.mark.skipif(not _ipv6_available(), reason="no IPv6 on this machine")
def test_an_ipv6_port_in_use_is_still_named() -> None:
    with socket.create_server(("::1", 0), family=socket.AF_INET6) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(CannotStart, match=f"Port {port} on ::1 \\(WEBHOOK_PORT\\) is taken"):
            _check_port_free("::1", port, "WEBHOOK_LISTEN", "WEBHOOK_PORT")


@pytest.mark.parametrize("placeholder", ["", "{token}"])
async def test_a_token_rejected_at_the_right_address_does_not_blame_the_address(
    api: FakeBotApi, placeholder: str
) -> None:
    # The stand-in answers a wrong token as Telegram and a local Bot API server do: 401
    # Unauthorized, at an address that is right. The refusal told the operator the
    # address "is not a Bot API address (it should end in /bot)" - it did end in /bot.
    base_url = f"{api.base_url}{placeholder}"
    with pytest.raises(CannotStart) as refused:
        await _check_bot_api(base_url, "4242:not-this-bots-token")
    said = str(refused.value)
    assert said.startswith("Telegram rejected the bot token"), said
    assert "is not a Bot API address" not in said, said

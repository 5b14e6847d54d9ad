"""Start-up checks must not refuse a configuration that works: what python-telegram-bot
and the webhook server accept, the checks before them accept too."""

from __future__ import annotations

import socket

import pytest

from bot.telegram.runner import CannotStart, _check_port_free


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

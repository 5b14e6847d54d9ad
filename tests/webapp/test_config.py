"""WEBAPP_URL: an https address Telegram can open, or a local one for development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "url", ["https://bot.example.org/app/", "http://localhost:8080/app/", "http://127.0.0.1/app/"]
)
def test_an_https_or_local_address_is_taken(url: str) -> None:
    assert settings(webapp_url=url).webapp_url == url


@pytest.mark.parametrize("url", ["http://bot.example.org/app/", "ftp://x/", "bot.example.org"])
def test_another_address_is_refused_naming_the_rule(url: str) -> None:
    with pytest.raises(ValidationError, match="WEBAPP_URL must start with https://"):
        settings(webapp_url=url)


def test_unset_or_empty_means_no_mini_app() -> None:
    assert settings().webapp_url is None and settings(webapp_url="").webapp_url is None
    with pytest.raises(ValidationError):
        settings(webapp_name="no spaces allowed")

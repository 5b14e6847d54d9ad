"""A Bot API request must not cost a search of the disk (found under load: it did)."""

from __future__ import annotations

import importlib.machinery

import pytest
from httpcore._synchronization import current_async_library


async def test_httpcore_finds_the_async_library_without_searching_for_modules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # httpcore runs ``import sniffio`` several times per request; without sniffio
    # installed each one searched sys.path again (a fifth of the bot's CPU under load).
    searches: list[str] = []
    original = importlib.machinery.PathFinder.find_spec

    def counting(name: str, *args: object, **kwargs: object) -> object:
        searches.append(name)
        return original(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.machinery.PathFinder, "find_spec", counting)
    for _ in range(20):
        assert current_async_library() == "asyncio"
    assert searches == []

"""Headless Chromium (Debian's ``chromium`` and ``chromium-driver``) for the Mini App's
browser tests, with ``window.Telegram.WebApp`` stubbed as the client provides it.

Telegram's own script is never fetched: telegram.org resolves to a closed local port, so
the page runs on the stub alone. When Chromium is missing the tests skip, saying why.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "webapp"

# Telegram's themes as the clients send them in themeParams.
THEMES: dict[str, dict[str, str]] = {
    "light": {
        "bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579",
        "link_color": "#2481cc", "button_color": "#2481cc", "button_text_color": "#ffffff",
        "secondary_bg_color": "#f1f1f4",
    },
    "dark": {
        "bg_color": "#212121", "text_color": "#ffffff", "hint_color": "#aaaaaa",
        "link_color": "#8774e1", "button_color": "#8774e1", "button_text_color": "#ffffff",
        "secondary_bg_color": "#0f0f0f",
    },
}  # fmt: skip


def unavailable() -> str | None:
    """Why no browser test can run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is missing (make test installs it with .ci/chromium.sh)"
    return None


def telegram_stub(
    init_data: str,
    scheme: str,
    start_param: str | None = None,
    theme: dict[str, str] | None = None,
) -> str:
    """``window.Telegram.WebApp`` with what a client gives a page it opens (``theme``: other
    themeParams than ``THEMES[scheme]``). ``window.__switchTheme(scheme, params)`` does what
    the client does when the user switches theme: new params, then ``themeChanged``."""
    unsafe: dict[str, Any] = {"start_param": start_param} if start_param else {}
    web_app = {
        "initData": init_data, "initDataUnsafe": unsafe, "colorScheme": scheme,
        "themeParams": THEMES[scheme] if theme is None else theme,
        "platform": "android", "version": "8.0",
    }  # fmt: skip
    return (
        "window.__handlers = {};"
        f"window.Telegram = {{WebApp: Object.assign({json.dumps(web_app)}, {{"
        "ready() { window.__ready = true; }, expand() {},"
        "onEvent(name, f) { (window.__handlers[name] = window.__handlers[name] || []).push(f); },"
        "offEvent() {},"
        "})};"
        "window.__switchTheme = (scheme, params) => {"
        "  Object.assign(window.Telegram.WebApp, {colorScheme: scheme, themeParams: params});"
        "  for (const f of window.__handlers.themeChanged || []) f();"
        "};"
    )


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium at phone size, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="webapp-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        f"--window-size={PHONE['width']},{PHONE['height']}",
        # Telegram's script is never fetched: the page runs on the stub.
        "--host-resolver-rules=MAP telegram.org 127.0.0.1:9",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {**PHONE, "deviceScaleFactor": 1, "mobile": False}
        )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)

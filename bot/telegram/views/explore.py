"""How a drop opens its explorer: a web-app button in a private chat, a t.me Mini App
link in a group (Telegram refuses web-app buttons there)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from bot.telegram.views.parts import Link

EXPLORE_LABEL = "🔍 Explore"
# The drops with an explorer, and the page that explores them.
EXPLORERS = {"2.2": "temperature", "2.3": "kl"}


def page_url(webapp_url: str, page: str) -> str:
    """The Mini App's address opening at ``page`` (as ``?page=…``, which Telegram keeps)."""
    parts = urlsplit(webapp_url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"page": page})))


def explore_link(
    drop_id: str, *, private: bool, webapp_url: str | None, bot_username: str, app_name: str
) -> Link | None:
    """The "🔍 Explore" button under ``drop_id``; None for a drop without an explorer or
    when Telegram could not open the app (no https WEBAPP_URL)."""
    page = EXPLORERS.get(drop_id)
    if page is None or webapp_url is None or not webapp_url.startswith("https://"):
        return None
    if private:
        return Link(EXPLORE_LABEL, page_url(webapp_url, page), web_app=True)
    return Link(EXPLORE_LABEL, f"https://t.me/{bot_username}/{app_name}?startapp={page}")

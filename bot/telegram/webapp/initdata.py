"""Telegram's ``initData``: the signed query string a Mini App receives when it opens.

Checked as https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app
says: the data-check-string is every field but ``hash`` as ``key=value`` lines sorted by
key; the secret key is HMAC-SHA256(key="WebAppData", msg=bot_token); the data is genuine
when HMAC-SHA256(key=secret, msg=data_check_string) in hex equals ``hash``. The user's id
is taken from checked data only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_AGE = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=5)  # an auth_date this far ahead of our clock still passes


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _signature(fields: dict[str, str], bot_token: str) -> str:
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    return hmac.new(_secret_key(bot_token), check.encode(), hashlib.sha256).hexdigest()


def checked_user(init_data: str, bot_token: str, now: datetime) -> WebAppUser | None:
    """The user ``init_data`` names, if Telegram signed it in the last 24 hours; else None."""
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a repeated key: which one was signed is ambiguous
        return None
    claimed = fields.pop("hash", "")
    # As bytes: compare_digest refuses a str with non-ASCII characters, which a forger may send.
    if not hmac.compare_digest(claimed.encode(), _signature(fields, bot_token).encode()):
        return None
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), now.tzinfo)
        user = json.loads(fields["user"])
        person = WebAppUser(id=int(user["id"]), first_name=str(user.get("first_name", "")))
    except (KeyError, ValueError, TypeError, OverflowError):
        return None
    if not now - MAX_AGE <= signed_at <= now + CLOCK_SKEW:
        return None
    return person


def signed_init_data(bot_token: str, user: dict[str, object], auth_date: datetime) -> str:
    """``initData`` as Telegram would send it for ``user`` (for tests and local development)."""
    fields = {
        "auth_date": str(int(auth_date.timestamp())),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":")),
    }
    return urlencode({**fields, "hash": _signature(fields, bot_token)})

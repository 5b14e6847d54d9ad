"""Reading a learner's time zone from what they type.

Accepted, case-insensitively and with spaces, underscores or hyphens alike:

* IANA names: ``Europe/Berlin``, ``america/new york``, ``Etc/GMT-2``, ``US/Eastern``
* IANA cities on their own: ``Berlin``, ``Kolkata``, ``Sao Paulo`` (accents are folded)
* a few more places from :data:`~bot.core.zone_aliases.ZONE_ALIASES`:
  ``Mumbai``, ``San Francisco``, ``India``
* ``UTC``/``GMT`` and offsets: ``UTC+2``, ``+02:00``, ``GMT-5``, ``UTC+5:30``

Whole-hour offsets become the fixed-offset zones ``Etc/GMT∓N``, whose sign is
inverted by POSIX convention (UTC+2 is ``Etc/GMT-2``); they never change for
summer time. The half-hour offsets of places without summer time map to such a
place (UTC+5:30 is ``Asia/Kolkata``); other fractional offsets belong to zones
with summer time and are refused with a hint to send the city instead.

Common abbreviations (``EST``, ``IST``, ``CEST``) name the place they are used for most,
with its summer time (:data:`~bot.core.zone_aliases.ZONE_ABBREVIATIONS`); others are
refused. A fixed offset is shown back as ``UTC−03:00`` (:func:`zone_label`), never as the
POSIX-inverted ``Etc/GMT+3``.

The input is only ever looked up in a table built from ``zoneinfo``'s own list
of zones, never handed to ``ZoneInfo`` as a path, so nothing a learner types can
reach the file system.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import zoneinfo
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from bot.core.errors import InputError
from bot.core.zone_aliases import ZONE_ABBREVIATIONS, ZONE_ALIASES

# The longest IANA name, "America/Argentina/ComodRivadavia", has 32 characters.
_MAX_LENGTH = 64
_MAX_WORDS = 4  # "Ho Chi Minh City"

_HOW_TO = (
    "Send a city (Berlin, Tokyo, New York), a zone name like Europe/Berlin, "
    "an offset like UTC+2, or share your location."
)

_OFFSET = re.compile(
    r"(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?:\s*[:.]?\s*(?P<minutes>\d{2}))?",
    re.ASCII,
)
# "EST", "CEST", "AEDT", "IST", "MSK", "WIB": what people type when they mean a zone.
_ABBREVIATION = re.compile(r"[a-z]{1,4}t|msk|wib|wita", re.ASCII)
_ALLOWED = re.compile(r"[a-z0-9/ _+\-:.]+", re.ASCII)

# Fractional offsets of places that keep them all year, so a fixed answer stays right.
_FRACTIONAL_OFFSET_ZONES = MappingProxyType(
    {
        (1, 3, 30): "Asia/Tehran",
        (1, 4, 30): "Asia/Kabul",
        (1, 5, 30): "Asia/Kolkata",
        (1, 5, 45): "Asia/Kathmandu",
        (1, 6, 30): "Asia/Yangon",
        (1, 8, 45): "Australia/Eucla",
        (1, 9, 30): "Australia/Darwin",
        (-1, 9, 30): "Pacific/Marquesas",
    }
)

_UTC_NAMES = frozenset({"utc", "gmt", "etc/utc", "etc/gmt", "universal", "zulu"})

# Top-level IANA regions whose last name part is a place; the "US/", "Canada/"
# and "Brazil/" links name regions ("Eastern", "West") rather than places.
_PLACE_REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
_NOT_PLACES = frozenset({"act", "nsw", "north", "south", "west", "lhi", "yancowinna"})


def parse_time_zone(text: str) -> ZoneInfo:
    """Reads a time zone in the forms listed in the module docstring.

    Args:
        text: What the learner typed.

    Returns:
        The zone, under its IANA name (``Etc/GMT-2`` for "UTC+2").

    Raises:
        InputError: The text names no zone, is an abbreviation, an offset outside
            UTC-12..UTC+14, or a fractional offset with summer time; the
            message says what is accepted and may suggest a close name.
    """
    text_key = _normalize(text)
    if text_key in _UTC_NAMES:
        return ZoneInfo("UTC")
    offset = _OFFSET.fullmatch(text_key)
    if offset is not None:
        return _zone_for_offset(offset["sign"], int(offset["hours"]), int(offset["minutes"] or 0))
    name_key = _name_key(text_key)
    zone_name = _zone_names().get(name_key)
    if zone_name is not None:
        return ZoneInfo(zone_name)
    if name_key in ZONE_ABBREVIATIONS:
        return ZoneInfo(ZONE_ABBREVIATIONS[name_key])
    if _ABBREVIATION.fullmatch(name_key):
        raise InputError(f"I don't know that abbreviation. {_HOW_TO}")
    raise InputError(f"I don't know that time zone.{_suggestion(name_key)} {_HOW_TO}")


_FIXED_OFFSET = re.compile(r"Etc/GMT(?P<sign>[+-])(?P<hours>\d{1,2})", re.ASCII)


def could_be_a_zone(text: str) -> bool:
    """Whether ``text`` was meant as a time zone: one the parser reads, or a near miss
    worth correcting ("Mars/Olympus"): a few words of the characters zone names and
    offsets use. A question ("?") or a sentence typed while a zone was owed is not."""
    try:
        parse_time_zone(text)
    except InputError:
        pass
    else:
        return True
    try:
        folded = _normalize(text)
    except InputError:
        return False
    return len(folded.split()) <= _MAX_WORDS


def zone_label(zone: ZoneInfo) -> str:
    """A zone as the learner reads it: its IANA name, but a fixed offset as "UTC−03:00".

    ``Etc/GMT+3`` is three hours *behind* UTC (POSIX inverts the sign); shown as it is,
    it reads as the opposite of what the learner typed.
    """
    fixed = _FIXED_OFFSET.fullmatch(zone.key)
    if fixed is None:
        return zone.key
    sign = "−" if fixed["sign"] == "+" else "+"  # U+2212 minus, as typeset
    return f"UTC{sign}{int(fixed['hours']):02d}:00"


def _normalize(text: str) -> str:
    """Folds width variants and accents, lowercases; refuses what no zone looks like."""
    if len(text) > _MAX_LENGTH:
        raise InputError(f"That is too long for a time zone. {_HOW_TO}")
    if any(unicodedata.category(char).startswith("C") for char in text):
        raise InputError(f"I don't know that time zone. {_HOW_TO}")
    folded = unicodedata.normalize("NFKD", text.replace("\u2212", "-"))  # U+2212 minus sign
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    folded = unicodedata.normalize("NFKC", folded).strip().lower()
    folded = re.sub(r"\s+", " ", folded)
    if not folded or len(folded) > _MAX_LENGTH or not _ALLOWED.fullmatch(folded):
        raise InputError(f"I don't know that time zone. {_HOW_TO}")
    return folded


def _name_key(name: str) -> str:
    """The form zone names are compared in: "America/New_York" -> "america/new york"."""
    key = re.sub(r"[\s_\-]+", " ", name.lower())
    return re.sub(r" ?/ ?", "/", key).strip()


def _zone_for_offset(sign: str, hours: int, minutes: int) -> ZoneInfo:
    direction = 1 if sign == "+" else -1
    if hours > (14 if direction > 0 else 12) or minutes > 59:
        raise InputError(f"UTC offsets go from UTC-12 to UTC+14. {_HOW_TO}")
    if minutes == 0:
        if hours == 0:
            return ZoneInfo("UTC")
        # POSIX inverts the sign: Etc/GMT-2 is two hours *ahead* of UTC.
        return ZoneInfo(f"Etc/GMT{'-' if direction > 0 else '+'}{hours}")
    zone_name = _FRACTIONAL_OFFSET_ZONES.get((direction, hours, minutes))
    if zone_name is None:
        raise InputError(
            "Places with that offset change it for summer time, so please send "
            "your city instead (for example America/St_Johns or Australia/Adelaide), "
            "or share your location."
        )
    return ZoneInfo(zone_name)


@cache
def _zone_names() -> MappingProxyType[str, str]:
    """Every accepted spelling (as a name key) -> IANA name, built once."""
    iana = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("posix/", "right/"))
    )
    by_key: dict[str, str] = {}
    # Places first, so that a full name always wins over a bare city of the same spelling.
    # Several names can share a city ("America/Cordoba" links to
    # "America/Argentina/Cordoba"): the longer, canonical path wins.
    for name in sorted(iana, key=lambda name: name.count("/")):
        region, _, place = name.rpartition("/")
        place_key = _name_key(place)
        if region.split("/")[0] in _PLACE_REGIONS and place_key not in _NOT_PLACES:
            by_key[place_key] = name
    by_key.update(ZONE_ALIASES)
    by_key.update((_name_key(name), name) for name in iana)
    return MappingProxyType(by_key)


def _suggestion(name_key: str) -> str:
    close = difflib.get_close_matches(name_key, _zone_names().keys(), n=1, cutoff=0.8)
    return f" Did you mean {_zone_names()[close[0]]}?" if close else ""

"""Reading the time of day a learner wants their drop, from whatever they type.

Accepted (case and surrounding spaces do not matter):

* 24-hour clock: ``7:30``, ``07:30``, ``19.30``, ``19h30``, ``7 30``, ``19h``, ``19``,
  and with seconds as clocks show them, ``07:30:00`` (the seconds are dropped)
* digits only: ``0730``, ``730`` (read as hours then two minute digits)
* 12-hour clock: ``7am``, ``7 pm``, ``7:30 pm``, ``7.30 a.m.``, ``730pm``
* words: ``noon``, ``midnight``

Anything else, and any out-of-range value (``24:00``, ``7:60``, ``13pm``),
raises :class:`InputError`. Minutes are kept exactly as given.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time

from bot.core.errors import InputError

# Long enough for "12:30 p.m." with generous spacing; anything longer is not a time.
_MAX_LENGTH = 20

_HOW_TO = "Send a time like 07:30, 19.30, 7am or 7:30 pm."

# re.ASCII keeps \d to 0-9: int() would happily read other scripts' digits.
_CLOCK = re.compile(
    r"""
    (?P<hour>\d{1,2})
    (?:(?:\s*[:.h]\s*|\s+|)(?P<minute>\d{2}))?  # separator, or none as in "0730"
    (?::(?P<second>\d{2}))?                     # "07:30:00"
    \s*(?:h\s*)?                                # the French "19h"
    (?P<meridiem>[ap]m)?
    """,
    re.ASCII | re.VERBOSE,
)

_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
_TIME_WORDS = frozenset({*_WORDS, "am", "pm"})


def parse_delivery_time(text: str) -> time:
    """Reads a time of day in the forms listed in the module docstring.

    Args:
        text: What the learner typed.

    Returns:
        A naive ``datetime.time`` with hour and minute (seconds are always 0).

    Raises:
        InputError: The text is not one of the accepted forms or names a time
            that does not exist on a clock; the message says what is accepted.
    """
    normalized = _normalize(text)
    if normalized in _WORDS:
        return _WORDS[normalized]
    match = _CLOCK.fullmatch(normalized)
    if match is None:
        raise InputError(f"I couldn't read that as a time. {_HOW_TO}")
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    meridiem = match["meridiem"]
    if minute > 59:
        raise InputError(f"Minutes go from 00 to 59. {_HOW_TO}")
    if match["second"] is not None and int(match["second"]) > 59:
        raise InputError(f"Seconds go from 00 to 59. {_HOW_TO}")
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise InputError(f"With am or pm the hour goes from 1 to 12. {_HOW_TO}")
        # 12 am is midnight and 12 pm is noon: the 12-hour clock starts at 12.
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23:
        raise InputError(f"The 24-hour clock goes from 00:00 to 23:59. {_HOW_TO}")
    return time(hour, minute)


def could_be_a_time(text: str) -> bool:
    """Whether ``text`` was meant as a time: short, with a digit or a time word.

    Every time the parser reads passes, and so does a near miss worth correcting
    ("7:75"); a greeting or a question typed while a time was owed does not.
    """
    try:
        folded = _normalize(text)
    except InputError:
        return False  # longer than any time
    has_digit = any(char.isdigit() for char in folded)
    return has_digit or not _TIME_WORDS.isdisjoint(re.findall(r"[a-z]+", folded))


def _normalize(text: str) -> str:
    """Folds width variants ("７：３０") to ASCII, lowercases and drops a.m. dots."""
    if len(text) > _MAX_LENGTH * 4:  # don't normalize megabytes just to reject them
        raise InputError(f"I couldn't read that as a time. {_HOW_TO}")
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    folded = re.sub(r"([ap])\.\s?m\.?", r"\1m", folded)  # "a.m." -> "am"
    folded = re.sub(r"\s+", " ", folded)
    if len(folded) > _MAX_LENGTH:
        raise InputError(f"I couldn't read that as a time. {_HOW_TO}")
    return folded

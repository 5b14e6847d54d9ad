"""Reading the numbers people type: "about 5k", "1,000,000", "5k/day", "0.5 s", "$2".

Every parser raises `AnswerError` with a message that says what was wrong and what
would work; nothing else escapes (the property tests feed them random text).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.core.planner.errors import AnswerError

# Long enough for "roughly 1,000,000 calls per day, maybe more at peak", short enough
# that a pasted paragraph gets a clear answer instead of a guess.
MAX_NUMBER_ANSWER_CHARS = 120

MAX_CALLS_PER_DAY = 10**9
MAX_LATENCY_MS = 600_000
MAX_USD_PER_1K_CALLS = Decimal(100_000)

SKIP_WORDS = frozenset(
    {"skip", "none", "no", "n/a", "na", "-", "no target", "not sure", "dunno", "don't know", "?"}
)

# One number: grouped thousands (1,000,000 / 1 000 000 / 1_000_000 / 1'000 / 1.000.000),
# or a plain or decimal number (5, 1.5, 1,5, .5) with an optional small exponent (1e6).
_NUMBER = (
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\d{1,3}(?:[ \u00a0\u202f_']\d{3})+"
    r"|\d{1,3}(?:\.\d{3}){2,}"
    r"|\d+(?:[.,]\d+)?(?:e\d{1,2})?"
    r"|\.\d+)"
)
_COUNT = re.compile(
    rf"(?P<number>{_NUMBER})\s*(?P<scale>thousand|million|billion|mio|mn|bn|k|m|b)?(?![a-z0-9])",
    re.IGNORECASE | re.ASCII,
)
_SCALES = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "mio": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
}

# Calls per <period> → calls per day.
_PERIOD = re.compile(
    r"(?:/|\bper\b|\ba\b|\ban\b|\beach\b|\bevery\b)\s*"
    r"(?P<unit>second|sec|s|minute|min|hour|hr|h|day|d|week|wk|w|month|mo|year|yr|y)s?\b"
    r"|\b(?P<adverb>hourly|daily|weekly|monthly|yearly|annually)\b",
    re.IGNORECASE | re.ASCII,
)
_PER_DAY_FACTOR: dict[str, Decimal] = {
    "second": Decimal(86_400),
    "minute": Decimal(1_440),
    "hour": Decimal(24),
    "day": Decimal(1),
    "week": Decimal(1) / Decimal(7),
    "month": Decimal(1) / Decimal(30),
    "year": Decimal(1) / Decimal(365),
}
_UNIT_TO_PERIOD = {
    "second": "second", "sec": "second", "s": "second",
    "minute": "minute", "min": "minute",
    "hour": "hour", "hr": "hour", "h": "hour", "hourly": "hour",
    "day": "day", "d": "day", "daily": "day",
    "week": "week", "wk": "week", "w": "week", "weekly": "week",
    "month": "month", "mo": "month", "monthly": "month",
    "year": "year", "yr": "year", "y": "year", "yearly": "year", "annually": "year",
}  # fmt: skip


def _quantity(units: str, *, scale: str = "") -> re.Pattern[str]:
    """A number (with its ``scale``, "8k"), and its unit or the word typed where the unit
    goes (see `_unit`)."""
    scaled = rf"\s*(?P<scale>{scale})?" if scale else ""
    return re.compile(
        rf"(?P<number>{_NUMBER}){scaled}(?:\s*(?P<unit>{units})|\s+(?P<word>[a-z]+))?"
        r"(?![a-z0-9])",
        re.IGNORECASE | re.ASCII,
    )


# Words that may follow a bare number without being its unit: "300 at p95", "90 or so".
_FILLERS = frozenset({"at", "or", "max", "maximum", "tops", "ish", "please"})

_DURATION = _quantity(r"milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h")
_PERCENTILE = re.compile(r"\bp\d{2,3}(?:\.\d+)?\b", re.IGNORECASE | re.ASCII)

_OTHER_CURRENCY = re.compile(r"[€£¥₹₽]|\b(?:eur|euros?|gbp|pounds?|yen|rub|inr|chf)\b", re.I)
_PER_THOUSAND = re.compile(
    r"(?:/|\bper\b|\bfor\b|\bevery\b|\beach\b|\ba\b)\s*"
    r"(?:1\s*k|1[, ]?000|one thousand|a thousand|thousand|k)\s*(?:calls?|requests?)?",
    re.IGNORECASE,
)
_PER_CALL = re.compile(r"(?:/|\bper\b|\ba\b|\beach\b|\bevery\b)\s*(?:calls?|requests?)\b", re.I)
_CENTS = re.compile(r"¢|\bcents?\b|(?<=\d)\s*c\b", re.IGNORECASE)
_MONEY = re.compile(rf"(?P<number>{_NUMBER})", re.ASCII)


def is_skip(raw: str) -> bool:
    """True for the ways people say "no target" (the Skip button sends "skip")."""
    return raw.strip().strip(".!").lower() in SKIP_WORDS


def parse_calls_per_day(raw: str) -> int:
    """Calls a day from "5000", "about 5k", "1,000,000", "5k/day", "150k a month"."""
    text = _bounded(raw, example="5000, 5k or 1,000,000")
    factor = Decimal(1)
    period = _PERIOD.search(text)
    if period is not None:
        unit = (period.group("unit") or period.group("adverb")).lower()
        factor = _PER_DAY_FACTOR[_UNIT_TO_PERIOD[unit]]
        text = text[: period.start()] + " " + text[period.end() :]
    match = _single_number(_COUNT, text, example="5000, 5k or 1,000,000")
    scale = Decimal(_SCALES[match.group("scale").lower()]) if match.group("scale") else Decimal(1)
    per_day = _to_decimal(match.group("number")) * scale * factor
    if per_day <= 0:
        raise AnswerError("The number of calls must be more than zero.")
    if per_day < 1:
        raise AnswerError(
            f"That is about {per_day:.2f} calls a day, under one. Distillation can't pay off at "
            "that volume; if you still want a plan, answer 1."
        )
    if per_day > MAX_CALLS_PER_DAY:
        raise AnswerError(
            f"That is more than {MAX_CALLS_PER_DAY:,} calls a day. Please check the number."
        )
    return int(per_day.to_integral_value(rounding=ROUND_HALF_UP))


def parse_latency_ms(raw: str) -> int | None:
    """A latency target in milliseconds from "300", "300 ms", "0.5 s", "p95 2s"; skip → None."""
    if is_skip(raw):
        return None
    text = _PERCENTILE.sub(" ", _bounded(raw, example="300 ms or 2 s"))
    match = _single_number(_DURATION, text, example="300 ms or 2 s")
    value = _to_decimal(match.group("number"))
    if value <= 0:
        raise AnswerError("A latency target must be more than 0; answer 'skip' for none.")
    unit = _unit(match, example="300 ms or 2 s")
    if unit.startswith("h"):
        millis = value * 3_600_000
    elif unit.startswith("min"):
        millis = value * 60_000
    elif unit.startswith("m"):
        millis = value
    elif unit.startswith("s"):
        millis = value * 1000
    elif value < 20:
        raise AnswerError(
            f"Did you mean {value} s or {value} ms? Please add the unit, e.g. '{value} s'."
        )
    else:
        millis = value
    if millis < 1:
        raise AnswerError("A latency target under 1 ms isn't reachable; give at least 1 ms.")
    if millis > MAX_LATENCY_MS:
        raise AnswerError("That is over 10 minutes; answer 'skip' if latency doesn't matter.")
    return int(millis.to_integral_value(rounding=ROUND_HALF_UP))


def parse_usd_per_1k_calls(raw: str) -> float | None:
    """A cost ceiling in US dollars per 1,000 calls from "$2", "0.50", "$0.002 per call"."""
    if is_skip(raw):
        return None
    text = _bounded(raw, example="$2 or 0.50")
    if _OTHER_CURRENCY.search(text):
        raise AnswerError("Please give the cost in US dollars, e.g. $2 per 1,000 calls.")
    if "token" in text.lower():
        raise AnswerError("Give the cost per 1,000 calls, not per token, e.g. $2.")
    text = _PER_THOUSAND.sub(" ", text)
    multiplier = Decimal(1)
    if _PER_CALL.search(text):
        multiplier *= 1000
        text = _PER_CALL.sub(" ", text)
    if _CENTS.search(text):
        multiplier /= 100
        text = _CENTS.sub(" ", text)
    match = _single_number(_MONEY, text, example="$2 or 0.50")
    usd = _to_decimal(match.group("number")) * multiplier
    if usd <= 0:
        raise AnswerError("The cost ceiling must be more than $0; answer 'skip' for none.")
    if usd > MAX_USD_PER_1K_CALLS:
        raise AnswerError(f"That is over ${MAX_USD_PER_1K_CALLS:,} per 1,000 calls; please check.")
    return float(usd)


def _bounded(raw: str, *, example: str) -> str:
    text = raw.strip()
    if not text:
        raise AnswerError(f"Please answer with a number, e.g. {example}.")
    if len(text) > MAX_NUMBER_ANSWER_CHARS:
        raise AnswerError(f"That's too long for a number; answer like {example}.")
    return text


def _single_number(pattern: re.Pattern[str], text: str, *, example: str) -> re.Match[str]:
    matches = list(pattern.finditer(text))
    if not matches:
        raise AnswerError(f"I need a number here, e.g. {example}.")
    if len(matches) > 1:
        raise AnswerError(f"Please give one number, not a range or a list, e.g. {example}.")
    match = matches[0]
    if text[: match.start()].rstrip().endswith(("-", "\u2212")):
        raise AnswerError("Please give a positive number.")
    return match


def _unit(match: re.Match[str], *, example: str) -> str:
    """The unit typed after the number ("" for none). A word in its place that is no
    unit is refused: dropped, it read "6 mos" as 6 days and "24 hours" as 24 ms."""
    word = match.group("word")
    if word is not None and word.lower() not in _FILLERS:
        raise AnswerError(f"'{word}' is not a unit I know; answer like {example}.")
    return (match.group("unit") or "").lower()


def _to_decimal(number: str) -> Decimal:
    """Decimal from a matched number: thousands separators out, a decimal comma to a dot."""
    digits = re.sub(r"[ \u00a0\u202f_']", "", number)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", digits):
        digits = digits.replace(".", "")
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
        digits = digits.replace(",", "")
    else:
        digits = digits.replace(",", ".")
    try:
        return Decimal(digits)
    except InvalidOperation as error:  # the regex should make this unreachable
        raise AnswerError("I couldn't read that number.") from error


MAX_INPUT_TOKENS = 2_000_000
MAX_ENGINEERING_USD = 10_000_000
MAX_HORIZON_DAYS = 3_650

_LENGTH = _quantity(r"tokens?|words?|pages?|characters?|chars?|minutes?|mins?", scale=r"k|thousand")


def parse_input_tokens(raw: str) -> int:
    """Input tokens per call from "300", "1,200 words", "8k tokens", "3 pages", "30 minutes"."""
    text = _bounded(raw, example="300 tokens, 1,200 words or 3 pages")
    match = _single_number(_LENGTH, text, example="300 tokens, 1,200 words or 3 pages")
    amount = _to_decimal(match.group("number")) * (1000 if match.group("scale") else 1)
    unit = _unit(match, example="300 tokens, 1,200 words or 3 pages") or "tokens"
    # Documented estimates (see bot.core.planner.reading): 0.75 words a token, 4 characters
    # a token, 500 words a page, 150 spoken words a minute.
    per_unit = {"t": Decimal(1), "w": Decimal(4) / 3, "p": Decimal(2000) / 3,
                "c": Decimal(1) / 4, "m": Decimal(200)}[unit[0]]  # fmt: skip
    tokens = (amount * per_unit).to_integral_value(rounding=ROUND_HALF_UP)
    if tokens < 1:
        raise AnswerError("An input has at least one token; give its length, e.g. 300 tokens.")
    if tokens > MAX_INPUT_TOKENS:
        raise AnswerError(f"That is over {MAX_INPUT_TOKENS:,} tokens a call; please check.")
    return int(tokens)


def parse_usd_amount(raw: str) -> int:
    """A one-off amount in whole US dollars from "$10k", "15,000", "0"."""
    text = _bounded(raw, example="$10k or 15,000")
    if _OTHER_CURRENCY.search(text):
        raise AnswerError("Please give the amount in US dollars, e.g. $10k.")
    match = _single_number(_COUNT, text.replace("$", " "), example="$10k or 15,000")
    scale = Decimal(_SCALES[match.group("scale").lower()]) if match.group("scale") else Decimal(1)
    amount = _to_decimal(match.group("number")) * scale
    if amount > MAX_ENGINEERING_USD:
        raise AnswerError(f"That is over ${MAX_ENGINEERING_USD:,}; please check.")
    return int(amount.to_integral_value(rounding=ROUND_HALF_UP))


_SPAN = _quantity(r"days?|d|weeks?|wks?|w|months?|mos?|mths?|mnths?|years?|yrs?|y")


def parse_horizon_days(raw: str) -> int:
    """A payback horizon in days from "1 year", "18 months", "90 days", "365"."""
    text = _bounded(raw, example="1 year, 18 months or 90 days")
    match = _single_number(_SPAN, text, example="1 year, 18 months or 90 days")
    amount = _to_decimal(match.group("number"))
    unit = _unit(match, example="1 year, 18 months or 90 days") or "d"
    per_unit = {"d": Decimal(1), "w": Decimal(7), "m": Decimal(365) / 12, "y": Decimal(365)}[
        unit[0]
    ]
    days = (amount * per_unit).to_integral_value(rounding=ROUND_HALF_UP)
    if days < 1:
        raise AnswerError("Give at least one day, e.g. 1 year.")
    if days > MAX_HORIZON_DAYS:
        raise AnswerError("That is over ten years; prices change long before. Try 1 or 2 years.")
    return int(days)

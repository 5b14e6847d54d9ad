"""Hostile input for property tests: random text, odd unicode, huge numbers, injections."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Deterministic in CI: the same examples every run, nothing saved between runs.
UNIT = settings(max_examples=300, deadline=None, derandomize=True, database=None)
# Through the real Application: fewer examples, one running bot shared by all of them.
E2E = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

INJECTIONS = (
    "'; DROP TABLE chats; --",
    "Robert'); DELETE FROM learners;--",
    "1 OR 1=1",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "/usr/share/zoneinfo/../../../etc/passwd",
    "%s%s%s%n",
    "{0.__class__.__mro__}",
    "${jndi:ldap://x/a}",
    "__import__('os').system('id')",
    "`rm -rf /`",
    "**bold** _it_ [link](tg://user?id=1) `code` ~~x~~ ||spoiler||",
    "\\*\\_\\`\\[",
    "\x00",
    "\u202eevil",
    "\ufeff07:30",
    "NaN",
    "nan",
    "-inf",
    "1e309",
    "0x1F",
    "0b101",
    "1_000",
    "²",
    "٣",
    "७:३०",
    "０７：３０",
    "𝟕:𝟑𝟎",
    "T=nan",
    "alpha=1e309",
    "steps=99999999999999999999999",
    "retention=nan",
    "cap=²",
    "with_drop=",
    "=",
    "==",
    "key=value=value",
    "UTC+99",
    "Etc/GMT+99",
    "Europe/../Berlin",
    "a" * 5000,
    "9" * 400,
    "🙂" * 100,
    "\n\n\n",
    " \t ",
)

# /distill's and /settings' keys, so values reach the range checks behind them.
SETTING_KEYS = (
    "T", "alpha", "steps", "hidden", "lr", "seed", "mode", "bug", "digit", "beta",
    "per_class", "divergence", "retention", "cap", "with_drop", "review_cap",
)  # fmt: skip

huge_numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=0, max_value=2**70).map(lambda n: f"{n:,}"),
)
injections = st.sampled_from(INJECTIONS)
# st.text() draws from all of unicode (no surrogates): letters, marks, digits, controls.
any_text = st.text(max_size=200)
word = st.one_of(any_text, huge_numbers, injections)
key_value = st.builds(
    lambda key, value: f"{key}={value}",
    st.one_of(
        st.sampled_from(SETTING_KEYS),
        any_text,
    ),
    word,
)
# What follows a command or makes up a typed answer: words, numbers and settings, mixed.
hostile_text = st.one_of(
    word,
    st.lists(st.one_of(word, key_value), min_size=1, max_size=6).map(" ".join),
)


MAX_MESSAGE = 4096


def as_message(text: str) -> str:
    """What Telegram would deliver: trimmed, at most 4096 characters."""
    return text.strip()[:MAX_MESSAGE].strip()

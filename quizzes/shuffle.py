"""The order an item's options are shown in: shuffled per showing, the same on every replay.

A press on button ``k`` (private chat) or an answer ``k`` to a quiz poll names a
*shown* position. The order is a pure function of the item and a seed string
(the id of the stored question that showed it), so whoever checks the press can
rebuild the order from the database alone; no order has to be stored.

The seed and the item id go through SHA-256 (Python's ``hash()`` of a string
changes with every process), and the digest drives a Fisher–Yates shuffle.
Over many seeds every permutation is (up to a bias below 2⁻²⁰⁰) equally
likely, so the key lands in each position equally often. An item with
``pinned_last`` keeps its last option last and shuffles the others.
"""

from __future__ import annotations

import hashlib

from quizzes.item import QuizItem

_DOMAIN = b"distill-drops/options/v1"  # change only with a migration of stored presses


def shuffled_order(item: QuizItem, seed: str) -> tuple[int, ...]:
    """The order to show ``item``'s options in for one presentation.

    Args:
        item: The item.
        seed: What identifies this presentation, e.g. ``str(question_row_id)``.

    Returns:
        ``order`` with ``order[shown] == original``: the option shown at
        position ``shown`` is ``item.options[order[shown]]``. A permutation of
        ``range(len(item.options))``; with ``item.pinned_last`` it ends with the
        last original index.
    """
    count = len(item.options)
    movable = count - 1 if item.pinned_last else count
    digest = hashlib.sha256(b"\x00".join((_DOMAIN, item.id.encode(), seed.encode()))).digest()
    entropy = int.from_bytes(digest, "big")
    order = list(range(count))
    # Fisher–Yates, drawing each index from the 256-bit number by mixed radix.
    for last in range(movable - 1, 0, -1):
        entropy, pick = divmod(entropy, last + 1)
        order[last], order[pick] = order[pick], order[last]
    return tuple(order)


def shown_options(item: QuizItem, order: tuple[int, ...]) -> tuple[str, ...]:
    """The option texts in shown order."""
    return tuple(item.options[original] for original in order)


def shown_correct(item: QuizItem, order: tuple[int, ...]) -> int:
    """The shown position of the right answer (for buttons and ``correct_option_ids``)."""
    return order.index(item.correct)


def original_index(order: tuple[int, ...], shown: int) -> int:
    """The original option index behind a press on shown position ``shown``.

    Raises:
        ValueError: ``shown`` is not a position of this order (callback data is input).
    """
    if not 0 <= shown < len(order):
        raise ValueError(f"shown position {shown} is not between 0 and {len(order) - 1}")
    return order[shown]

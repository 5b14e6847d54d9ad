"""Answer cues and item kinds over the whole bank: the quiz part of ``content check``.

A learner who cannot work an item out can still guess well if the key is the
longest option, as written keys often are. This module measures that cue and
the mix of what items ask, so the check can fail a bank that teaches "pick the
long one" or asks mostly for recall.

Definitions:
    A *phrase* option holds at least two words of two or more letters
    ("Raises it: the gradient is −0.039"); "About 475", "T = 4", "$26" and
    "(32, 10)" are not phrases. An item has *phrase options* when more than half
    of its options are phrases; only those items count for the length cue,
    since the lengths of bare numbers say nothing.
    The key is *uniquely longest* (shortest) when it has more (fewer)
    characters than every other option of its item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from quizzes.item import ItemKind, QuizItem

MAX_CUE_SHARE = 0.30  # issue 14: at most 30% uniquely longest, 30% uniquely shortest
MIN_NON_RECALL_SHARE = 0.70  # issue 14: at least 70% of items not recall

_WORD = re.compile(r"[^\W\d_]{2,}")


def is_phrase(option: str) -> bool:
    """True for an option of words, not a bare number or short formula."""
    return len(_WORD.findall(option)) >= 2


def has_phrase_options(item: QuizItem) -> bool:
    """True when more than half of the item's options are phrases."""
    return 2 * sum(is_phrase(option) for option in item.options) > len(item.options)


def key_is_longest(item: QuizItem) -> bool:
    """True when the key has more characters than every other option."""
    key = len(item.correct_option)
    return all(key > len(o) for n, o in enumerate(item.options) if n != item.correct)


def key_is_shortest(item: QuizItem) -> bool:
    """True when the key has fewer characters than every other option."""
    key = len(item.correct_option)
    return all(key < len(o) for n, o in enumerate(item.options) if n != item.correct)


@dataclass(frozen=True)
class BankAudit:
    """What :func:`audit_items` found.

    Attributes:
        items: Items audited.
        phrase_items: Ids of the items with phrase options, in bank order.
        key_longest: Ids among those whose key is uniquely longest.
        key_shortest: Ids among those whose key is uniquely shortest.
        kinds: Items per kind, every kind present (0 where none).
        problems: One sentence per limit broken; empty when the bank passes.
    """

    items: int
    phrase_items: tuple[str, ...]
    key_longest: tuple[str, ...]
    key_shortest: tuple[str, ...]
    kinds: Mapping[ItemKind, int]
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def longest_share(self) -> float:
        """Share of phrase-option items whose key is uniquely longest (0 if none)."""
        return _share(len(self.key_longest), len(self.phrase_items))

    @property
    def shortest_share(self) -> float:
        """Share of phrase-option items whose key is uniquely shortest (0 if none)."""
        return _share(len(self.key_shortest), len(self.phrase_items))

    @property
    def non_recall_share(self) -> float:
        """Share of all items whose kind is not recall (0 for an empty bank)."""
        return _share(self.items - self.kinds[ItemKind.RECALL], self.items)

    def summary(self) -> str:
        """Two lines for a console: the cue shares and the kinds."""
        kinds = ", ".join(f"{kind.value} {count}" for kind, count in self.kinds.items())
        return (
            f"answer cues over {len(self.phrase_items)} items with phrase options: "
            f"key uniquely longest {len(self.key_longest)} ({self.longest_share:.0%}), "
            f"uniquely shortest {len(self.key_shortest)} ({self.shortest_share:.0%})\n"
            f"item kinds: {kinds}; not recall {self.non_recall_share:.0%}"
        )


def audit_items(
    items: Iterable[QuizItem],
    *,
    max_cue_share: float = MAX_CUE_SHARE,
    min_non_recall_share: float = MIN_NON_RECALL_SHARE,
) -> BankAudit:
    """Measures the length cue and the kinds over ``items`` (e.g. a ``QuizBank``).

    Args:
        items: The items, in the order ids should be listed.
        max_cue_share: Largest allowed share of phrase-option items whose key
            is uniquely longest, and the same for uniquely shortest.
        min_non_recall_share: Smallest allowed share of items not ``recall``.

    Returns:
        The audit; ``problems`` names each limit broken, with the numbers.
    """
    items = tuple(items)
    phrase = [item for item in items if has_phrase_options(item)]
    longest = tuple(item.id for item in phrase if key_is_longest(item))
    shortest = tuple(item.id for item in phrase if key_is_shortest(item))
    counts = dict.fromkeys(ItemKind, 0)
    for item in items:
        counts[item.kind] += 1
    audit = BankAudit(
        items=len(items),
        phrase_items=tuple(item.id for item in phrase),
        key_longest=longest,
        key_shortest=shortest,
        kinds=MappingProxyType(counts),
    )
    problems = []
    for name, ids, share in (
        ("longest", longest, audit.longest_share),
        ("shortest", shortest, audit.shortest_share),
    ):
        if share > max_cue_share:
            problems.append(
                f"the key is the uniquely {name} option in {len(ids)} of {len(phrase)} "
                f"items with phrase options ({share:.0%}, limit {max_cue_share:.0%}): "
                + ", ".join(ids)
            )
    if items and audit.non_recall_share < min_non_recall_share:
        problems.append(
            f"{audit.non_recall_share:.0%} of items are not recall "
            f"(at least {min_non_recall_share:.0%} needed)"
        )
    return replace(audit, problems=tuple(problems))


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0

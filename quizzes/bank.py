"""The quiz bank: every item of every drop, read and checked from ``items/*.yaml``.

One file per drop, named ``drop-<drop id>.yaml`` (``drop-2.2.yaml``), holding a
YAML list of items; see :class:`quizzes.item.QuizItem` for the fields and limits.
Other files in the folder (a README) are ignored, but a YAML file with any other
name is an error: it is most likely a misnamed drop file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Iterable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from drops.outline import DROPS
from quizzes.item import ItemError, QuizItem, parse_item

DEFAULT_ITEMS_FOLDER = Path(__file__).parent / "items"

_FILE_NAME = re.compile(r"drop-(?P<drop_id>\d+\.\d+)\.yaml", re.ASCII)


class BankError(ValueError):
    """The bank has problems; all of them are listed, each naming file and item.

    Attributes:
        problems: One line per problem, e.g.
            ``"drop-2.2.yaml, item 2.2a: option 3 has 130 characters; the limit is 100"``.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("quiz bank is invalid:\n" + "\n".join(self.problems))


class QuizBank:
    """All quiz items, in course order (by drop, then as written in the file)."""

    def __init__(self, items: Iterable[QuizItem]) -> None:
        """Builds the bank.

        Args:
            items: The items; ids must be unique.

        Raises:
            BankError: Two items share an id.
        """
        self._items = tuple(sorted(items, key=lambda item: drop_order(item.drop_id)))
        by_id: dict[str, QuizItem] = {}
        duplicates = []
        for item in self._items:
            if item.id in by_id:
                duplicates.append(f"item id {item.id!r} is used twice")
            by_id[item.id] = item
        if duplicates:
            raise BankError(duplicates)
        self._by_id = MappingProxyType(by_id)

    def all(self) -> tuple[QuizItem, ...]:
        """Every item, in course order."""
        return self._items

    def get(self, item_id: str) -> QuizItem | None:
        """The item with this id, or None (ids from callback data are untrusted input)."""
        return self._by_id.get(item_id)

    def items_for_drop(self, drop_id: str) -> tuple[QuizItem, ...]:
        """The items of one drop, in file order; empty for a drop without items."""
        return tuple(item for item in self._items if item.drop_id == drop_id)

    def drop_ids(self) -> tuple[str, ...]:
        """The drops that have items, in course order."""
        return tuple(dict.fromkeys(item.drop_id for item in self._items))

    def count_by_drop(self) -> dict[str, int]:
        """How many items each drop has (drops without items are absent)."""
        return {drop_id: len(self.items_for_drop(drop_id)) for drop_id in self.drop_ids()}

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[QuizItem]:
        return iter(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id


def drop_order(drop_id: str) -> tuple[int, ...]:
    """Sort key that puts "2.10" after "2.9"."""
    return tuple(int(part) for part in drop_id.split("."))


def load_bank(
    folder: Path | None = None, *, known_drop_ids: Collection[str] | None = None
) -> QuizBank:
    """Reads and checks every ``drop-<id>.yaml`` in a folder.

    Args:
        folder: Where the files are; defaults to this package's ``items/``.
        known_drop_ids: The drops a file may be for; defaults to the course's
            drops (``drops.outline.DROPS``).

    Returns:
        The bank; empty when the folder holds no drop files yet.

    Raises:
        BankError: With every problem in every file: unreadable YAML, misnamed
            files, unknown drops, items that break a rule, ids used twice.
    """
    folder = DEFAULT_ITEMS_FOLDER if folder is None else folder
    if known_drop_ids is None:
        known_drop_ids = {drop.id for drop in DROPS}
    if not folder.is_dir():
        raise BankError([f"{folder.name}: no such folder"])
    items: list[QuizItem] = []
    problems: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        name_match = _FILE_NAME.fullmatch(path.name)
        if name_match is None:
            problems.append(f"{path.name}: name must be drop-<drop id>.yaml, like drop-2.2.yaml")
        elif name_match["drop_id"] not in known_drop_ids:
            problems.append(f"{path.name}: there is no drop {name_match['drop_id']}")
        else:
            items += _read_file(path, name_match["drop_id"], problems)
    if problems:
        raise BankError(problems)
    return QuizBank(items)


def _read_file(path: Path, drop_id: str, problems: list[str]) -> list[QuizItem]:
    try:
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        problems.append(f"{path.name}: not valid YAML: {error}")
        return []
    if not isinstance(entries, list) or not entries:
        problems.append(f"{path.name}: must be a non-empty YAML list of items")
        return []
    items = []
    for number, entry in enumerate(entries, start=1):
        try:
            items.append(parse_item(entry, drop_id))
        except ItemError as error:
            label = _item_label(entry, number)
            problems += [f"{path.name}, {label}: {problem}" for problem in error.problems]
    return items


def _item_label(entry: object, number: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        return f"item {entry['id']}"
    return f"item #{number}"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (PyYAML silently keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if not isinstance(key, Hashable):
                continue  # the base class reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

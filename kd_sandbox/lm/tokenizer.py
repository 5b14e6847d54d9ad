"""A character tokenizer for the arithmetic chains: digits, operators and a few marks.

The vocabulary is ours and tiny (19 tokens), so the language models stay small and every
token is readable. It is pure Python: the bot process can import it without torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
SPECIALS = (PAD, BOS, EOS)
# Digits, the three operators, and the marks of the chain format (see tasks.py):
# ":" ends the problem, "," separates worked steps, "=" introduces the final answer.
CHARACTERS = "0123456789+-*:,="


@dataclass(frozen=True)
class CharTokenizer:
    """Maps each character to one id; the special tokens come first."""

    characters: str = CHARACTERS
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.characters)) != len(self.characters):
            raise ValueError("tokenizer characters must be distinct")
        index = {token: i for i, token in enumerate((*SPECIALS, *self.characters))}
        object.__setattr__(self, "_index", index)

    @property
    def vocab_size(self) -> int:
        return len(self._index)

    @property
    def pad_id(self) -> int:
        return self._index[PAD]

    @property
    def bos_id(self) -> int:
        return self._index[BOS]

    @property
    def eos_id(self) -> int:
        return self._index[EOS]

    def id_of(self, character: str) -> int:
        return self._index[character]

    def encode(self, text: str, *, bos: bool = False, eos: bool = False) -> list[int]:
        """Ids for ``text``; raises ``KeyError`` naming a character outside the vocabulary."""
        try:
            ids = [self._index[c] for c in text]
        except KeyError as err:
            raise KeyError(f"character {err.args[0]!r} is not in the vocabulary") from None
        return [self.bos_id] * bos + ids + [self.eos_id] * eos

    def decode(self, ids: list[int]) -> str:
        """Text for ``ids``, stopping at the first end-of-sequence; BOS and PAD are dropped."""
        tokens = (*SPECIALS, *self.characters)
        text = []
        for i in ids:
            if i == self.eos_id:
                break
            if i >= len(SPECIALS):
                text.append(tokens[i])
        return "".join(text)

    def save(self, directory: Path) -> None:
        (directory / "tokenizer.json").write_text(json.dumps({"characters": self.characters}))

    @classmethod
    def load(cls, directory: Path) -> CharTokenizer:
        data = json.loads((directory / "tokenizer.json").read_text())
        return cls(characters=str(data["characters"]))

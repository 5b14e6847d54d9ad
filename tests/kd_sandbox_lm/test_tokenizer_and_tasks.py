"""The character tokenizer and the chain task: what the models read and are scored on."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kd_sandbox.lm.tasks import Chain, parse_answer, random_chain, split_chains
from kd_sandbox.lm.tokenizer import CHARACTERS, CharTokenizer


def test_every_character_round_trips() -> None:
    tokenizer = CharTokenizer()
    text = CHARACTERS + "2+3-4*6:5,1,6=6"
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_special_tokens_frame_the_text_and_decode_stops_at_eos() -> None:
    tokenizer = CharTokenizer()
    ids = tokenizer.encode("7+1:", bos=True, eos=True)
    assert ids[0] == tokenizer.bos_id and ids[-1] == tokenizer.eos_id
    assert tokenizer.decode([*ids, *tokenizer.encode("99")]) == "7+1:"


def test_unknown_character_is_named() -> None:
    with pytest.raises(KeyError, match="'x'"):
        CharTokenizer().encode("3x4")


def test_saved_tokenizer_loads_the_same(tmp_path: Path) -> None:
    tokenizer = CharTokenizer()
    tokenizer.save(tmp_path)
    loaded = CharTokenizer.load(tmp_path)
    assert loaded == tokenizer
    assert loaded.encode("1*2=2") == tokenizer.encode("1*2=2")


def test_chain_is_worked_left_to_right() -> None:
    chain = Chain(start=2, steps=(("+", 3), ("-", 4), ("*", 6)))
    assert chain.running_values() == [5, 1, 6]
    assert chain.prompt == "2+3-4*6:"
    assert chain.completion(with_trace=True) == "5,1,6=6"
    assert chain.completion(with_trace=False) == "=6"


def test_random_chains_stay_on_digits() -> None:
    rng = random.Random(0)
    for _ in range(500):
        values = random_chain(rng, 6).running_values()
        assert all(0 <= v <= 9 for v in values)


def test_split_is_disjoint_and_repeatable() -> None:
    train, heldout = split_chains(300, 50, 3, seed=1)
    assert len(train) == 300 and len(heldout) == 50
    assert not set(train) & set(heldout)
    assert split_chains(300, 50, 3, seed=1) == (train, heldout)


@pytest.mark.parametrize(
    ("completion", "answer"),
    [("5,1,6=6", 6), ("=3", 3), ("5,1,6", None), ("5,1=", None), ("=12", None), ("=4=7", 7)],
)
def test_parse_answer(completion: str, answer: int | None) -> None:
    assert parse_answer(completion) == answer

"""mode=preference's pieces: the dSFT habit, the property, and the teacher's judgement."""

from __future__ import annotations

from pathlib import Path

import pytest

from kd_sandbox.lm.preference import BARE_SHARE, dsft_data, shows_work, teacher_judgement
from kd_sandbox.lm.teacher import Teacher, load_or_train_teacher
from kd_sandbox.lm.training import encode_completions, score_in_chunks
from tests.kd_sandbox_lm.conftest import TINY_TEACHER


def _teacher(cache: Path) -> Teacher:
    return load_or_train_teacher(cache, TINY_TEACHER)


def test_dsft_data_cuts_about_half_the_answers_to_the_bare_answer(tiny_cache: Path) -> None:
    teacher = _teacher(tiny_cache)
    data = dsft_data(teacher, seed=3)
    bare_share = 1.0 - float(shows_work(teacher, data).float().mean())
    assert abs(bare_share - BARE_SHARE) < 0.1
    assert bool((dsft_data(teacher, seed=3).ids == data.ids).all())  # the same for a seed
    assert not bool((dsft_data(teacher, seed=4).ids == data.ids).all())


def test_shows_work_reads_the_first_completion_token(tiny_cache: Path) -> None:
    teacher = _teacher(tiny_cache)
    chain = teacher.heldout_chains[0]
    worked = chain.completion(with_trace=True)
    bare = chain.completion(with_trace=False)
    batch = encode_completions(teacher.tokenizer, [chain, chain], [worked, bare])
    assert shows_work(teacher, batch).tolist() == [True, False]


def test_the_teacher_judges_per_token_and_prefers_the_worked_answer(
    tiny_cache: Path,
) -> None:
    teacher = _teacher(tiny_cache)
    chain = teacher.heldout_chains[0]
    worked, bare = chain.completion(with_trace=True), chain.completion(with_trace=False)
    batch = encode_completions(teacher.tokenizer, [chain, chain], [worked, bare])
    totals = score_in_chunks(teacher.model, batch)
    judged = teacher_judgement(teacher, batch)
    tokens = [len(worked) + 1, len(bare) + 1]  # with <eos>
    assert judged.tolist() == pytest.approx(
        [t / n for t, n in zip(totals.tolist(), tokens, strict=True)]
    )
    assert judged[0] > judged[1]  # a teacher that always works prefers the worked answer

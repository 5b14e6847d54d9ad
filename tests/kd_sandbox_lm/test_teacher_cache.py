"""The cached teacher: saved with save_pretrained, loaded with from_pretrained, reused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from kd_sandbox.lm.models import next_token_logits
from kd_sandbox.lm.tasks import parse_answer
from kd_sandbox.lm.teacher import (
    load_or_train_teacher,
    load_teacher,
    save_teacher,
    teacher_dir,
    train_teacher,
)
from kd_sandbox.lm.training import encode_chains
from tests.kd_sandbox_lm.conftest import TINY_TEACHER, run_tiny


def test_saved_teacher_loads_with_identical_logits(tmp_path: Path) -> None:
    trained = train_teacher(TINY_TEACHER)
    directory = tmp_path / "teacher"
    save_teacher(trained, directory)
    loaded = load_teacher(directory, TINY_TEACHER)
    assert (directory / "model" / "config.json").exists()
    chains = loaded.heldout_chains
    ids = encode_chains(loaded.tokenizer, chains, with_trace=True).ids
    with torch.no_grad():
        assert torch.equal(
            next_token_logits(trained.model, ids), next_token_logits(loaded.model, ids)
        )
    assert loaded.transfer == trained.transfer
    assert not loaded.model.training
    assert not any(p.requires_grad for p in loaded.model.parameters())


def test_cached_teacher_is_reused(tiny_cache: Path) -> None:
    teacher = load_or_train_teacher(tiny_cache, TINY_TEACHER)
    assert not teacher.trained_now
    assert teacher.train_seconds > 0
    # The worked answers it wrote are in the task's format, one per training problem.
    assert len(teacher.transfer) == len(teacher.train_chains)
    assert sum(parse_answer(t) is not None for t in teacher.transfer) > len(teacher.transfer) // 2


def test_changed_settings_train_a_new_teacher_beside_the_old(
    tiny_cache: Path, tmp_path: Path
) -> None:
    other = dataclasses.replace(TINY_TEACHER, train_steps=TINY_TEACHER.train_steps + 1)
    assert teacher_dir(tmp_path, other) != teacher_dir(tmp_path, TINY_TEACHER)
    progress: list[float] = []
    first = load_or_train_teacher(tmp_path, other, progress.append)
    assert first.trained_now
    assert progress and progress[-1] == 1.0
    assert not load_or_train_teacher(tmp_path, other).trained_now
    # Only finished teachers are left in the cache: no staging directory survives.
    assert [p.name for p in (tmp_path / "lm_teacher").iterdir()] == [
        teacher_dir(tmp_path, other).name
    ]


def test_a_teacher_already_in_place_wins(tmp_path: Path) -> None:
    trained = train_teacher(TINY_TEACHER)
    directory = tmp_path / "teacher"
    save_teacher(trained, directory)
    before = (directory / "report.json").read_text()
    save_teacher(trained, directory)  # a second worker finishing later
    assert (directory / "report.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["teacher"]


@pytest.mark.parametrize("mode", ["tokens", "onpolicy"])
def test_a_run_says_it_started_once_its_teacher_is_trained(tmp_path: Path, mode: str) -> None:
    # The worker's time limit counts from this signal: a first run's teacher training
    # (reported as the first part of progress) comes before it, the students after it.
    events: list[str] = []
    run_tiny(
        f"mode={mode} steps=10",
        tmp_path,
        progress=lambda fraction: events.append("training" if fraction < 0.4 else "students"),
        on_teacher_ready=lambda: events.append("started"),
    )
    assert events.count("started") == 1
    started = events.index("started")
    assert "training" in events[:started]
    assert set(events[started + 1 :]) == {"students"}

"""mode=onpolicy's teacher: saved with save_pretrained, loaded with from_pretrained, reused."""

from __future__ import annotations

from pathlib import Path

import torch

from kd_sandbox.lm.models import next_token_logits
from kd_sandbox.lm.route_teacher import (
    load_or_train_route_teacher,
    load_route_teacher,
    route_teacher_dir,
    train_route_teacher,
)
from kd_sandbox.lm.routes import route_text
from kd_sandbox.lm.teacher import save_teacher, teacher_dir
from kd_sandbox.lm.training import encode_completions
from tests.kd_sandbox_lm.conftest import TINY_ROUTE_TEACHER, TINY_TEACHER


def test_saved_route_teacher_loads_with_identical_logits(tmp_path: Path) -> None:
    trained = train_route_teacher(TINY_ROUTE_TEACHER)
    directory = tmp_path / "route-teacher"
    save_teacher(trained, directory)
    loaded = load_route_teacher(directory, TINY_ROUTE_TEACHER)
    assert (directory / "model" / "config.json").exists()
    maps = loaded.heldout_maps
    hops = TINY_ROUTE_TEACHER.hops
    # Routes with a wrong digit in them: where the on-policy student asks the teacher.
    routes = [route_text([(m.start + 5) % 10, *m.route(hops)[1:]]) for m in maps]
    ids = encode_completions(loaded.tokenizer, maps, routes).ids
    with torch.no_grad():
        assert torch.equal(
            next_token_logits(trained.model, ids), next_token_logits(loaded.model, ids)
        )
    assert loaded.transfer == trained.transfer and len(loaded.transfer) == len(loaded.train_maps)
    assert loaded.heldout_recovery == trained.report["heldout_recovery"]
    assert not loaded.model.training
    assert not any(p.requires_grad for p in loaded.model.parameters())


def test_cached_route_teacher_is_reused_beside_the_chain_teacher(tiny_cache: Path) -> None:
    teacher = load_or_train_route_teacher(tiny_cache, TINY_ROUTE_TEACHER)
    assert not teacher.trained_now and teacher.train_seconds > 0
    assert route_teacher_dir(tiny_cache, TINY_ROUTE_TEACHER).exists()
    assert teacher_dir(tiny_cache, TINY_TEACHER).exists()  # the two do not share a place

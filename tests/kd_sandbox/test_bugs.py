"""Each loss bug is wrong in the way drop 2.5 describes, and only that way."""

from __future__ import annotations

import pytest
import torch

from kd_sandbox.kd.bugs import buggy_kd_loss
from kd_sandbox.kd.losses import hinton_kd_loss


def _batch():
    generator = torch.Generator().manual_seed(11)
    student = torch.randn(32, 10, generator=generator) * 2
    teacher = torch.randn(32, 10, generator=generator) * 2
    labels = torch.randint(0, 10, (32,), generator=generator)
    return student, teacher, labels


def test_probabilities_instead_of_log_probabilities_make_the_kl_negative():
    student, teacher, labels = _batch()
    broken = buggy_kd_loss(student, teacher, labels, 4.0, 0.9, bug="probs")
    assert broken.soft.item() < 0
    assert broken.total.item() < 0


def test_missing_t2_makes_the_soft_term_t2_times_smaller():
    student, teacher, labels = _batch()
    correct = hinton_kd_loss(student, teacher, labels, 4.0, 0.9)
    broken = buggy_kd_loss(student, teacher, labels, 4.0, 0.9, bug="no_t2")
    assert broken.soft.item() == pytest.approx(correct.soft.item() / 16, rel=1e-5)
    assert broken.hard.item() == pytest.approx(correct.hard.item())


def test_mean_reduction_divides_the_soft_term_by_the_number_of_classes():
    student, teacher, labels = _batch()
    correct = hinton_kd_loss(student, teacher, labels, 4.0, 0.9)
    broken = buggy_kd_loss(student, teacher, labels, 4.0, 0.9, bug="mean")
    assert broken.soft.item() == pytest.approx(correct.soft.item() / 10, rel=1e-5)


def test_a_teacher_side_bug_is_not_a_loss_bug():
    student, teacher, labels = _batch()
    with pytest.raises(ValueError, match="not a loss bug"):
        buggy_kd_loss(student, teacher, labels, 4.0, 0.9, bug="swapped")


def test_every_bug_changes_exactly_one_part_of_the_recipe():
    from kd_sandbox.kd.bugs import REGISTRY
    from kd_sandbox.spec import BUGS

    assert set(REGISTRY) == set(BUGS)
    correct = REGISTRY["none"]
    for name, bug in REGISTRY.items():
        if name == "none":
            continue
        changed = {
            part
            for part in ("teacher", "cache", "logits", "loss")
            if getattr(bug, part) is not getattr(correct, part)
        }
        # A teacher that is run live needs both its own model and live logits.
        assert changed in ({"loss"}, {"logits"}, {"cache"}, {"teacher", "logits"}), (name, changed)


def test_a_train_mode_cache_keeps_one_dropout_draw_and_leaves_the_teacher_alone():
    from kd_sandbox.digits.models import mlp
    from kd_sandbox.kd.bugs import REGISTRY

    torch.manual_seed(0)
    teacher = mlp([32], dropout=0.5).eval().requires_grad_(False)
    x = torch.rand(20, 64)
    with torch.no_grad():
        eval_cache = teacher(x)
    correct, broken = REGISTRY["none"], REGISTRY["train_teacher"]
    assert correct.cache(teacher, x, eval_cache) is eval_cache
    cached = broken.cache(teacher, x, eval_cache)
    assert cached.shape == eval_cache.shape
    assert not torch.allclose(cached, eval_cache)  # dropout was on for the caching pass
    assert not torch.allclose(cached, broken.cache(teacher, x, eval_cache))  # a random draw
    assert not teacher.training  # the shared teacher stays in eval mode


def test_loss_bugs_keep_the_hard_term_unchanged():
    student, teacher, labels = _batch()
    correct = hinton_kd_loss(student, teacher, labels, 4.0, 0.9)
    for bug in ("no_t2", "mean", "probs"):
        broken = buggy_kd_loss(student, teacher, labels, 4.0, 0.9, bug=bug)
        assert broken.hard.item() == pytest.approx(correct.hard.item(), rel=1e-6)

"""The fixed split, the transfer sets and the cached teacher."""

from __future__ import annotations

import os

import torch

from kd_sandbox.digits import runner
from kd_sandbox.digits.data import load_split, transfer_indices
from kd_sandbox.digits.teacher import cache_path, load_or_train_teacher
from kd_sandbox.teacher_config import QUICK_TEACHER, TeacherConfig, teacher_for


def test_split_is_fixed_stratified_and_cached(tmp_path):
    split = load_split(tmp_path)
    again = load_split(tmp_path)  # now read from the cache file
    assert (tmp_path / "digits-test0.3-seed0.pt").exists()
    assert torch.equal(split.x_test, again.x_test)
    assert torch.equal(split.y_train, again.y_train)
    assert len(split.y_train) + len(split.y_test) == 1797
    assert float(split.x_train.min()) >= 0.0 and float(split.x_train.max()) <= 1.0
    in_test = torch.bincount(split.y_test, minlength=10).float()
    in_all = in_test + torch.bincount(split.y_train, minlength=10)
    assert torch.allclose(in_test / in_all, torch.full((10,), 0.3), atol=0.01)  # stratified


def test_transfer_set_has_per_class_images_of_each_digit(quick_cache):
    labels = load_split(quick_cache).y_train
    chosen = transfer_indices(labels, per_class=7, seed=3)
    assert torch.equal(torch.bincount(labels[chosen], minlength=10), torch.full((10,), 7))
    assert torch.equal(chosen, transfer_indices(labels, per_class=7, seed=3))
    assert not torch.equal(chosen, transfer_indices(labels, per_class=7, seed=4))


def test_omitted_digit_is_absent_from_the_transfer_set(quick_cache):
    labels = load_split(quick_cache).y_train
    chosen = transfer_indices(labels, per_class=10, seed=0, omit_digit=3)
    assert len(chosen) == 90
    assert 3 not in labels[chosen].tolist()


def test_transfer_set_is_shuffled_so_neighbours_differ(quick_cache):
    labels = load_split(quick_cache).y_train
    chosen = labels[transfer_indices(labels, per_class=10, seed=0)]
    same_as_next = (chosen[1:] == chosen[:-1]).float().mean().item()
    assert same_as_next < 0.3  # sorted by class it would be 0.9


def test_teacher_is_trained_once_then_loaded(tmp_path):
    data = load_split(tmp_path)
    first = load_or_train_teacher(tmp_path, data, QUICK_TEACHER)
    path = cache_path(tmp_path, QUICK_TEACHER)
    stamp = path.stat().st_mtime_ns
    second = load_or_train_teacher(tmp_path, data, QUICK_TEACHER)
    assert path.stat().st_mtime_ns == stamp
    assert second.test_accuracy == first.test_accuracy > 0.9
    for a, b in zip(first.model.parameters(), second.model.parameters(), strict=True):
        assert torch.equal(a, b)
    assert not any(p.requires_grad for p in second.model.parameters())
    assert not second.model.training
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_changed_teacher_settings_get_their_own_cache_file(tmp_path):
    other = TeacherConfig(hidden=(32,), epochs=2, batch_size=128, lr=3e-3)
    assert cache_path(tmp_path, other) != cache_path(tmp_path, QUICK_TEACHER)
    assert "v1" in cache_path(tmp_path, other).name


def test_corrupt_cache_file_is_replaced_by_a_retrained_teacher(tmp_path):
    data = load_split(tmp_path)
    path = cache_path(tmp_path, QUICK_TEACHER)
    path.write_bytes(b"half a file")
    teacher = load_or_train_teacher(tmp_path, data, QUICK_TEACHER)
    assert teacher.test_accuracy > 0.9
    assert path.stat().st_size > 1000


def test_a_worker_warms_every_bugs_own_teacher_before_its_first_run(tmp_path):
    runner.warm_up_every_teacher(tmp_path, QUICK_TEACHER)
    own = teacher_for("train_teacher", QUICK_TEACHER)
    assert own != QUICK_TEACHER
    assert cache_path(tmp_path, QUICK_TEACHER).exists() and cache_path(tmp_path, own).exists()

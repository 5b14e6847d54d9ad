"""The digits teacher: trained once, cached on disk, reloaded by every later run.

The cache file name carries a format version and a digest of the teacher settings and
the data split, so changing either trains a new teacher instead of loading a stale one.
Writes are atomic (``cache_files``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from kd_sandbox.digits.cache_files import load_if_matching, save_atomically
from kd_sandbox.digits.data import SPLIT_ID, DigitsSplit
from kd_sandbox.digits.models import mlp
from kd_sandbox.teacher_config import TeacherConfig

CACHE_VERSION = 1
"""Bump when the training code changes in a way that the settings do not show."""


@dataclass
class Teacher:
    """A frozen teacher in eval mode, with its test accuracy measured when it was trained."""

    model: nn.Sequential
    config: TeacherConfig
    test_accuracy: float


def cache_key(config: TeacherConfig) -> dict[str, Any]:
    """Everything that decides the teacher's weights."""
    return {"version": CACHE_VERSION, "split": SPLIT_ID, "config": config.to_dict()}


def cache_path(cache_dir: Path, config: TeacherConfig) -> Path:
    blob = json.dumps(cache_key(config), sort_keys=True).encode()
    digest = hashlib.sha256(blob).hexdigest()[:12]
    return cache_dir / f"digits-teacher-v{CACHE_VERSION}-{digest}.pt"


def train_teacher(data: DigitsSplit, config: TeacherConfig) -> Teacher:
    """Minibatch Adam on the whole training split, on the CPU, deterministic for a config."""
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)  # initial weights and dropout masks
    model = mlp(config.hidden, config.dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    model.train()
    count = len(data.y_train)
    for _epoch in range(config.epochs):
        order = torch.randperm(count, generator=generator)
        for start in range(0, count, config.batch_size):
            batch = order[start : start + config.batch_size]
            loss = F.cross_entropy(model(data.x_train[batch]), data.y_train[batch])
            optimizer.zero_grad(set_to_none=True)
            torch.autograd.backward(loss)
            optimizer.step()
    return Teacher(_frozen(model), config, accuracy(model, data.x_test, data.y_test))


def load_or_train_teacher(cache_dir: Path, data: DigitsSplit, config: TeacherConfig) -> Teacher:
    """The cached teacher for ``config`` (on the CPU), training and saving it if needed."""
    path = cache_path(cache_dir, config)
    cached = _load(path, config)
    if cached is not None:
        return cached
    teacher = train_teacher(data, config)
    _save_atomically(path, teacher)
    return teacher


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    was_training = model.training
    model.eval()
    with torch.no_grad():
        correct = float((model(x).argmax(dim=-1) == y).float().mean())
    model.train(was_training)
    return correct


def _frozen(model: nn.Sequential) -> nn.Sequential:
    model.eval()
    model.requires_grad_(False)
    return model


def _load(path: Path, config: TeacherConfig) -> Teacher | None:
    """The teacher stored at ``path``, or None if absent, unreadable or for other settings."""
    stored = load_if_matching(path, cache_key(config))
    if stored is None:
        return None
    model = mlp(config.hidden, config.dropout)
    try:
        model.load_state_dict(stored["state_dict"])
    except (KeyError, RuntimeError):
        return None
    return Teacher(_frozen(model), config, float(stored["test_accuracy"]))


def _save_atomically(path: Path, teacher: Teacher) -> None:
    payload = {
        "key": cache_key(teacher.config),
        "state_dict": teacher.model.state_dict(),
        "test_accuracy": teacher.test_accuracy,
    }
    save_atomically(path, payload)

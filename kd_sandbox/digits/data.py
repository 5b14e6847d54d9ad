"""scikit-learn's bundled digits: one fixed stratified split and per-seed transfer sets.

The split never changes (so one cached teacher serves every run); the seed picks which
training images form the student's small labelled transfer set. The split is cached as
tensors, so a process that finds it on disk never imports scikit-learn (seconds saved on
every cold start).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from kd_sandbox.digits.cache_files import load_if_matching, save_atomically

NUM_CLASSES = 10
NUM_PIXELS = 64  # 8x8 images
TEST_FRACTION = 0.3
SPLIT_SEED = 0
SPLIT_ID = f"digits-test{TEST_FRACTION:g}-seed{SPLIT_SEED}"
"""Names the split in teacher cache keys: a different split needs a different teacher."""


@dataclass(frozen=True)
class DigitsSplit:
    """Pixels scaled to [0, 1]. x_*: (N, 64) float32, y_*: (N,) int64."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    def to(self, device: torch.device) -> DigitsSplit:
        return DigitsSplit(
            self.x_train.to(device),
            self.y_train.to(device),
            self.x_test.to(device),
            self.y_test.to(device),
        )


def load_split(cache_dir: Path) -> DigitsSplit:
    """The fixed stratified train/test split (1257 / 540 images) on the CPU."""
    path = cache_dir / f"{SPLIT_ID}.pt"
    key = {"split": SPLIT_ID, "format": 1}
    stored = load_if_matching(path, key)
    if stored is not None:
        return DigitsSplit(stored["x_train"], stored["y_train"], stored["x_test"], stored["y_test"])
    split = build_split()
    tensors = {
        "x_train": split.x_train,
        "y_train": split.y_train,
        "x_test": split.x_test,
        "y_test": split.y_test,
    }
    save_atomically(path, {"key": key, **tensors})
    return split


def build_split() -> DigitsSplit:
    """Load the digits from scikit-learn and split them (stratified, fixed seed)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    images, labels = load_digits(return_X_y=True)
    pixels = (images / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        pixels, labels, test_size=TEST_FRACTION, stratify=labels, random_state=SPLIT_SEED
    )
    return DigitsSplit(
        torch.from_numpy(x_train),
        torch.from_numpy(y_train.astype(np.int64)),
        torch.from_numpy(x_test),
        torch.from_numpy(y_test.astype(np.int64)),
    )


def transfer_indices(
    y_train: torch.Tensor, per_class: int, seed: int, omit_digit: int | None = None
) -> torch.Tensor:
    """Indices into the training split: ``per_class`` images of each digit, chosen by seed.

    With ``omit_digit`` that digit gets no images at all (Hinton's omitted-3 experiment).
    The result is shuffled, so neighbours in it belong to different classes.
    """
    rng = np.random.default_rng(seed)
    labels = y_train.cpu().numpy()
    chosen = [
        rng.choice(np.flatnonzero(labels == digit), size=per_class, replace=False)
        for digit in range(NUM_CLASSES)
        if digit != omit_digit
    ]
    indices = rng.permutation(np.concatenate(chosen))
    return torch.from_numpy(indices.astype(np.int64))

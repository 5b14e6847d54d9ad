"""The multilayer perceptrons used as teacher and student."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from kd_sandbox.digits.data import NUM_CLASSES, NUM_PIXELS


def mlp(hidden: Sequence[int], dropout: float = 0.0) -> nn.Sequential:
    """64 → hidden[0] → … → 10 with ReLU (and dropout after each hidden layer if > 0).

    Input (B, 64) pixels, output (B, 10) logits.
    """
    layers: list[nn.Module] = []
    width_in = NUM_PIXELS
    for width in hidden:
        layers += [nn.Linear(width_in, width), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width_in = width
    layers.append(nn.Linear(width_in, NUM_CLASSES))
    return nn.Sequential(*layers)


def describe(hidden: Sequence[int]) -> str:
    """'64-16-10' for a student with one hidden layer of 16 units."""
    return "-".join(str(width) for width in (NUM_PIXELS, *hidden, NUM_CLASSES))

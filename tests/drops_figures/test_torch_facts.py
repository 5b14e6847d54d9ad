"""What drops 2.4 and 2.5 say about PyTorch's KD code, checked against PyTorch itself."""

from __future__ import annotations

import math
import warnings

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 (the name every PyTorch reader knows)
from sklearn.datasets import load_digits
from torch import nn

from tests.drops_figures.lesson_files import read_drop


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def test_probabilities_as_input_make_kl_div_negative() -> None:
    uniform = torch.full((1, 10), 0.1)
    wrong = F.kl_div(uniform, uniform, reduction="batchmean")  # probs where logs belong
    right = F.kl_div(uniform.log(), uniform, reduction="batchmean")
    assert wrong.item() == pytest.approx(-math.log(10) - 0.1, abs=1e-5)
    assert f"comes out at {wrong.item():.2f} instead of 0".replace("-", "−") in read_drop("2.5")[1]
    assert right.item() == pytest.approx(0.0, abs=1e-6)
    generator = torch.Generator().manual_seed(0)
    for scale in (0.1, 1.0, 10.0):
        p = F.softmax(scale * torch.randn(8, 10, generator=generator), dim=1)
        q = F.softmax(scale * torch.randn(8, 10, generator=generator), dim=1)
        assert F.kl_div(q, p, reduction="batchmean").item() < 0  # "always negative"


def test_default_mean_reduction_is_batchmean_over_classes_and_warns() -> None:
    generator = torch.Generator().manual_seed(1)
    log_q = F.log_softmax(torch.randn(32, 10, generator=generator), dim=1)
    p = F.softmax(torch.randn(32, 10, generator=generator), dim=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        default = F.kl_div(log_q, p)
    batchmean = F.kl_div(log_q, p, reduction="batchmean")
    assert default.item() == pytest.approx(batchmean.item() / 10, rel=1e-5)
    quoted = "divides the total loss by both the batch size and the support size"
    assert any(quoted in str(w.message) for w in caught)
    assert quoted in read_drop("2.5")[1]


def test_drop_2_4_one_batch_numbers() -> None:
    """Rerun drop 2.4's batch: same data, models, seed and code block."""
    torch.manual_seed(0)
    images, labels = load_digits(return_X_y=True)
    x_all = torch.tensor(images / 16.0, dtype=torch.float32)
    y_all = torch.tensor(labels)
    x_train, y_train, x_test, y_test = x_all[:1200], y_all[:1200], x_all[1200:], y_all[1200:]
    teacher = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    teacher_opt = torch.optim.Adam(teacher.parameters(), lr=1e-2)
    for _ in range(60):
        loss = F.cross_entropy(teacher(x_train), y_train)
        teacher_opt.zero_grad()
        loss.backward()
        teacher_opt.step()
    teacher.requires_grad_(False)
    student = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    x, y, temperature, alpha = x_train[:32], y_train[:32], 4.0, 0.9

    teacher.eval()
    with torch.no_grad():
        t_logits = teacher(x)
        accuracy = (teacher(x_test).argmax(1) == y_test).float().mean().item()
    s_logits = student(x)
    p = F.softmax(t_logits / temperature, dim=1)
    soft = F.kl_div(F.log_softmax(s_logits / temperature, dim=1), p, reduction="batchmean")
    hard = F.cross_entropy(s_logits, y)
    assert (x.shape, t_logits.shape, soft.shape) == ((32, 64), (32, 10), ())

    def logit_gradient(loss: torch.Tensor) -> float:
        gradient = torch.autograd.grad(loss, s_logits, retain_graph=True)[0]
        return float(gradient.norm())

    soft_pull = logit_gradient(alpha * temperature**2 * soft)
    hard_pull = logit_gradient((1 - alpha) * hard)
    text = read_drop("2.4")[1]
    assert f"({accuracy:.1%} accuracy on the {len(y_test)} held-out ones)" in text
    assert f"Soft KL: {soft.item():.3f} nats." in text
    assert f"Hard cross-entropy: {hard.item():.3f}," in text
    assert f"{soft_pull / hard_pull:.0f} times the hard term's" in text
    assert f"(gradient norms {soft_pull:.3f} against {hard_pull:.3f})" in text
    assert f"that ratio falls to {soft_pull / temperature**2 / hard_pull:.1f}" in text

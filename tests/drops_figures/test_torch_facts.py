"""What drops 2.4 and 2.5 say about PyTorch's KD code, checked against PyTorch itself."""

from __future__ import annotations

import math
import warnings
from typing import Any

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


def test_drop_2_3_code_block_computes_the_divergences_it_names() -> None:
    """Run drop 2.3's PyTorch block and compare each line with the formula in its comment."""
    body = read_drop("2.3")[1]
    code = body.split("```python\n", 1)[1].split("```", 1)[0]
    generator = torch.Generator().manual_seed(0)
    s, t = torch.randn(4, 5, 7, generator=generator), torch.randn(4, 5, 7, generator=generator)
    scope: dict[str, Any] = {"F": F, "torch": torch, "math": math, "s": s, "t": t}
    scope |= {"T": 2.0, "beta": 0.3}
    exec(code, scope)  # our own lesson's code, on our own tensors
    p, q = F.softmax(t / 2.0, -1), F.softmax(s / 2.0, -1)
    m = 0.3 * p + 0.7 * q

    def kl(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:  # KL(a ‖ b), per row
        return (a * (a / b).log()).sum(-1)

    assert torch.allclose(scope["fwd"], kl(p, q), atol=1e-6)
    assert torch.allclose(scope["rev"], kl(q, p), atol=1e-6)
    assert torch.allclose(scope["jsd"], 0.3 * kl(p, m) + 0.7 * kl(q, m), atol=1e-6)
    assert scope["fwd"].shape == (4, 5)


def test_drop_2_5_batchmean_on_unflattened_sequences_sums_over_positions() -> None:
    """On (B, L, V), 'batchmean' divides by B only; flattened to (B·L, V) it is per token."""
    generator = torch.Generator().manual_seed(2)
    log_q = F.log_softmax(torch.randn(3, 6, 11, generator=generator), -1)
    p = F.softmax(torch.randn(3, 6, 11, generator=generator), -1)
    per_token = F.kl_div(log_q, p, reduction="none").sum(-1)  # (B, L)
    unflat = F.kl_div(log_q, p, reduction="batchmean")
    flat = F.kl_div(log_q.reshape(-1, 11), p.reshape(-1, 11), reduction="batchmean")
    assert unflat.item() == pytest.approx(per_token.sum().item() / 3, rel=1e-5)
    assert flat.item() == pytest.approx(per_token.mean().item(), rel=1e-5)
    mask = torch.ones(3, 6)
    mask[:, 4:] = 0  # two padded positions per sequence
    masked = (per_token * mask).sum() / mask.sum()
    assert masked.item() == pytest.approx(per_token[:, :4].mean().item(), rel=1e-5)
    text = read_drop("2.5")[1]
    assert "`(kl * mask).sum() / mask.sum()`" in text
    assert "On unflattened (B, L, V), `'batchmean'` divides by B alone" in text

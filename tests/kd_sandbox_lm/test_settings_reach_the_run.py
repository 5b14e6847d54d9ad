"""Settings the LM modes declare reach the code: T in on-policy, noise and problems in tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import kd_sandbox.lm.onpolicy as onpolicy
from kd_sandbox.lm.tasks import split_chains
from kd_sandbox.lm.tokenizer import CharTokenizer
from kd_sandbox.lm.tokens import with_noisy_digits
from kd_sandbox.lm.training import encode_chains
from tests.kd_sandbox_lm.conftest import run_tiny


def test_onpolicy_uses_the_temperature_it_was_given(
    tiny_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[float] = []
    real = onpolicy.tempered_divergence

    def spy(*args: object, **kwargs: object) -> torch.Tensor:
        seen.append(float(kwargs["T"]))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(onpolicy, "tempered_divergence", spy)
    result = run_tiny("mode=onpolicy steps=10 T=2.5", tiny_cache)
    assert seen and set(seen) == {2.5}
    assert "T=2.5" in result.caption


def _batch(n: int = 200):  # type: ignore[no-untyped-def]
    tokenizer = CharTokenizer()
    chains, _ = split_chains(n, 10, 4, seed=0)
    return tokenizer, encode_chains(tokenizer, chains, with_trace=True)


def test_noise_rewrites_about_that_share_of_target_digits_only() -> None:
    tokenizer, clean = _batch()
    noisy = with_noisy_digits(clean, tokenizer, 0.3)
    changed = noisy.ids != clean.ids
    targets = torch.zeros_like(changed)
    targets[:, 1:] = clean.target_mask.bool()
    assert not changed[~targets].any()  # prompts, marks and <eos> are never touched
    digits = torch.tensor([tokenizer.encode(str(d))[0] for d in range(10)])
    target_digits = targets & torch.isin(clean.ids, digits)
    share = changed.sum().item() / target_digits.sum().item()
    assert 0.3 * 0.9 * 0.8 < share < 0.3 * 0.9 * 1.2  # a redrawn digit is the same 1 in 10
    assert torch.isin(noisy.ids[changed], digits).all()
    assert with_noisy_digits(clean, tokenizer, 0.0) is clean


def test_the_tokens_caption_states_the_share_of_digits_the_noise_made_wrong(
    tiny_cache: Path,
) -> None:
    # noise=0.3 redraws 30% of the digits, a tenth of them as they were: 27% are wrong,
    # and the caption said "(30% of their digits written wrong)".
    caption = run_tiny("mode=tokens steps=10 noise=0.3", tiny_cache).caption
    assert "30% of their digits written wrong" not in caption
    assert "30% of their digits redrawn at random: 27% written wrong" in caption, caption


@pytest.mark.parametrize(
    ("noise", "said"),
    [
        (0.004, "0.4% of their digits redrawn at random: 0.4% written wrong"),
        (0.05, "5.0% of their digits redrawn at random: 4.5% written wrong"),
        (0.3, "30% of their digits redrawn at random: 27% written wrong"),
    ],
)
def test_a_small_noise_is_never_said_to_be_0_percent(noise: float, said: str) -> None:
    from kd_sandbox.lm.tokens import _noise_text

    assert _noise_text(noise) == said


@pytest.mark.parametrize("noise", [0.0004, 0.00001])
def test_a_noise_under_a_tenth_of_a_percent_is_not_said_to_be_0_percent(noise: float) -> None:
    # noise=0.0004 is accepted (0 to 0.5) and changes digits; "0.0% of their digits
    # redrawn" says it changed none.
    from kd_sandbox.lm.tokens import _noise_text

    said = _noise_text(noise)
    assert "0.0%" not in said, said
    assert said == "under 0.1% of their digits redrawn at random: under 0.1% written wrong"

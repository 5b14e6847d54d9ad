"""Captions and pictures from hand-made outcomes: no training involved."""

from __future__ import annotations

import pytest

from kd_sandbox.digits.captions import experiment_caption, temperature_caption
from kd_sandbox.digits.outcome import ArmCurves, ExperimentOutcome, OmitNumbers, TemperatureOutcome
from kd_sandbox.digits.plots import (
    EXPERIMENT_HEIGHT_PX,
    TEMPERATURE_HEIGHT_PX,
    experiment_png,
    temperature_figure,
    temperature_png,
)
from kd_sandbox.result import CAPTION_LIMIT, fit_caption
from kd_sandbox.spec import BUGS, mode_defaults, parse_settings, run_config
from tests.kd_sandbox.conftest import png_size


def _arm(key, final, losses=(2.0, 1.0, 0.5), teacher=()):
    accuracy = [0.1, final / 2, final]
    return ArmCurves(
        key=key,
        label=key,
        loss_total=list(losses),
        loss_soft=[x * 0.9 for x in losses],
        loss_hard=[x * 0.1 for x in losses],
        eval_steps=[0, 1, 2],
        test_accuracy=accuracy,
        class_accuracy=[[a] * 10 for a in accuracy],
        teacher_accuracy=list(teacher),
    )


def _outcome(settings="", hard=0.88, kd=0.95, broken=None, omit=None, **broken_kwargs):
    arms = [_arm("hard", hard), _arm("kd", kd)]
    if broken is not None:
        arms.append(_arm("broken", broken, **broken_kwargs))
    return ExperimentOutcome(
        spec=run_config(parse_settings(settings)),
        student="64-16-10",
        transfer_size=100,
        teacher_accuracy=0.976,
        arms=arms,
        device="cpu",
        omit=omit,
        notes={"label_agreement": 0.11},
        wall_s=1.94,
    )


def test_caption_reports_a_gain_when_kd_beats_hard_labels():
    caption = experiment_caption(_outcome(hard=0.876, kd=0.946))
    assert "hard labels 87.6%" in caption and "KD 94.6%" in caption
    assert "+7.0 points" in caption and "KD beat hard labels" in caption
    assert "1.9 s" in caption


def test_caption_does_not_claim_a_gain_the_run_did_not_measure():
    caption = experiment_caption(_outcome("T=1", hard=0.90, kd=0.88))
    assert "beat" not in caption
    assert "worse" in caption and "T=1" in caption


@pytest.mark.parametrize("bug", [name for name in BUGS if name != "none"])
def test_bug_caption_says_how_to_recognise_the_failure(bug):
    outcome = _outcome(
        f"bug={bug}",
        broken=0.60,
        losses=(-5.0, -20.0, -26.0) if bug == "probs" else (2.0, 1.0, 0.5),
        teacher=(0.97, 0.2, 0.5) if bug == "unfrozen_teacher" else (),
    )
    caption = experiment_caption(outcome)
    assert f"bug={bug}" in caption
    assert "Recognise it:" in caption
    assert "broken KD 60.0%" in caption
    assert len(caption) <= CAPTION_LIMIT


def test_probs_caption_quotes_the_negative_loss():
    outcome = _outcome("bug=probs", broken=0.89, losses=(-5.0, -20.0, -26.78))
    assert "-24.10" in experiment_caption(outcome)  # min of the soft part (0.9 x -26.78)


def test_omit_caption_shows_raw_and_bias_corrected_accuracy():
    omit = OmitNumbers(
        digit=3,
        teacher_share=0.1,
        hard_raw=0.0,
        hard_corrected=0.09,
        hard_shift=16.2,
        kd_raw=0.85,
        kd_corrected=0.95,
        kd_shift=1.2,
        kd_overall_corrected=0.95,
    )
    outcome = _outcome("mode=omit digit=3", hard=0.80, kd=0.94, omit=omit)
    caption = experiment_caption(outcome)
    assert "hard labels 0%" in caption and "KD 85% raw, 95% after a bias shift" in caption
    assert "never saw" in caption
    assert png_size(experiment_png(outcome)) == (1200, EXPERIMENT_HEIGHT_PX)


def test_omit_caption_advises_omits_own_default_when_the_digit_did_not_carry_over():
    # It advised "the default T=4 α=0.9 with 1000 steps": compare's, not omit's (T=8).
    omit = OmitNumbers(
        digit=3, teacher_share=0.1, hard_raw=0.0, hard_corrected=0.05, hard_shift=9.0,
        kd_raw=0.05, kd_corrected=0.1, kd_shift=4.0, kd_overall_corrected=0.85,
    )  # fmt: skip
    caption = experiment_caption(_outcome("mode=omit digit=3 T=2", hard=0.80, kd=0.84, omit=omit))
    assert "did not carry" in caption
    assert f"default T={mode_defaults('omit').T:g} α=0.9 with 1000 steps does" in caption, caption


def test_captions_are_cut_to_telegram_limit():
    assert len(fit_caption("x" * 5000)) == CAPTION_LIMIT
    assert fit_caption("short") == "short"


def test_bug_picture_with_negative_losses_is_a_png():
    outcome = _outcome("bug=probs", broken=0.89, losses=(-5.0, -20.0, -26.0))
    assert png_size(experiment_png(outcome)) == (1200, EXPERIMENT_HEIGHT_PX)


def _temperature_outcome(
    settings: str, label: int, temperatures: list[float], probabilities: list[list[float]]
) -> TemperatureOutcome:
    """A mode=temperature outcome from hand-made distributions (a blank image)."""
    return TemperatureOutcome(
        spec=run_config(parse_settings(settings)), image=[[0.5] * 8 for _ in range(8)],
        label=label, temperatures=temperatures, probabilities=probabilities,
        teacher_accuracy=0.97, device="cpu", wall_s=0.2,
    )  # fmt: skip


def test_temperature_caption_and_picture():
    flat = [0.1] * 10
    peaked = [0.01] * 10
    peaked[3] = 0.91
    outcome = _temperature_outcome("mode=temperature", 3, [1.0, 8.0], [peaked, flat])
    caption = temperature_caption(outcome)
    assert "T=1: 3 91.0%" in caption and "dark knowledge" in caption
    assert "At T=1 the answer is nearly one-hot" in caption
    assert png_size(temperature_png(outcome)) == (1200, TEMPERATURE_HEIGHT_PX)


def test_temperature_caption_does_not_call_an_unsure_answer_one_hot():
    # An ambiguous 7: at T=1 the teacher gives it 55% and a 1 40%, and the caption said
    # "At T=1 the answer is nearly one-hot" under those very numbers.
    def spread(label_p: float, runner_p: float) -> list[float]:
        rest = (1.0 - label_p - runner_p) / 8
        return [runner_p if d == 1 else label_p if d == 7 else rest for d in range(10)]

    outcome = TemperatureOutcome(
        spec=run_config(parse_settings("mode=temperature digit=7 seed=4")),
        image=[[0.0] * 8 for _ in range(8)], label=7, temperatures=[1.0, 2.0, 4.0, 8.0],
        probabilities=[spread(0.55, 0.40), spread(0.45, 0.35), spread(0.3, 0.2),
                       spread(0.2, 0.12)],
        teacher_accuracy=0.976, device="cpu", wall_s=1.0,
    )  # fmt: skip
    caption = temperature_caption(outcome)
    assert "T=1: 7 55.0%, 1 40.0%" in caption
    assert "At T=1 the answer is nearly one-hot" not in caption, caption
    assert "At T=1 the teacher is already unsure" in caption


def test_loss_scale_bug_caption_says_which_optimiser_hid_or_showed_it():
    sgd = experiment_caption(_outcome("bug=no_t2", broken=0.90))
    assert "(SGD)" in sgd and "SGD steps in proportion to the gradient" in sgd
    adam = experiment_caption(_outcome("bug=mean optimizer=adam", broken=0.95))
    assert "Adam rescales each update" in adam and "(SGD)" not in adam


def test_mean_bug_caption_at_its_default_alpha_1_does_not_credit_hard_labels():
    # bug=mean runs at α=1 by default: there is no hard term, yet the caption said "the
    # hard labels get more say" under a title reading α=1.
    caption = experiment_caption(_outcome("bug=mean", broken=0.906, hard=0.878, kd=0.946))
    assert "α=1" in caption
    assert "hard labels get more say" not in caption, caption
    assert "every step is 10x too short" in caption


def test_no_t2_caption_credits_hard_labels_only_when_they_have_weight():
    with_labels = experiment_caption(_outcome("bug=no_t2", broken=0.896))
    assert "64x smaller" in with_labels and "hard labels get more say" in with_labels
    without = experiment_caption(_outcome("bug=no_t2 alpha=1", broken=0.90))
    assert "hard labels get more say" not in without
    assert "every step is 64x too short" in without


@pytest.mark.parametrize("temperature", ["1", "0.5"])
def test_no_t2_caption_at_t_1_or_below_does_not_claim_a_smaller_soft_term(temperature):
    # At T=1 the caption read "the soft term is 1x smaller (… far below …)": T² = 1,
    # so the bug changes nothing; below 1 it makes the soft term larger.
    caption = experiment_caption(_outcome(f"bug=no_t2 T={temperature}", broken=0.95))
    assert "x smaller" not in caption and "far below" not in caption, caption
    assert "changes nothing" in caption if temperature == "1" else "4x larger" in caption


def test_loss_scale_bug_caption_names_the_colour_the_picture_draws_its_soft_part_in():
    # It pointed at "dashed red", which is the broken arm's total; its soft part is orange.
    from kd_sandbox.digits.plots import SOFT_TINT
    from kd_sandbox.phone_style import ORANGE, SKY

    assert (SOFT_TINT["broken"], SOFT_TINT["kd"]) == (ORANGE, SKY)
    for settings in ("bug=no_t2", "bug=mean"):
        caption = experiment_caption(_outcome(settings, broken=0.9))
        assert "orange soft part" in caption and "dashed red" not in caption, caption


def test_a_cold_softmax_is_never_shown_as_100_or_0_percent():
    # The real 7 of mode=temperature gave p(7) = 0.99992 at T=1: the caption read
    # "7 100.0%, 9 <0.1%" and the bar's label "9: 0%", as if the wrong digits had nothing.
    cold = [0.00001] * 10
    cold[7] = 1 - 9 * 0.00001
    warm = [0.03] * 10
    warm[7] = 0.73
    outcome = _temperature_outcome("mode=temperature digit=7", 7, [1.0, 4.0], [cold, warm])
    caption = temperature_caption(outcome)
    assert "T=1: 7 >99.9%, 9 <0.1%" in caption and "100.0%" not in caption, caption
    labels = [text.get_text() for axes in temperature_figure(outcome).axes for text in axes.texts]
    assert "9: <1%" in labels and "9: 3%" in labels, labels
    assert not any(label.endswith(": 0%") for label in labels)


def test_a_language_model_caption_too_long_for_telegram_ends_in_an_ellipsis() -> None:
    from kd_sandbox.lm import with_run_notes

    short = with_run_notes("Distilled 100%.", "cpu", None)
    assert short == "Distilled 100%. Ran on CPU."
    long = with_run_notes("Distilled answers. " * 60, "cpu", 12.4)
    assert len(long) == CAPTION_LIMIT and long.endswith("…"), long[-40:]


def test_a_temperature_of_the_learners_own_keeps_the_entropy_panel() -> None:
    """mode=temperature T=0.5 shows T=0.5 beside 1, 2, 4 and 8: five bar panels took the
    cell of the entropy panel (flatter as T grows), the point of the picture."""
    from kd_sandbox.digits.plots import temperature_figure

    temperatures = [0.5, 1.0, 2.0, 4.0, 8.0]
    probabilities = [[0.9 if d == 3 else 0.1 / 9 for d in range(10)] for _ in temperatures]
    outcome = _temperature_outcome("mode=temperature T=0.5", 3, temperatures, probabilities)
    titles = [axes.get_title() for axes in temperature_figure(outcome).axes]
    assert [t for t in titles if t.startswith("T = ")] == [f"T = {t:g}" for t in temperatures]
    assert "flatter as T grows" in titles
    assert png_size(temperature_png(outcome)) == (1200, TEMPERATURE_HEIGHT_PX * 3 // 2)


def test_every_mode_draws_the_distilled_arm_and_the_baseline_in_the_same_colours() -> None:
    """The language-model modes drew the distilled arm vermillion, the colour of the
    broken arm in a bug= run, and the baseline in the distilled arm's blue."""
    from kd_sandbox.digits.plots import COLOURS
    from kd_sandbox.lm.plots import BASELINE, DISTILLED, TEACHER

    assert (COLOURS["kd"], COLOURS["hard"], COLOURS["teacher"]) == (DISTILLED, BASELINE, TEACHER)
    assert COLOURS["broken"] not in (DISTILLED, BASELINE, TEACHER)

"""The caption under a /distill picture: the numbers, and one sentence on what they show.

Plain text, at most ``CAPTION_LIMIT`` characters (Telegram's caption limit). The
sentence depends on the outcome, so it never claims a gain the run did not measure.
"""

from __future__ import annotations

from kd_sandbox.digits.outcome import ExperimentOutcome, TemperatureOutcome
from kd_sandbox.result import fit_caption
from kd_sandbox.spec import BUGS, CompareRun, mode_defaults
from kd_sandbox.teacher_config import BUG_TEACHER_DROPOUT

# The top probability from which a distribution reads as one answer, not a hesitation.
NEARLY_ONE_HOT = 0.9


def experiment_caption(outcome: ExperimentOutcome) -> str:
    """Caption for mode=compare or mode=omit, with or without a bug."""
    lines = _omit_lines(outcome) if outcome.omit is not None else _compare_lines(outcome)
    if outcome.spec.bug != "none":
        lines += _bug_lines(outcome)
    lines.append(f"Ran in {outcome.wall_s:.1f} s on {outcome.device.upper()}.")
    return fit_caption("\n".join(lines))


def temperature_caption(outcome: TemperatureOutcome) -> str:
    label = outcome.label
    parts = []
    for temperature, probabilities in zip(outcome.temperatures, outcome.probabilities, strict=True):
        runner_p, runner = _runner_up(probabilities, label)
        parts.append(
            f"T={temperature:g}: {label} {percent(probabilities[label])}, "
            f"{runner} {percent(runner_p)}"
        )
    hottest = outcome.probabilities[-1]
    top = max(range(10), key=lambda d: outcome.probabilities[0][d])
    lines = [
        f"The teacher's softmax(logits/T) for one test image of a {label} (seed "
        f"{outcome.spec.seed}); chance of the {label} and of the runner-up:",
        " · ".join(parts),
    ]
    if top != label:
        lines.append(
            f"The teacher gets this image wrong (it says {top}): soft targets pass on its "
            "mistakes too, which is why a student rarely beats its teacher."
        )
    elif _runner_up(hottest, label)[0] >= 0.05:
        at_coldest = f"At T={outcome.temperatures[0]:g}"
        if outcome.probabilities[0][label] >= NEARLY_ONE_HOT:
            at_coldest += " the answer is nearly one-hot"
        else:
            at_coldest += " the teacher is already unsure"
        lines.append(
            f"{at_coldest}; as T grows the wrong digits get visible mass, and their ranking "
            '(which digits this one resembles) is the "dark knowledge" a student learns '
            "from soft targets."
        )
    else:
        lines.append(
            "Even at the highest T the teacher is so sure that the wrong digits stay tiny: "
            "this image carries little dark knowledge; try another seed or digit."
        )
    lines.append(
        f"Teacher test accuracy {outcome.teacher_accuracy:.1%}. "
        f"Ran in {outcome.wall_s:.1f} s on {outcome.device.upper()}."
    )
    return fit_caption("\n".join(lines))


def _settings(outcome: ExperimentOutcome) -> str:
    spec = outcome.spec
    return (
        f"student {outcome.student}, {spec.steps} steps, T={spec.T:g}, α={spec.alpha:g}, "
        f"lr={spec.lr:g}{' (SGD)' if spec.optimizer == 'sgd' else ''}, seed {spec.seed}"
    )


def _compare_lines(outcome: ExperimentOutcome) -> list[str]:
    spec = outcome.spec
    hard, kd = outcome.arm("hard").final_accuracy, outcome.arm("kd").final_accuracy
    gain = 100 * (kd - hard)
    lines = [
        f"Digits, {outcome.transfer_size} labelled images ({spec.per_class} per digit), "
        f"{_settings(outcome)}.",
        f"Test accuracy: teacher {outcome.teacher_accuracy:.1%} · hard labels {hard:.1%} · "
        f"KD {kd:.1%} ({gain:+.1f} points).",
    ]
    if spec.bug == "none":
        lines += [
            _gain_sentence(outcome, gain),
            "The KD student saw the teacher's soft targets on the same labelled images only.",
        ]
    return lines


def _gain_sentence(outcome: ExperimentOutcome, gain: float) -> str:
    if gain >= 2:
        return (
            f"KD beat hard labels by {gain:.1f} points: soft targets also say how much each "
            "image looks like the other digits, which one-hot labels cannot."
        )
    if gain >= 0.5:
        verdict = f"KD helped only a little ({gain:+.1f} points)"
    elif gain > -0.5:
        verdict = "KD and hard labels ended level"
    else:
        verdict = f"KD did worse than hard labels ({gain:+.1f} points)"
    return f"{verdict}: {_why_small(outcome)}"


def _why_small(outcome: ExperimentOutcome) -> str:
    spec = outcome.spec
    if spec.alpha < 0.3:
        return f"with α={spec.alpha:g} most of the weight stays on the hard labels."
    if spec.T < 2:
        return f"at T={spec.T:g} the soft targets are nearly one-hot; try T=4."
    if spec.T >= 10:
        return f"at T={spec.T:g} the targets are nearly uniform and the ranking fades."
    if spec.steps < 200:
        return f"{spec.steps} steps are too few for either student to settle."
    if spec.per_class >= 50:
        return f"with {outcome.transfer_size} labelled images, labels alone teach most of it."
    if spec.hidden <= 4:
        return f"a {spec.hidden}-unit student cannot hold much of what the teacher knows."
    if spec.lr >= 0.1:
        return f"lr={spec.lr:g} is large enough to make both students unstable."
    return f"try the default {_default_settings(spec.mode)}, or another seed."


def _default_settings(mode: str) -> str:
    default = mode_defaults(mode)
    return f"T={default.T:g} α={default.alpha:g} with {default.steps} steps"


def _omit_lines(outcome: ExperimentOutcome) -> list[str]:
    omit = outcome.omit
    assert omit is not None
    digit = omit.digit
    hard, kd = outcome.arm("hard").final_accuracy, outcome.arm("kd").final_accuracy
    lines = [
        f"Hinton's omitted-digit test: no {digit}s among the {outcome.transfer_size} transfer "
        f"images; {_settings(outcome)}.",
        f"Test {digit}s correct: hard labels {omit.hard_raw:.0%} · KD {omit.kd_raw:.0%} raw, "
        f"{omit.kd_corrected:.0%} after a bias shift (+{omit.kd_shift:.1f} on the {digit} "
        f"logit, set without labels so the student predicts {digit} as often as the teacher "
        f"does on unlabelled training images; hard labels: {omit.hard_corrected:.0%} with "
        f"+{omit.hard_shift:.1f}).",
        f"All test digits: teacher {outcome.teacher_accuracy:.1%} · hard {hard:.1%} · "
        f"KD {kd:.1%} ({omit.kd_overall_corrected:.1%} shifted).",
    ]
    if omit.kd_raw - omit.hard_raw >= 0.3:
        lines.append(
            f"The KD student recognises a digit it never saw: the teacher's soft targets on "
            f"other digits said how {digit}-like each one was."
        )
    elif omit.kd_corrected - omit.hard_corrected >= 0.3:
        lines.append(
            f"The KD student learned what a {digit} looks like but rarely dares to say it; "
            "the bias shift shows the knowledge is there."
        )
    else:
        lines.append(
            f"Here the soft targets did not carry the {digit}s over; the default "
            f"{_default_settings(outcome.spec.mode)} does."
        )
    return lines


def _bug_lines(outcome: ExperimentOutcome) -> list[str]:
    spec = outcome.spec
    correct, broken = outcome.arm("kd"), outcome.arm("broken")
    cost = 100 * (correct.final_accuracy - broken.final_accuracy)
    head = (
        f"bug={spec.bug} ({BUGS[spec.bug]}), beside the correct loss from the same start: "
        f"broken KD {broken.final_accuracy:.1%}, {_points(cost)}."
    )
    return [head, _bug_sentence(outcome, cost)]


def _points(cost: float) -> str:
    if abs(cost) < 0.5:
        return "as good as the correct loss"
    if cost > 0:
        return f"{cost:.1f} points below the correct loss"
    return f"{-cost:.1f} points above the correct loss (this time)"


def _bug_sentence(outcome: ExperimentOutcome, cost: float) -> str:
    spec = outcome.spec
    correct, broken = outcome.arm("kd"), outcome.arm("broken")
    squared = spec.T**2
    if spec.bug == "no_t2":
        if spec.T == 1:
            return "At T=1, T² is 1: leaving it out changes nothing here. Try T=8 to see it."
        if spec.T < 1:
            return (
                f"At T={spec.T:g} leaving T² out makes the soft term {1 / squared:g}x larger, "
                "not smaller. Try T=8 to see the usual failure."
            )
        return (
            f"Without T² the soft term is {squared:g}x smaller (orange soft part far below "
            f"the light-blue one), {_weaker_soft_term(spec, squared)} "
            "Recognise it: the soft loss shrinks ~T²-fold when you raise T."
        )
    if spec.bug == "probs":
        return (
            f'The "KL" went negative (lowest {min(broken.loss_soft):.2f}). Recognise it: a KL '
            "divergence is never below zero, so a negative KD loss means probabilities went "
            "in where F.kl_div wants log-probabilities."
        )
    if spec.bug == "mean":
        return (
            "reduction='mean' divides by the 10 classes as well as the batch: the soft term "
            f"is 10x too small (orange soft part), {_weaker_soft_term(spec, 10)} "
            "PyTorch warns about it. Recognise it: a soft loss ~10x below α·T²·KL."
        )
    if spec.bug == "train_teacher":
        return (
            f"The teacher (dropout {BUG_TEACHER_DROPOUT[spec.bug]:g}) cached its outputs in "
            "train mode: each image keeps one dropout draw as targets, noise no training "
            "averages away. The loss falls smoothly to a higher floor "
            f"({_tail(broken.loss_total):.3f} vs {_tail(correct.loss_total):.3f}). Recognise "
            "it: cache twice; the passes must agree. Call teacher.eval() first."
        )
    if spec.bug == "unfrozen_teacher":
        used = broken.teacher_accuracy
        return (
            f"The teacher was optimised with the student and drifted: its test accuracy "
            f"fell from {used[0]:.1%} to {min(used):.1%} (ended {used[-1]:.1%}). Recognise "
            "it: the teacher's accuracy moves during distillation. Freeze it: eval(), "
            "requires_grad_(False), torch.no_grad()."
        )
    if spec.bug == "swapped":
        agreement = outcome.notes.get("label_agreement", float("nan"))
        return (
            f"Each image got another image's soft targets: the teacher's top class matched "
            f"the label on only {agreement:.0%} of the transfer images, and the loss stays "
            f"high ({_tail(broken.loss_total):.2f}). Recognise it: argmax of the cached "
            "teacher outputs should agree with the labels about as often as the teacher is "
            "right."
        )
    return f"This bug cost {cost:.1f} points."


def _weaker_soft_term(spec: CompareRun, factor: float) -> str:
    """What a soft term ``factor`` times too small does, given α and the optimiser: the
    rest of a sentence that named the factor."""
    if spec.alpha < 1:
        return f"so the hard labels get more say; {_optimizer_note(spec.optimizer)}"
    # α = 1: there is no hard term to take over; the soft term is the whole loss.
    if spec.optimizer == "sgd":
        return (
            "and at α=1 it is the whole loss: SGD steps in proportion to the gradient, so "
            f"every step is {factor:g}x too short."
        )
    return (
        "and at α=1 it is the whole loss, but Adam rescales each update by the gradient's "
        "size and hides much of it (try optimizer=sgd)."
    )


def _optimizer_note(optimizer: str) -> str:
    """Why the optimiser decides how much a loss that is a constant factor off costs."""
    if optimizer == "sgd":
        return "SGD steps in proportion to the gradient, so the soft term's pull shrinks too."
    return (
        "Adam rescales each update by the gradient's size and hides much of it (try optimizer=sgd)."
    )


def percent(probability: float, decimals: int = 1) -> str:
    """'12.1%'; '<0.1%' for the tiny values a cold softmax gives wrong digits and '>99.9%'
    for its top digit, where rounding would print a 0% or a 100% that no softmax gives
    (the small numbers are the lesson)."""
    smallest = 10 ** -(decimals + 2)
    if probability < smallest:
        return f"<{smallest:.{decimals}%}"
    if probability > 1 - smallest:
        return f">{1 - smallest:.{decimals}%}"
    return f"{probability:.{decimals}%}"


def _runner_up(probabilities: list[float], label: int) -> tuple[float, int]:
    """The most likely wrong digit and its probability."""
    return max((p, digit) for digit, p in enumerate(probabilities) if digit != label)


def _tail(values: list[float]) -> float:
    """Mean of the last tenth of a curve: the level it settled at."""
    tail = values[-max(1, len(values) // 10) :]
    return sum(tail) / len(tail)

"""mode=onpolicy: on-policy distillation (GKD, Agarwal et al. 2024) vs. offline distillation.

The task (``routes.py``) is one where exposure bias bites: follow a map's arrows from
the last digit written. On the teacher's clean routes "one more than the last digit"
is always right, so a student trained on them needs no map, until its own first wrong
digit, after which only the map says where the route goes on.

Both students start from the same warm start and take the same number of gradient
steps on the same maps, every token of every route scored by the same teacher (the
same number of teacher-scored tokens, less the few after a sampled route's early end).
The offline one minimises the chosen divergence on the teacher's own greedy routes;
the on-policy one samples its own routes, wrong turns included, and minimises it
there: it learns what to do after its own mistakes.
What counts is how often a student, handed a route with one wrong digit, writes the
correct rest after it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from transformers import GPT2LMHeadModel

from kd_sandbox.kd.losses import tempered_divergence
from kd_sandbox.lm.models import (
    build_lm,
    device_of,
    frozen_copy,
    next_token_logits,
    seeded_generator,
)
from kd_sandbox.lm.plots import BASELINE, DISTILLED, TEACHER, Level, Panel, Series, figure_png
from kd_sandbox.lm.route_batches import (
    recovery_after_wrong_turn,
    route_exact_match,
    sampled_routes,
)
from kd_sandbox.lm.route_teacher import RouteTeacher
from kd_sandbox.lm.students import (
    BATCH_SIZE,
    STUDENT_LAYERS,
    WARM_LR,
    Progress,
    Sizes,
    sft,
    within,
)
from kd_sandbox.lm.training import Batch, Curve, encode_completions, random_rows, train
from kd_sandbox.result import RunResult
from kd_sandbox.spec import OnPolicyRun

# Points on each curve after the start. Each costs two greedy passes and a sampled one
# over held-out maps (about 0.5 s, measured): five per arm are a quarter of a default run.
N_EVALS = 5
_NAMES = {"forward": "forward KL", "reverse": "reverse KL", "jsd": "generalised JSD"}


def jsd_beta(spec: OnPolicyRun) -> float:
    """The β of the generalised JSD the chosen divergence is (TRL's convention)."""
    if spec.divergence == "forward":
        return 0.0
    if spec.divergence == "reverse":
        return 1.0
    if spec.beta is None:
        raise ValueError("divergence=jsd needs beta")
    return spec.beta


def divergence_on(
    student: GPT2LMHeadModel, teacher: RouteTeacher, batch: Batch, spec: OnPolicyRun
) -> torch.Tensor:
    """T²·D_T(teacher, student) on ``batch``'s route tokens: the divergence the run
    chose, at temperature ``spec.T``, through the one ``tempered_divergence``."""
    with torch.no_grad():
        teacher_logits = next_token_logits(teacher.model, batch.ids)
    student_logits = next_token_logits(student, batch.ids)
    return tempered_divergence(
        student_logits,
        teacher_logits,
        T=spec.T,
        divergence="jsd",
        beta=jsd_beta(spec),
        mask=batch.target_mask,
    )


def offline_routes(teacher: RouteTeacher) -> Batch:
    """The teacher's greedy routes for the training maps, on its device: the offline arm's
    fixed data."""
    batch = encode_completions(teacher.tokenizer, teacher.train_maps, teacher.transfer)
    return batch.to(device_of(teacher.model))


def warm_start(
    teacher: RouteTeacher, data: Batch, hidden: int, seed: int, sizes: Sizes
) -> GPT2LMHeadModel:
    """A student given SFT on ``data`` (the teacher's routes) until it gets a share of a
    probe right.

    On-policy distillation refines a model that already writes the format (as it does
    for real LLMs after SFT). The stop is on accuracy, not a step count, because when a
    tiny model leaves its loss plateau varies with the seed. The probe is training
    maps: the held-out ones stay unseen.
    """
    settings = teacher.settings
    student = build_lm(
        teacher.tokenizer,
        hidden=hidden,
        layers=STUDENT_LAYERS,
        max_len=settings.max_len,
        seed=seed,
        device=device_of(teacher.model),
    )
    probe = teacher.train_maps[: sizes.probe_problems]

    def reached(step: int) -> bool:
        if step == 0:
            return False
        right = route_exact_match(student, teacher.tokenizer, probe, settings.hops)
        return right >= sizes.warm_target

    steps = sizes.warm_max_steps
    sft(student, data, steps=steps, lr=WARM_LR, seed=seed, evaluate=reached, n_evals=steps // 25)
    return student


@dataclass
class Arm:
    """One student's curves over training, measured on held-out maps."""

    recovery: Curve  # routes continued right after a wrong digit
    accuracy: Curve  # routes right with no wrong digit handed in
    own_divergence: Curve  # the divergence on the student's own samples


def _train_arm(
    spec: OnPolicyRun,
    teacher: RouteTeacher,
    start: GPT2LMHeadModel,
    offline: Batch,
    sizes: Sizes,
    *,
    on_policy: bool,
    report: Progress,
) -> Arm:
    """Distil a copy of ``start`` on the teacher's routes (``offline``), or on its own
    samples."""
    student = frozen_copy(start).requires_grad_(True)
    tokenizer, hops = teacher.tokenizer, teacher.settings.hops
    rows = torch.Generator().manual_seed(spec.seed)
    sampling = seeded_generator(student, spec.seed + 1)
    probe = teacher.heldout_maps[: sizes.probe_problems]
    arm = Arm(Curve(), Curve(), Curve())

    def loss_at(step: int) -> torch.Tensor:
        # The same maps in both arms; only whose route the teacher scores differs.
        index = random_rows(len(offline), BATCH_SIZE, rows)
        if on_policy:
            maps = [teacher.train_maps[i] for i in index.tolist()]
            batch = sampled_routes(student, tokenizer, maps, hops, sampling)
        else:
            batch = offline.rows(index)
        return divergence_on(student, teacher, batch, spec)

    def evaluate(step: int) -> None:
        heldout = teacher.heldout_maps
        arm.recovery.add(step, recovery_after_wrong_turn(student, tokenizer, heldout, hops))
        arm.accuracy.add(step, route_exact_match(student, tokenizer, heldout, hops))
        # Always on fresh samples under one fixed seed, so the arms are comparable.
        probe_sampling = seeded_generator(student, 12345)
        with torch.no_grad():
            samples = sampled_routes(student, tokenizer, probe, hops, probe_sampling)
            arm.own_divergence.add(step, float(divergence_on(student, teacher, samples, spec)))
        report(step / spec.steps)

    train(
        student, steps=spec.steps, lr=spec.lr, loss_at=loss_at, evaluate=evaluate, n_evals=N_EVALS
    )
    return arm


def verdict(gain: float) -> str:
    """What the run shows, from on-policy's recovery minus offline's (a fraction)."""
    if gain >= 0.03:
        return (
            f"practising on its own samples taught the on-policy student to read the map "
            f"after its own wrong turns ({100 * gain:+.0f} points of recovery)"
        )
    if gain <= -0.03:
        return (
            f"here the offline student recovered better ({100 * gain:+.0f} points for "
            f"on-policy): its own samples did not teach the on-policy one to read the map"
        )
    return "both students recover about equally often after a wrong digit in this run"


def run_onpolicy(
    spec: OnPolicyRun, teacher: RouteTeacher, sizes: Sizes, progress: Progress | None = None
) -> RunResult:
    started = time.perf_counter()
    tokenizer, hops = teacher.tokenizer, teacher.settings.hops
    offline_data = offline_routes(teacher)
    start = warm_start(teacher, offline_data, spec.hidden, spec.seed, sizes)
    within(progress, 0, 1)(0.1)
    start_accuracy = route_exact_match(start, tokenizer, teacher.heldout_maps, hops)
    start_recovery = recovery_after_wrong_turn(start, tokenizer, teacher.heldout_maps, hops)
    offline = _train_arm(
        spec,
        teacher,
        start,
        offline_data,
        sizes,
        on_policy=False,
        report=within(progress, 0.1, 0.5),
    )
    online = _train_arm(
        spec, teacher, start, offline_data, sizes, on_policy=True, report=within(progress, 0.5, 1)
    )
    wall = time.perf_counter() - started
    name = _NAMES[spec.divergence] + (f" (β={spec.beta:g})" if spec.divergence == "jsd" else "")
    png = figure_png(
        f"On-policy vs. offline distillation ({name})",
        [
            Panel(
                "held-out routes continued right after a wrong digit",
                "routes right",
                [
                    Series("on-policy", online.recovery, DISTILLED),
                    Series("offline", offline.recovery, BASELINE),
                ],
                [
                    Level(
                        f"teacher {teacher.heldout_recovery:.0%}", teacher.heldout_recovery, TEACHER
                    )
                ],
                percent=True,
            ),
            Panel(
                "on the student's own samples",
                f"{name}, nats/token",
                [
                    Series("on-policy", online.own_divergence, DISTILLED),
                    Series("offline", offline.own_divergence, BASELINE),
                ],
            ),
        ],
    )
    caption = (
        f"mode=onpolicy · {name}, T={spec.T:g} · follow a map's arrows for {hops} hops "
        f"from the last digit written: on the teacher's routes 'one up from the last "
        f"digit' is always right, after a wrong digit only the map is.\n"
        f"Same warm start (width {spec.hidden}), then {spec.steps} steps × {BATCH_SIZE} "
        f"routes, lr {spec.lr:g}, each token scored by the teacher: offline on the teacher's "
        f"routes, on-policy on routes the student samples itself.\n"
        f"Held-out routes continued right after a wrong digit: on-policy "
        f"{online.recovery.last:.0%}, offline {offline.recovery.last:.0%} (warm start "
        f"{start_recovery:.0%}, teacher {teacher.heldout_recovery:.0%}).\n"
        f"Routes right with no wrong digit: on-policy {online.accuracy.last:.0%}, offline "
        f"{offline.accuracy.last:.0%} (warm start {start_accuracy:.0%}).\n"
        f"Divergence on the student's own samples: on-policy {online.own_divergence.last:.3f}, "
        f"offline {offline.own_divergence.last:.3f} nats/token.\n"
        f"Same steps and teacher-scored tokens; on-policy also pays for sampling. "
        f"Wall time {wall:.1f} s.\n"
        f"This run shows: {verdict(online.recovery.last - offline.recovery.last)}."
    )
    return RunResult(
        png=png,
        caption=caption,
        metrics={
            "recovery_onpolicy": online.recovery.last,
            "recovery_offline": offline.recovery.last,
            "accuracy_onpolicy": online.accuracy.last,
            "accuracy_offline": offline.accuracy.last,
            "divergence_onpolicy": online.own_divergence.last,
            "divergence_offline": offline.own_divergence.last,
            "start_recovery": start_recovery,
            "start_accuracy": start_accuracy,
            "teacher_recovery": teacher.heldout_recovery,
        },
        wall_s=wall,
    )

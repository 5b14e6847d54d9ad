"""mode=preference: distilled SFT, then DPO on the teacher's preferences (Zephyr's recipe).

Stage 1 (dSFT): the student is trained on the teacher's worked answers, but half of
them were cut to the bare answer (``2+3-4*6:=6``), as when a data pipeline truncates
some outputs. The student picks up the habit: about half of its drafts skip the work.

Stage 2: the dSFT student writes two drafts per training problem (sampled at T = 1) and
the teacher judges each pair by its mean log-probability per token (length-normalised,
so a short draft does not win for being short: the drop's length bias). A draft that
skips the work reads as very unlikely to a teacher that always works, so the teacher
prefers worked drafts; between two worked ones, the one with fewer slips. From the
same dSFT student, one copy is trained with plain SFT on the chosen drafts, the other
with the same SFT term plus DPO (Rafailov et al. 2023; the reference is the dSFT
student), for the same steps on the same pairs: the only thing the second one gets
more is the rejected drafts. (DPO with an SFT term on the chosen is RPO, Pang et al.
2024, TRL's ``rpo_alpha``; without it this 16-wide student lost 4–11 points of exact
match against SFT on 4 of 5 seeds while still learning the preference, measured.)

Why imitation learns the preference poorly here: when both drafts of a problem skip
the work, the chosen one does too, so a fraction of the chosen drafts (about a quarter
with two drafts) still has the habit, and SFT can at best copy that rate. DPO learns
from the difference between chosen and rejected, which is the habit itself, and can
push past what the chosen drafts show.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from transformers import GPT2LMHeadModel

from kd_sandbox.lm.losses import dpo_loss, dpo_margins
from kd_sandbox.lm.models import frozen_copy, seeded_generator
from kd_sandbox.lm.plots import (
    BASELINE,
    DISTILLED,
    FLOOR,
    Level,
    Panel,
    Series,
    figure_png,
)
from kd_sandbox.lm.students import (
    BATCH_SIZE,
    Progress,
    Sizes,
    answer_only,
    sampled_completions,
    warm_start,
    within,
)
from kd_sandbox.lm.tasks import Chain, parse_answer
from kd_sandbox.lm.teacher import Teacher
from kd_sandbox.lm.training import (
    Batch,
    Curve,
    decode_completions,
    encode_completions,
    exact_match,
    random_rows,
    score_in_chunks,
    sequence_logprob,
    sft_loss,
    train,
)
from kd_sandbox.result import RunResult
from kd_sandbox.spec import PreferenceRun

# DPO strength. 0.5, not the usual 0.1: at 0.1 this 16-wide student collapsed (held-out
# accuracy 51% → 29%, chosen log-ratio −2.4: likelihood displacement), measured.
DPO_BETA = 0.5  # spec.beta belongs to mode=onpolicy
SFT_WEIGHT = 1.0  # weight of the SFT term on the chosen drafts beside DPO's
DRAFTS_PER_PROBLEM = 2
BARE_SHARE = 0.5  # share of the dSFT answers cut to the bare answer
PROBE_SEED = 12345  # the held-out drafts are always sampled under this seed


@dataclass(frozen=True)
class Pairs:
    """Chosen and rejected drafts of the same prompts, with the reference's log-probs."""

    chosen: Batch
    rejected: Batch
    ref_chosen: torch.Tensor  # (N,) log π_ref(y_w | x)
    ref_rejected: torch.Tensor  # (N,) log π_ref(y_l | x)

    def __len__(self) -> int:
        return len(self.chosen)

    def rows(self, index: torch.Tensor) -> Pairs:
        index = index.to(self.ref_chosen.device)  # row draws come from a CPU generator
        return Pairs(
            self.chosen.rows(index),
            self.rejected.rows(index),
            self.ref_chosen[index],
            self.ref_rejected[index],
        )


def dsft_data(teacher: Teacher, seed: int) -> Batch:
    """The teacher's worked answers with a share ``BARE_SHARE`` cut to the bare answer."""
    generator = torch.Generator().manual_seed(seed)
    bare = (torch.rand(len(teacher.transfer), generator=generator) < BARE_SHARE).tolist()
    completions = [answer_only(t) if b else t for t, b in zip(teacher.transfer, bare, strict=True)]
    return encode_completions(teacher.tokenizer, teacher.train_chains, completions)


def shows_work(teacher: Teacher, batch: Batch) -> torch.Tensor:
    """(B,) True where the completion starts with a worked step rather than with ``=``."""
    first = batch.target_mask.argmax(dim=1) + 1  # position of the first completion token
    return batch.ids.gather(1, first.unsqueeze(1)).squeeze(1) != teacher.tokenizer.id_of("=")


@torch.no_grad()
def teacher_judgement(teacher: Teacher, batch: Batch) -> torch.Tensor:
    """(B,) the teacher's mean log-probability per completion token of each draft."""
    return score_in_chunks(teacher.model, batch) / batch.target_mask.sum(dim=1).clamp(min=1.0)


def build_pairs(
    teacher: Teacher, policy: GPT2LMHeadModel, chains: list[Chain], generator: torch.Generator
) -> Pairs:
    """Two drafts per problem from ``policy``; the teacher's judgement picks the chosen.

    Problems whose two drafts read the same give no preference and are dropped.
    """
    n = DRAFTS_PER_PROBLEM
    batch = sampled_completions(policy, teacher, [c for c in chains for _ in range(n)], generator)
    scores = teacher_judgement(teacher, batch).view(len(chains), n)
    offsets = torch.arange(len(chains), device=scores.device) * n
    best = offsets + scores.argmax(dim=1)
    worst = offsets + scores.argmin(dim=1)
    keep = ~(batch.ids[best] == batch.ids[worst]).all(dim=1)
    chosen, rejected = batch.rows(best[keep]), batch.rows(worst[keep])
    return Pairs(
        chosen, rejected, score_in_chunks(policy, chosen), score_in_chunks(policy, rejected)
    )


@dataclass
class ArmCurves:
    """What one arm is measured by on held-out problems, at each evaluation."""

    worked: Curve  # share of drafts that show their work: the property the teacher prefers
    accuracy: Curve  # share of drafts with the right answer
    greedy: Curve  # greedy exact match
    chosen_logratio: Curve  # mean log π(y_w)/π_ref(y_w) on held-out pairs
    rejected_logratio: Curve  # mean log π(y_l)/π_ref(y_l)
    margin: Curve  # mean β·(chosen − rejected log-ratio): DPO's implicit reward margin


def heldout_drafts(policy: GPT2LMHeadModel, teacher: Teacher) -> tuple[float, float]:
    """Shares of held-out drafts (sampled at T = 1 under a fixed seed, as the pairs were)
    that show their work, and that end in the right answer."""
    chains = teacher.heldout_chains
    batch = sampled_completions(policy, teacher, chains, seeded_generator(policy, PROBE_SEED))
    prompt_len = len(teacher.tokenizer.encode(chains[0].prompt, bos=True))
    texts = decode_completions(teacher.tokenizer, batch.ids, prompt_len)
    right = sum(parse_answer(t) == c.answer for t, c in zip(texts, chains, strict=True))
    return float(shows_work(teacher, batch).float().mean()), right / len(chains)


def _measure(
    policy: GPT2LMHeadModel, teacher: Teacher, heldout: Pairs, curves: ArmCurves, step: int
) -> None:
    worked, right = heldout_drafts(policy, teacher)
    curves.worked.add(step, worked)
    curves.accuracy.add(step, right)
    curves.greedy.add(
        step, exact_match(policy, teacher.tokenizer, teacher.heldout_chains, with_trace=True)
    )
    chosen = score_in_chunks(policy, heldout.chosen)
    rejected = score_in_chunks(policy, heldout.rejected)
    curves.chosen_logratio.add(step, float((chosen - heldout.ref_chosen).mean()))
    curves.rejected_logratio.add(step, float((rejected - heldout.ref_rejected).mean()))
    margins = dpo_margins(chosen, rejected, heldout.ref_chosen, heldout.ref_rejected, DPO_BETA)
    curves.margin.add(step, float(margins.mean()))


def _train_arm(
    spec: PreferenceRun,
    teacher: Teacher,
    start: GPT2LMHeadModel,
    pairs: tuple[Pairs, Pairs],
    *,
    dpo: bool,
    report: Progress,
) -> ArmCurves:
    """Train a copy of ``start`` by SFT on the chosen drafts, with DPO beside it or not."""
    policy = frozen_copy(start).requires_grad_(True)
    train_pairs, heldout_pairs = pairs
    curves = ArmCurves(*(Curve() for _ in range(6)))
    rows = torch.Generator().manual_seed(spec.seed)

    def loss_at(step: int) -> torch.Tensor:
        batch = train_pairs.rows(random_rows(len(train_pairs), BATCH_SIZE, rows))
        imitation = sft_loss(policy, batch.chosen)
        if not dpo:
            return imitation
        preference = dpo_loss(
            sequence_logprob(policy, batch.chosen),
            sequence_logprob(policy, batch.rejected),
            batch.ref_chosen,
            batch.ref_rejected,
            DPO_BETA,
        )
        return preference + SFT_WEIGHT * imitation

    def evaluate(step: int) -> None:
        _measure(policy, teacher, heldout_pairs, curves, step)
        report(step / spec.steps)

    train(policy, steps=spec.steps, lr=spec.lr, loss_at=loss_at, evaluate=evaluate)
    return curves


def logratio_panel(dpo: ArmCurves, sft: ArmCurves) -> Panel:
    """log π/π_ref of the held-out chosen and rejected drafts, for both arms.

    The axis names no dash: each arm draws its own pair of dashes (the legend says which).
    """
    return Panel(
        "held-out pairs: log π/π_ref",
        "log π/π_ref",
        [
            Series("SFT+DPO chosen", dpo.chosen_logratio, DISTILLED),
            Series("SFT+DPO rejected", dpo.rejected_logratio, DISTILLED, dashed=True),
            Series("SFT chosen", sft.chosen_logratio, BASELINE),
            Series("SFT rejected", sft.rejected_logratio, BASELINE, dashed=True),
        ],
        [Level("reference", 0.0, FLOOR)],
    )


def drafts_panel(dpo: ArmCurves, sft: ArmCurves, chosen_share: float) -> Panel:
    """Held-out drafts: the property the teacher prefers and the right answer (the legend
    names each arm's dashes)."""
    return Panel(
        "held-out drafts: showing work, right",
        "drafts",
        [
            Series("SFT+DPO work", dpo.worked, DISTILLED),
            Series("SFT work", sft.worked, BASELINE),
            Series("SFT+DPO right", dpo.accuracy, DISTILLED, dashed=True),
            Series("SFT right", sft.accuracy, BASELINE, dashed=True),
        ],
        [Level(f"chosen: work {chosen_share:.0%}", chosen_share, FLOOR)],
        percent=True,
    )


def run_preference(
    spec: PreferenceRun, teacher: Teacher, sizes: Sizes, progress: Progress | None = None
) -> RunResult:
    started = time.perf_counter()
    start = warm_start(teacher, spec.hidden, spec.seed, sizes, dsft_data(teacher, spec.seed))
    within(progress, 0, 1)(0.1)
    sampling = seeded_generator(start, spec.seed)
    train_pairs = build_pairs(teacher, start, teacher.train_chains[: sizes.pair_problems], sampling)
    heldout_pairs = build_pairs(teacher, start, teacher.heldout_chains, sampling)
    chosen_share = float(shows_work(teacher, train_pairs.chosen).float().mean())
    pairs = (train_pairs, heldout_pairs)
    sft = _train_arm(spec, teacher, start, pairs, dpo=False, report=within(progress, 0.2, 0.6))
    dpo = _train_arm(spec, teacher, start, pairs, dpo=True, report=within(progress, 0.6, 1))
    wall = time.perf_counter() - started
    png = figure_png(
        "SFT on the teacher's chosen drafts, ± DPO",
        [drafts_panel(dpo, sft, chosen_share), logratio_panel(dpo, sft)],
    )
    caption = (
        f"mode=preference · a dSFT student (width {spec.hidden}) learnt from answers half "
        f"of which skip the work: {dpo.worked.values[0]:.0%} of its drafts show it. The "
        f"teacher judged {len(train_pairs):,} pairs of its drafts; {chosen_share:.0%} of the "
        f"chosen show their work.\n"
        f"After {spec.steps} steps (lr {spec.lr:g}, DPO β={DPO_BETA:g}), held-out drafts "
        f"showing their work: SFT+DPO {dpo.worked.last:.0%}, SFT alone {sft.worked.last:.0%}; "
        f"right: {dpo.accuracy.last:.0%} vs {sft.accuracy.last:.0%} (start "
        f"{dpo.accuracy.values[0]:.0%}); greedy exact match {dpo.greedy.last:.0%} vs "
        f"{sft.greedy.last:.0%} (teacher {teacher.heldout_accuracy:.0%}).\n"
        f"log π/π_ref of held-out chosen / rejected: SFT+DPO "
        f"{dpo.chosen_logratio.last:+.1f} / {dpo.rejected_logratio.last:+.1f}, SFT "
        f"{sft.chosen_logratio.last:+.1f} / {sft.rejected_logratio.last:+.1f}.\n"
        f"Wall time {wall:.1f} s.\n"
        f"This run shows: {_verdict(dpo, sft, chosen_share)}."
    )
    return RunResult(
        png=png,
        caption=caption,
        metrics={
            "worked_dpo": dpo.worked.last,
            "worked_sft": sft.worked.last,
            "worked_chosen": chosen_share,
            "start_worked": dpo.worked.values[0],
            "accuracy_dpo": dpo.accuracy.last,
            "accuracy_sft": sft.accuracy.last,
            "start_accuracy": dpo.accuracy.values[0],
            "greedy_accuracy_dpo": dpo.greedy.last,
            "greedy_accuracy_sft": sft.greedy.last,
            "margin_dpo": dpo.margin.last,
            "margin_sft": sft.margin.last,
            "chosen_logratio_dpo": dpo.chosen_logratio.last,
            "rejected_logratio_dpo": dpo.rejected_logratio.last,
            "chosen_logratio_sft": sft.chosen_logratio.last,
            "rejected_logratio_sft": sft.rejected_logratio.last,
            "pairs": len(train_pairs),
        },
        wall_s=wall,
    )


def _verdict(dpo: ArmCurves, sft: ArmCurves, chosen_share: float) -> str:
    """One sentence chosen by the measured numbers (SFT+DPO relative to SFT alone)."""
    property_gain = dpo.worked.last - sft.worked.last
    accuracy_gain = dpo.accuracy.last - sft.accuracy.last
    if property_gain < 0.05:
        return (
            "here the rejected drafts added little: DPO did not teach the teacher's "
            f"preference better than imitating the chosen ({property_gain * 100:+.0f} points)"
        )
    how = f"the rejected drafts taught the preference ({property_gain * 100:+.0f} points)"
    if dpo.worked.last > chosen_share > sft.worked.last - 0.05:
        how += f", past the {chosen_share:.0%} of chosen drafts that SFT imitates"
    if accuracy_gain <= -0.03:
        return f"{how}, but the drafts got fewer answers right ({accuracy_gain * 100:+.0f})"
    if accuracy_gain >= 0.03:
        return f"{how}, and the drafts got {accuracy_gain * 100:.0f} points more answers right"
    return f"{how}; the drafts' accuracy stayed about level ({accuracy_gain * 100:+.0f} points)"

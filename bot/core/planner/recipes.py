"""How to generate the data, which loss to train with, and how to evaluate: text per regime.

The plan's text is Markdown written by us; anything the learner typed is escaped
before it gets here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.planner.choices import OutputKind, PreferenceData, Privacy, QualityBar
from bot.core.planner.plan import Mode, Regime
from bot.core.planner.profile import PlanProfile
from bot.core.planner.teacher_setup import TeacherSetup

EVAL_SIZE = 1_000
REGRESSION_SIZE = 200
JUDGED_PAIRS = 3_000
TRACES_PER_PROBLEM = 2
TURNS_PER_CONVERSATION = 4

# Teacher calls by output kind: examples to generate before any filtering.
BASE_EXAMPLES: dict[OutputKind, int] = {
    OutputKind.LABEL: 10_000,
    OutputKind.FIELDS: 5_000,
    OutputKind.REASONING: 20_000,
    OutputKind.STYLE: 6_000,
    OutputKind.CHAT: 20_000,
}

# Share of held-out inputs where the student gives the teacher's answer...
AGREEMENT_TARGET_PCT: dict[QualityBar, int] = {
    QualityBar.RELAXED: 90,
    QualityBar.MATCH: 95,
    QualityBar.CRITICAL: 98,
}
# ... or, for free text and chat, where it wins or ties in blind pairwise judgments
# (two good answers often differ, so exact agreement is not the measure there).
WIN_OR_TIE_TARGET_PCT: dict[QualityBar, int] = {
    QualityBar.RELAXED: 80,
    QualityBar.MATCH: 90,
    QualityBar.CRITICAL: 95,
}


@dataclass(frozen=True)
class DataPlan:
    examples: int
    generation_calls: int
    judge_calls: int
    real_inputs: int
    headline: str
    steps: tuple[str, ...]


def plan_data(profile: PlanProfile, regime: Regime, mode: Mode, setup: TeacherSetup) -> DataPlan:
    """Teacher calls to make and the steps to make them; costly errors double the volume."""
    kind = profile.output_kind
    scale = 2 if profile.quality is QualityBar.CRITICAL else 1
    generation_calls = BASE_EXAMPLES[kind] * scale
    judge_calls = (
        JUDGED_PAIRS * scale
        if regime is Regime.PREFERENCES and profile.preference_data is PreferenceData.CAN_MAKE
        else 0
    )
    per_input = {OutputKind.REASONING: TRACES_PER_PROBLEM, OutputKind.CHAT: TURNS_PER_CONVERSATION}
    real_inputs = generation_calls // per_input.get(kind, 1)

    if setup.self_hosted:
        in_house = profile.privacy is Privacy.IN_HOUSE
        where = "on your own GPUs" + ("; nothing leaves the company" if in_house else "")
    else:
        where = "through the teacher's API"
    steps = [
        f"Collect {real_inputs:,} real inputs from your logs, remove duplicates and personal "
        f"data, and set aside {EVAL_SIZE:,} for evaluation and {REGRESSION_SIZE} hard cases "
        f"*before* generating anything. All teacher calls run {where}.",
    ]
    logged_per_month = profile.calls_per_day * 30
    if logged_per_month < real_inputs + EVAL_SIZE + REGRESSION_SIZE:
        steps.append(
            f"At {profile.calls_per_day:,} calls a day you log about {logged_per_month:,} "
            "inputs a month: have the teacher write varied synthetic inputs from a few hundred "
            "real seeds for the rest, tag them, and evaluate on real inputs only."
        )
    specific = _generation_steps(profile, regime, mode, setup, generation_calls, judge_calls)
    return DataPlan(
        examples=generation_calls + judge_calls,
        generation_calls=generation_calls,
        judge_calls=judge_calls,
        real_inputs=real_inputs,
        headline=specific[0],
        steps=(*steps, *specific),
    )


def _generation_steps(
    profile: PlanProfile,
    regime: Regime,
    mode: Mode,
    setup: TeacherSetup,
    generation_calls: int,
    judge_calls: int,
) -> list[str]:
    kind = profile.output_kind
    if kind is OutputKind.LABEL:
        probs = "; keep the log-probabilities of the label tokens" if setup.logit_kd else ""
        return [
            f"Run the teacher at temperature 0 with your prompt, asking for the label only{probs}.",
            "Send the least confident ~5% (low top-label probability, or two runs disagreeing) "
            "to a person before training.",
        ]
    if kind is OutputKind.FIELDS:
        cache = (
            "; cache the teacher's top-20 logits for every output token, keyed by example id"
            if setup.token_level_kd
            else ""
        )
        return [
            "Ask the teacher for JSON against a schema (structured output); validate every "
            f"record and retry or drop invalid ones{cache}."
        ]
    if kind is OutputKind.REASONING:
        problems = generation_calls // TRACES_PER_PROBLEM
        return [
            "Ask the teacher to reason step by step and end with the answer in a fixed format; "
            f"sample {TRACES_PER_PROBLEM} solutions per problem at temperature ~0.7 "
            f"({problems:,} problems → {generation_calls:,} traces).",
            "Keep traces whose final answer is right (known answer or majority vote); of two "
            "correct traces keep the shorter.",
            *_on_policy_step(mode, setup),
        ]
    steps = [_imitation_step(kind, generation_calls)]
    if regime is Regime.PREFERENCES:
        if profile.preference_data is PreferenceData.HAVE:
            steps.append(
                "Turn your existing judgments into (prompt, chosen, rejected) pairs; drop ties."
            )
        else:
            steps.append(
                "After SFT, sample two student drafts per input and have people or the teacher "
                f"pick the better one ({judge_calls:,} judgments; A/B order random, reason first)."
            )
    steps.extend(_on_policy_step(mode, setup))
    return steps


def _imitation_step(kind: OutputKind, generation_calls: int) -> str:
    if kind is OutputKind.CHAT:
        conversations = generation_calls // TURNS_PER_CONVERSATION
        return (
            "Replay real conversation openings and let the teacher answer every turn "
            f"({conversations:,} conversations × ~{TURNS_PER_CONVERSATION} turns)."
        )
    return (
        f"Generate {generation_calls:,} teacher outputs with your prompt at temperature ~0.7, "
        "so the student sees the variety of good answers."
    )


def _on_policy_step(mode: Mode, setup: TeacherSetup) -> list[str]:
    if mode is Mode.ON_POLICY and setup.token_level_kd:
        return [
            "After an SFT warm-up, sample from the student during training and have the teacher "
            "score those same tokens (its logits on the student's text)."
        ]
    return []


def plan_loss(
    profile: PlanProfile, regime: Regime, mode: Mode, setup: TeacherSetup
) -> tuple[str, ...]:
    kind = profile.output_kind
    if kind is OutputKind.LABEL:
        if setup.logit_kd:
            return (
                "L = α·T²·KL(p_teacher,T ‖ p_student,T) + (1−α)·CE(teacher label); start at "
                "T = 2, α = 0.5.",
                "The teacher's distribution: its log-probs on your label tokens, renormalised "
                "over your classes (softened by T).",
            )
        return ("Cross-entropy on the teacher's labels (hard targets).",)
    lines: list[str] = []
    if regime is Regime.TRACES:
        lines.append(
            "Supervised fine-tuning: cross-entropy on the teacher's trace and answer, loss "
            "masked to the response tokens."
        )
    elif kind is OutputKind.CHAT:
        lines.append("Supervised fine-tuning: cross-entropy on the teacher's turns only.")
    else:
        lines.append(
            "Supervised fine-tuning: cross-entropy on the teacher's output tokens "
            "(sequence-level distillation)."
        )
    if setup.token_level_kd and mode is Mode.OFFLINE:
        lines.append("Plus token-level KL to the cached teacher logits, α = 0.5, T = 1.")
    if mode is Mode.ON_POLICY and setup.token_level_kd:
        lines.append(
            "Then on-policy: reverse KL or generalised JSD between student and teacher on the "
            "student's own samples (GKD)."
        )
    if regime is Regime.PREFERENCES:
        lines.append(
            "Then DPO on (chosen, rejected) pairs, β = 0.1, with the frozen SFT student as "
            "the reference model."
        )
    return tuple(lines)


_TASK_METRIC: dict[OutputKind, str] = {
    OutputKind.LABEL: "accuracy and macro-F1 on ~300 inputs labelled by people (the teacher "
    "is not ground truth)",
    OutputKind.FIELDS: "per-field precision and recall, and 100% schema-valid records",
    OutputKind.REASONING: "final-answer accuracy against known answers, plus a person checking "
    "50 traces for sound steps",
    OutputKind.STYLE: "blind human preference against the teacher, plus your style checklist "
    "(tone, length, phrases to avoid)",
    OutputKind.CHAT: "task success on 50 scripted multi-turn conversations, plus safety and "
    "refusal checks",
}

_AGREEMENT: dict[OutputKind, str] = {
    OutputKind.LABEL: "same label as the teacher",
    OutputKind.FIELDS: "field-level exact match with the teacher",
    OutputKind.REASONING: "same final answer as the teacher",
    OutputKind.STYLE: "win-or-tie against the teacher in blind pairwise judgments",
    OutputKind.CHAT: "win-or-tie against the teacher in blind pairwise judgments",
}


def plan_evaluation(profile: PlanProfile, with_fallback: bool) -> tuple[str, ...]:
    kind, quality = profile.output_kind, profile.quality
    hard_cases = (
        "every case reviewed by a person, zero misses on cases marked critical"
        if quality is QualityBar.CRITICAL
        else "nothing the teacher gets right may break"
    )
    lines = [
        f"Held-out agreement on {EVAL_SIZE:,} real inputs the student never saw "
        f"({_AGREEMENT[kind]}): at least {target_pct(profile)}%.",
        f"Task metric: {_TASK_METRIC[kind]}.",
        f"Regression set of {REGRESSION_SIZE} hard cases (rare classes, long or messy inputs, "
        f"past failures), run on every retrain: {hard_cases}.",
    ]
    if with_fallback:
        lines.append(
            "Cascade: on the held-out set, pick the confidence threshold above which the "
            "student agrees with the teacher at least 99% of the time; send the rest to the "
            "teacher and track that share."
        )
    lines.append(
        "Before switching, shadow-run the student beside the teacher for a week; afterwards "
        "keep comparing 1% of traffic."
    )
    return tuple(lines)


def target_pct(profile: PlanProfile) -> int:
    if profile.output_kind in {OutputKind.STYLE, OutputKind.CHAT}:
        return WIN_OR_TIE_TARGET_PCT[profile.quality]
    return AGREEMENT_TARGET_PCT[profile.quality]


def evaluation_summary(profile: PlanProfile) -> str:
    """The three checks in one line, for the chat message."""
    kind = profile.output_kind
    return (
        f"{_AGREEMENT[kind][0].upper()}{_AGREEMENT[kind][1:]} on ≥ {target_pct(profile)}% of "
        f"{EVAL_SIZE:,} held-out inputs; task metric: {_TASK_METRIC[kind]}; no regressions on "
        f"{REGRESSION_SIZE} hard cases."
    )

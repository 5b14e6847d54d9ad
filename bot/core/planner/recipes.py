"""How to generate the data, which loss to train with, and how to evaluate: text per regime.

The plan's text is Markdown written by us; anything the learner typed is escaped
before it gets here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.core.planner.choices import OutputKind, PreferenceData, Privacy, QualityBar
from bot.core.planner.plan import LatencyEstimate, Mode, Regime
from bot.core.planner.profile import PlanProfile
from bot.core.planner.reading import FieldKind, PromptFacts
from bot.core.planner.students import StudentSize
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
# ... capped by what a student of that size reaches on the whole held-out set (the rest
# of a costly-errors bar is met by the cascade, gated on the share the student answers).
AGREEMENT_CAP_PCT: dict[StudentSize, int] = {
    StudentSize.ENCODER: 97,
    StudentSize.SMALL: 90,
    StudentSize.MEDIUM: 93,
    StudentSize.LARGE: 95,
}
CONFIDENT_SHARE_AGREEMENT_PCT = 99
MIN_PER_LANGUAGE_SHARE = 15
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
    facts = profile.facts
    generation_calls = BASE_EXAMPLES[kind] * scale
    if facts.multilingual:  # every language needs enough of its own examples
        generation_calls = generation_calls * 3 // 2
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
    if facts.multilingual:
        steps.append(
            f"Sample by language ({', '.join(facts.languages)}): at least "
            f"{MIN_PER_LANGUAGE_SHARE}% of the inputs in each, from real traffic where you have "
            "it; the data set is 1.5× the single-language size for that reason."
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
        return _label_steps(profile.facts, setup)
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


def _label_steps(facts: PromptFacts, setup: TeacherSetup) -> list[str]:
    fields = facts.label_fields
    what = (
        f"the {len(fields)} label fields ({', '.join(field.name for field in fields)}) as "
        "JSON, one code each"
        if len(fields) > 1
        else "the label only"
    )
    probs = "; keep the top log-probabilities at each label's token" if setup.logit_kd else ""
    steps = [f"Run the teacher at temperature 0 with your prompt, asking for {what}{probs}."]
    if setup.logit_kd:
        steps.append(single_token_codes(facts, setup.named.logprobs_top))
    steps.append(
        "Send the least confident ~5% (low top-label probability, or two runs disagreeing) "
        "to a person before training."
    )
    return steps


def single_token_codes(facts: PromptFacts, top_k: int) -> str:
    """Log-probs describe one token position: give each label a one-token code."""
    labels = facts.all_labels
    shared = _shared_first_pieces(labels)
    clash = (
        f" Your labels {', '.join(shared)} share their first token, so their log-probs "
        "would be indistinguishable."
        if shared
        else ""
    )
    top = f" (this API returns the top {top_k})" if top_k else ""
    return (
        "Single-token label codes: the API's top-k log-probs cover one token position"
        f"{top}, the first token of the label. Ask for a code per label (A, B, C… or 1–9, "
        f"listed in the prompt) and map codes back to labels.{clash} Check that each code is "
        "one token in the teacher's tokenizer and that ≥ 99% of the probability mass falls "
        "on your codes."
    )


def _shared_first_pieces(labels: tuple[str, ...]) -> list[str]:
    firsts: dict[str, list[str]] = {}
    for label in labels:
        first = label.replace("-", "_").replace(" ", "_").split("_")[0].casefold()
        firsts.setdefault(first, []).append(label)
    return [f"`{label}`" for group in firsts.values() if len(group) > 1 for label in group]


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


def plan_evaluation(
    profile: PlanProfile,
    student: StudentSize,
    with_fallback: bool,
    latency: LatencyEstimate,
) -> tuple[str, ...]:
    kind, quality = profile.output_kind, profile.quality
    facts = profile.facts
    hard_cases = (
        "every case reviewed by a person, zero misses on cases marked critical"
        if quality is QualityBar.CRITICAL
        else "nothing the teacher gets right may break"
    )
    wanted, gate = AGREEMENT_TARGET_PCT[quality], target_pct(profile, student)
    # Only a costly-errors plan ships a cascade; otherwise say what closes the gap.
    rest = (
        "the cascade covers the rest"
        if with_fallback
        else "if you need that, send the student's least confident answers to the teacher "
        "or pick a larger student"
    )
    sized = (
        f" ({wanted}% is more than a {_SIZE_WORDS[student]} reliably reaches; {rest})"
        if gate < wanted and kind not in {OutputKind.STYLE, OutputKind.CHAT}
        else ""
    )
    lines = [
        f"Held-out agreement on {EVAL_SIZE:,} real inputs the student never saw "
        f"({_agreement(profile)}): at least {gate}%{sized}.",
        f"Task metric: {_task_metric(profile)}.",
        f"Regression set of {REGRESSION_SIZE} hard cases ({_HARD_CASES[kind]}), run on every "
        f"retrain: {hard_cases}.",
    ]
    if facts.multilingual:
        slice_size = EVAL_SIZE * MIN_PER_LANGUAGE_SHARE // 100
        lines.append(
            f"Per language ({', '.join(facts.languages)}): the same gates on each language's "
            "slice, not only on the total, so a weak language can't hide. With at least "
            f"{slice_size:,} inputs each, a {gate}% gate is ±{margin_points(gate, slice_size)} "
            "points at 95% confidence (1.96 × √(p(1−p)/n)): a slice that close to the gate "
            "needs more held-out inputs of its language before you decide."
        )
    if with_fallback:
        lines.append(
            "Cascade: on the held-out set, pick the confidence threshold above which the "
            f"student agrees with the teacher at least {CONFIDENT_SHARE_AGREEMENT_PCT}% of the "
            "time; send the rest to the teacher and track that share (aim for ≤ 20%)."
        )
        target = latency.target_ms
        if target is not None and latency.teacher_ms > target:
            lines.append(
                f"The fallback is slower than your target: the teacher takes ~"
                f"{latency.teacher_ms:,} ms against {target:,} ms. Either the share sent to it "
                "misses the target (count that share against your latency budget, e.g. a p90 "
                "target allows at most 10%), or route low-confidence cases to a review queue "
                "instead of answering them live."
            )
    lines.append(
        "Before switching, shadow-run the student beside the teacher for a week; afterwards "
        "keep comparing 1% of traffic."
    )
    return tuple(lines)


def margin_points(gate_pct: int, inputs: int) -> str:
    """The 95% margin of error of a share measured on ``inputs`` where the gate is, in
    percentage points to one decimal: 1.96 × the binomial standard error √(p(1−p)/n)."""
    p = gate_pct / 100
    return f"{100 * 1.96 * math.sqrt(p * (1 - p) / inputs):.1f}"


# What makes a case hard, by output kind ("rare classes" only where there are classes).
_HARD_CASES = {
    OutputKind.LABEL: "rare classes, long or messy inputs, past failures",
    OutputKind.FIELDS: "missing or unusual fields, long or messy inputs, past failures",
    OutputKind.REASONING: "the hardest problems, long or messy inputs, past failures",
    OutputKind.STYLE: "unusual requests, long or messy inputs, past failures",
    OutputKind.CHAT: "unusual requests, long conversations, past failures",
}


def _agreement(profile: PlanProfile) -> str:
    """What counts as agreeing with the teacher; free-text fields are judged, not matched."""
    kind = profile.output_kind
    free = [f.name for f in profile.facts.fields if f.kind is FieldKind.FREE_TEXT]
    if kind is OutputKind.FIELDS and free:
        exact = [f.name for f in profile.facts.fields if f.kind is not FieldKind.FREE_TEXT]
        matched = f" on {', '.join(exact)}" if exact else ""
        return (
            f"exact match with the teacher{matched}; {', '.join(free)} judged pairwise "
            "against the teacher's"
        )
    return _AGREEMENT[kind]


_SIZE_WORDS = {
    StudentSize.ENCODER: "0.1–0.4B encoder",
    StudentSize.SMALL: "0.5–1.5B student",
    StudentSize.MEDIUM: "3–4B student",
    StudentSize.LARGE: "7–8B student",
}


def _task_metric(profile: PlanProfile) -> str:
    facts = profile.facts
    if profile.output_kind is OutputKind.LABEL and len(facts.label_fields) > 1:
        names = ", ".join(field.name for field in facts.label_fields)
        return (
            f"macro-F1 per field ({names}) on ~300 inputs labelled by people (the teacher is "
            "not ground truth), and recall on each rare class"
        )
    return _TASK_METRIC[profile.output_kind]


def target_pct(profile: PlanProfile, student: StudentSize = StudentSize.LARGE) -> int:
    if profile.output_kind in {OutputKind.STYLE, OutputKind.CHAT}:
        return WIN_OR_TIE_TARGET_PCT[profile.quality]
    return min(AGREEMENT_TARGET_PCT[profile.quality], AGREEMENT_CAP_PCT[student])


def evaluation_summary(profile: PlanProfile, student: StudentSize) -> str:
    """The three checks in one line, for the chat message."""
    kind = profile.output_kind
    return (
        f"{_AGREEMENT[kind][0].upper()}{_AGREEMENT[kind][1:]} on ≥ "
        f"{target_pct(profile, student)}% of {EVAL_SIZE:,} held-out inputs; task metric: "
        f"{_task_metric(profile)}; no regressions on {REGRESSION_SIZE} hard cases."
    )

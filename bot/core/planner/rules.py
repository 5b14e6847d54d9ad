"""`build_plan`: a learner's answers → a distillation plan, by explicit rules (no model).

Regime (Phase 3)
  R1  A label or structured fields → distil outputs: the answer is short and checkable.
  R2  A short answer that needs reasoning → distil reasoning traces (drop 3.2).
  R3  Free text whose style matters, or a chat → distil preferences when judgments
      exist or can be made (SFT, then DPO; drop 3.3), else outputs (SFT only).
Mode (drop 3.4)
  M1  Short outputs (label, fields) → offline: no long self-generated prefix to drift on.
  M2  Long outputs, teacher logits on your GPUs and a same-tokenizer student →
      on-policy (GKD after an SFT warm-up).
  M3  Preference pairs the learner can make → on-policy pairs from the student's samples.
  M4  Otherwise offline, with an on-policy round suggested if long outputs drift.
Verdict
  V1  Nothing forces a switch (the teacher meets the latency and cost targets) and it
      saves less per year than the assumed project cost, or nothing → keep the teacher.
  V2  Errors are costly → distil, but ship as a cascade that falls back to the teacher.
  V3  Otherwise → distil.
Teacher, student, data, loss, evaluation and risks follow in `teacher_setup`,
`students`, `recipes` and `risks`.
"""

from __future__ import annotations

from bot.core.planner.choices import OutputKind, PreferenceData, QualityBar, TraceAccess
from bot.core.planner.costs import estimate_costs, teacher_over_cost_target, usd
from bot.core.planner.plan import CostEstimate, LatencyEstimate, Mode, Plan, Regime, Verdict
from bot.core.planner.profile import PlanProfile
from bot.core.planner.recipes import evaluation_summary, plan_data, plan_evaluation, plan_loss
from bot.core.planner.risks import risks_for
from bot.core.planner.students import (
    STUDENTS,
    WORKLOADS,
    StudentSize,
    base_student_size,
    fit_to_latency,
    student_latency_ms,
    teacher_latency_ms,
)
from bot.core.planner.teacher_setup import TeacherSetup, choose_teacher
from bot.core.planner.teachers import TeacherFamily
from drops.markdown import escape_markdown

EXCERPT_CHARS = 80

LONG_OUTPUTS = frozenset({OutputKind.REASONING, OutputKind.STYLE, OutputKind.CHAT})


def build_plan(profile: PlanProfile) -> Plan:
    setup = choose_teacher(profile)
    regime, regime_reasons = choose_regime(profile, setup)
    mode, mode_reason = choose_mode(profile, regime, setup)
    workload = WORKLOADS[profile.output_kind]
    student, student_notes = choose_student(profile, workload.output_tokens)
    data = plan_data(profile, regime, mode, setup)
    cost = estimate_costs(
        prompt=profile.prompt,
        workload=workload,
        teacher=setup.teacher,
        student=student,
        examples=data.examples,
        judge_calls=data.judge_calls,
        calls_per_day=profile.calls_per_day,
        max_usd_per_1k_calls=profile.max_usd_per_1k_calls,
    )
    latency = LatencyEstimate(
        teacher_ms=teacher_latency_ms(workload.output_tokens),
        student_ms=student_latency_ms(student, workload.output_tokens),
        target_ms=profile.latency_ms,
        notes=student_notes,
    )
    verdict, verdict_reason = choose_verdict(profile, cost, latency)
    same_tokenizer = setup.teacher.same_tokenizer_students.get(student)
    candidates = (
        f"{same_tokenizer} (shares the teacher's tokenizer)"
        if setup.token_level_kd and same_tokenizer
        else STUDENTS[student].candidates
    )
    return Plan(
        prompt_excerpt=prompt_excerpt(profile.prompt),
        verdict=verdict,
        verdict_reason=verdict_reason,
        regime=regime,
        mode=mode,
        reasons=(*regime_reasons, mode_reason),
        teacher_name=_teacher_name(profile, setup),
        teacher_size=setup.teacher.size,
        teacher_notes=setup.notes,
        student_size=STUDENTS[student].size,
        student_candidates=candidates,
        student_notes=_student_advice(profile.output_kind),
        examples=data.examples,
        real_inputs=data.real_inputs,
        generation_headline=data.headline,
        generation=data.steps,
        loss=plan_loss(profile, regime, mode, setup),
        evaluation=plan_evaluation(profile, verdict is Verdict.DISTILL_WITH_FALLBACK),
        evaluation_summary=evaluation_summary(profile),
        cost=cost,
        latency=latency,
        risks=risks_for(profile, setup, regime, mode),
        terms=setup.teacher.terms,
    )


def choose_regime(profile: PlanProfile, setup: TeacherSetup) -> tuple[Regime, tuple[str, ...]]:
    kind = profile.output_kind
    if kind is OutputKind.LABEL:
        signal = (
            "Its log-probs give soft labels: which wrong classes it found plausible, the "
            "knowledge hard labels throw away (drop 1.2)."
            if setup.logit_kd
            else "Without log-probs you train on hard labels, which works well with enough "
            "teacher-labelled examples (drop 3.1)."
        )
        return Regime.OUTPUTS, (
            "The answer is a label: the teacher's answer is the whole signal, and a small "
            "classifier can learn it.",
            signal,
        )
    if kind is OutputKind.FIELDS:
        return Regime.OUTPUTS, (
            "Extraction has one right output per input: copying the teacher's output "
            "(sequence-level distillation) is enough; there is no reasoning to learn.",
        )
    if kind is OutputKind.REASONING:
        source = (
            "Its reasoning is visible, so those steps are your traces."
            if profile.trace_access is TraceAccess.VISIBLE
            else "It hides its reasoning, so ask it to write its working into the answer: "
            "those written-out solutions are your traces."
        )
        return Regime.TRACES, (
            "The answer takes several steps: a small model learns them far better from worked "
            "solutions than from final answers (drop 3.2, as DeepSeek-R1-Distill did).",
            source,
        )
    if profile.preference_data is not PreferenceData.NONE:
        source = (
            "You already have judgments: they become DPO pairs."
            if profile.preference_data is PreferenceData.HAVE
            else "Make pairs by sampling two student drafts per input and having people or "
            "the teacher pick the better one."
        )
        return Regime.PREFERENCES, (
            "Quality here is judged by comparison, not by one right answer: SFT gets the "
            "student close, DPO on 'A beats B' pairs teaches what is preferred (drop 3.3).",
            source,
        )
    return Regime.OUTPUTS, (
        "Without preference data, imitate the teacher's outputs (SFT); collect pairwise "
        "judgments later if quality still lags.",
    )


def choose_mode(profile: PlanProfile, regime: Regime, setup: TeacherSetup) -> tuple[Mode, str]:
    if profile.output_kind not in LONG_OUTPUTS:
        return Mode.OFFLINE, (
            "Offline: outputs are short, so the student never drifts on its own long prefix; "
            "cached teacher outputs are enough and the cheapest (drop 3.4)."
        )
    if setup.token_level_kd:
        return Mode.ON_POLICY, (
            "On-policy: long outputs drift from what the student saw in training; with the "
            "teacher's logits on your GPUs, score the student's own samples token by token "
            "(GKD) after an offline warm-up (drop 3.4)."
        )
    if regime is Regime.PREFERENCES and profile.preference_data is PreferenceData.CAN_MAKE:
        return Mode.ON_POLICY, (
            "On-policy pairs: judging the current student's own samples makes DPO correct the "
            "mistakes it actually makes (drop 3.4)."
        )
    return Mode.OFFLINE, (
        "Offline: on-policy training needs the teacher's logits on the student's own samples "
        "and a student sharing its tokenizer, which you don't have here; cached teacher "
        "outputs are the practical choice (drop 3.4)."
    )


def choose_student(profile: PlanProfile, output_tokens: int) -> tuple[StudentSize, tuple[str, ...]]:
    size = base_student_size(profile.output_kind, profile.quality)
    if size is StudentSize.ENCODER:
        target = profile.latency_ms
        if target is not None and student_latency_ms(size, output_tokens) > target:
            return size, (f"{target} ms is below a forward pass of even a small encoder.",)
        return size, ()
    return fit_to_latency(size, output_tokens, profile.latency_ms)


def choose_verdict(
    profile: PlanProfile, cost: CostEstimate, latency: LatencyEstimate
) -> tuple[Verdict, str]:
    forces: list[str] = []
    if latency.teacher_too_slow:
        forces.append(
            f"the teacher (~{latency.teacher_ms:,} ms a call) misses your "
            f"{latency.target_ms:,} ms target"
        )
    if teacher_over_cost_target(cost, profile.max_usd_per_1k_calls):
        forces.append(
            f"the teacher (~{usd(cost.teacher_cost_per_call * 1000)} per 1,000 calls) costs "
            "more than your target"
        )
    critical = profile.quality is QualityBar.CRITICAL
    if not forces and cost.annual_savings < cost.project_cost:
        if cost.daily_savings <= 0:
            money = "the student would not be cheaper than the teacher at these prices"
        else:
            money = (
                f"at {profile.calls_per_day:,} calls a day the switch saves about "
                f"{usd(cost.annual_savings)} a year, less than the assumed "
                f"{usd(cost.project_cost)} one-off cost of the project"
            )
        stakes = (
            " Errors are costly here, so a student's extra mistakes could cost more than it saves."
            if critical
            else ""
        )
        return Verdict.KEEP_TEACHER, (
            f"{money[0].upper()}{money[1:]}, and no latency or cost target forces a switch."
            f"{stakes} Log inputs and outputs where policy allows, and revisit when volume "
            "grows; the plan below is what you would do then."
        )
    reasons = list(forces)
    if cost.daily_savings > 0:
        reasons.insert(
            0, f"it saves about {usd(cost.daily_savings)} a day ({usd(cost.annual_savings)} a year)"
        )
    why = ", and ".join(reasons)
    if cost.daily_savings <= 0:
        why += " (it would not be cheaper at these prices)"
    why = why[0].upper() + why[1:] + "."
    if critical:
        return Verdict.DISTILL_WITH_FALLBACK, (
            f"{why} Errors are costly, so ship it as a cascade: the student answers when "
            "confident and hands the rest to the teacher."
        )
    return Verdict.DISTILL, why


def prompt_excerpt(prompt: str) -> str:
    """The prompt's start on one line, so the learner recognises which prompt a plan is for."""
    one_line = " ".join(prompt.split())
    if len(one_line) <= EXCERPT_CHARS:
        return one_line
    return one_line[: EXCERPT_CHARS - 1].rstrip() + "…"


def _teacher_name(profile: PlanProfile, setup: TeacherSetup) -> str:
    if setup.teacher is not setup.named or profile.teacher == setup.named.family.value:
        return setup.teacher.name
    typed = escape_markdown(profile.teacher)
    if setup.named.family is TeacherFamily.OTHER:
        return typed
    return f"{typed} ({setup.named.name})"


def _student_advice(kind: OutputKind) -> tuple[str, ...]:
    if kind is OutputKind.LABEL:
        return ("A classifier head over your labels is faster and cheaper than generating text.",)
    if kind is OutputKind.REASONING:
        return (
            "DeepSeek-R1-Distill-Qwen-1.5B and -7B show what SFT on traces reaches at these sizes.",
        )
    if kind is OutputKind.FIELDS:
        return ("Constrain decoding to your JSON schema so every record parses.",)
    return ()

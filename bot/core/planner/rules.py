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
Student
  S1  Labels → an encoder classifier (one head per label field); other outputs → a
      decoder sized by output kind and quality bar.
  S2  Long inputs (over 4,000 tokens) or several languages need a 3B+ decoder; over
      16,000 tokens a 7B+ one. A latency target then steps the size down.
Verdict (from the alternatives table, `alternatives`)
  V1  Distilling is the recommended row → distil; errors costly → ship it as a cascade
      that falls back to the teacher.
  V2  Another row wins (its total over your horizon is lower, or distilling misses a
      target or pays back after the horizon) → don't distill (yet), and say why.
Teacher, student, data, loss, evaluation and risks follow in `teacher_setup`,
`students`, `recipes` and `risks`.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.core.planner.alternatives import QUALITY_MISS, Option, QualityRisk, Weighing, weigh
from bot.core.planner.choices import OutputKind, PreferenceData, Privacy, QualityBar, TraceAccess
from bot.core.planner.costs import (
    CostEstimate,
    data_cost,
    days_text,
    student_hosting,
    teacher_cost,
    training_cost,
    usd,
)
from bot.core.planner.plan import LatencyEstimate, Mode, Plan, Regime, Verdict
from bot.core.planner.prices import PRICES
from bot.core.planner.profile import PlanProfile
from bot.core.planner.reading import LANGUAGE_CODES, FieldKind, PromptFacts
from bot.core.planner.recipes import evaluation_summary, plan_data, plan_evaluation, plan_loss
from bot.core.planner.risks import risks_for, slower_than_teacher
from bot.core.planner.students import (
    LONG_INPUT_TOKENS,
    STUDENTS,
    WORKLOADS,
    StudentSize,
    Workload,
    base_student_size,
    fit_to_latency,
    student_candidates,
    student_latency_ms,
    teacher_latency_ms,
)
from bot.core.planner.teacher_setup import TeacherSetup, choose_teacher
from bot.core.planner.teachers import Teacher
from drops.markdown import escape_markdown

EXCERPT_CHARS = 80
TITLE_CHARS = 48
VERY_LONG_INPUT_TOKENS = 16_000

LONG_OUTPUTS = frozenset({OutputKind.REASONING, OutputKind.STYLE, OutputKind.CHAT})


def build_plan(profile: PlanProfile) -> Plan:
    facts = profile.facts
    setup = choose_teacher(profile)
    regime, regime_reasons = choose_regime(profile, setup)
    mode, mode_reason = choose_mode(profile, regime, setup)
    workload = workload_for(profile)
    student, student_notes, stepped_down = choose_student(profile, workload)
    data = plan_data(profile, regime, mode, setup)
    # A reasoning teacher writes its reasoning (an estimate) before the answer.
    thinking = PRICES.thinking(_priced_by_token(setup).model, profile.output_kind)
    teacher_ms = teacher_latency_ms(
        workload.output_tokens + thinking, facts.prompt_tokens + workload.input_tokens
    )
    cost = estimate_costs(
        profile, setup, workload, student, data.examples, data.judge_calls, teacher_ms
    )
    latency = LatencyEstimate(
        teacher_ms=teacher_ms,
        student_ms=cost.hosting.latency_ms,
        target_ms=profile.latency_ms,
        notes=student_notes,
    )  # fmt: skip
    weighing = weigh(
        profile,
        setup.teacher if setup.self_hosted else setup.named,
        cost,
        teacher_ms=latency.teacher_ms,
        student_ms=latency.student_ms,
        distill_risk=distill_risk(profile, student, stepped_down),
        hosted_teacher=not setup.self_hosted,
    )
    verdict, verdict_reason = choose_verdict(profile, cost, weighing)
    same_tokenizer = setup.teacher.family.same_tokenizer_students.get(student)
    candidates = (
        f"{same_tokenizer} (shares the teacher's tokenizer)"
        if setup.token_level_kd and same_tokenizer
        else student_candidates(student, facts.multilingual, workload.input_tokens)
    )
    # Costly errors: whenever you distil, ship a cascade (also in a "not yet" plan).
    with_fallback = profile.quality is QualityBar.CRITICAL
    return Plan(
        title=plan_title(profile.prompt, facts),
        prompt_excerpt=prompt_excerpt(profile.prompt),
        facts=facts,
        verdict=verdict,
        verdict_reason=verdict_reason,
        regime=regime,
        mode=mode,
        reasons=(*regime_reasons, mode_reason),
        teacher_name=setup.teacher.name if setup.teacher is not setup.named
        else escape_markdown(setup.named.name),
        teacher_size=setup.teacher.family.size,
        teacher_notes=setup.notes,
        teacher_price_caveat=_priced_by_token(setup).price_caveat if setup.node is None
        else None,
        student_size=STUDENTS[student].size,
        student_candidates=candidates,
        student_notes=_student_advice(profile, student, workload),
        examples=data.examples,
        real_inputs=data.real_inputs,
        generation_headline=data.headline,
        generation=data.steps,
        loss=plan_loss(profile, regime, mode, setup),
        evaluation=plan_evaluation(profile, student, with_fallback, latency),
        evaluation_summary=evaluation_summary(profile, student),
        cost=cost,
        weighing=weighing,
        latency=latency,
        risks=(*risks_for(profile, setup, regime, mode), *slower_than_teacher(cost.hosting)),
        terms=setup.teacher.family.terms,
    )  # fmt: skip


def workload_for(profile: PlanProfile) -> Workload:
    """Input tokens as answered (or read); output tokens as the prompt implies, else typical."""
    typical = WORKLOADS[profile.output_kind]
    facts = profile.facts
    output = facts.output_tokens or typical.output_tokens
    basis = "from the output the prompt asks for" if facts.output_tokens else typical.output_basis
    return Workload(profile.input_tokens, output, typical.describes, basis)


def estimate_costs(
    profile: PlanProfile,
    setup: TeacherSetup,
    workload: Workload,
    student: StudentSize,
    examples: int,
    judgments: int = 0,
    teacher_ms: int | None = None,
) -> CostEstimate:
    prompt_tokens = profile.facts.prompt_tokens
    today = teacher_cost(
        _priced_by_token(setup),
        self_host=setup.node,
        prompt_tokens=prompt_tokens,
        input_tokens=workload.input_tokens,
        output_tokens=workload.output_tokens,
        calls_per_day=profile.calls_per_day,
        reasoning_tokens=PRICES.thinking(_priced_by_token(setup).model, profile.output_kind),
    )
    data_usd, data_lines = data_cost(
        setup.teacher,
        today,
        self_host=setup.node,
        examples=examples,
        prompt_tokens=prompt_tokens,
        input_tokens=workload.input_tokens,
        output_tokens=workload.output_tokens,
        judgments=judgments,
    )
    training_usd, training_lines = training_cost(
        student,
        examples=examples,
        input_tokens=workload.input_tokens,
        output_tokens=workload.output_tokens,
    )
    hosting = student_hosting(
        student,
        input_tokens=workload.input_tokens,
        output_tokens=workload.output_tokens,
        calls_per_day=profile.calls_per_day,
        no_serverless=_no_serverless(profile),
        latency_ms=profile.latency_ms,
        teacher_ms=teacher_ms,
    )
    return CostEstimate(
        prompt_tokens=prompt_tokens,
        input_tokens=workload.input_tokens,
        output_tokens=workload.output_tokens,
        calls_per_day=profile.calls_per_day,
        teacher=today,
        hosting=hosting,
        examples=examples,
        data_usd=data_usd,
        data_lines=data_lines,
        training_usd=training_usd,
        training_lines=training_lines,
        engineering_usd=Decimal(profile.engineering_usd),
        horizon_days=profile.horizon_days,
    )


def _priced_by_token(setup: TeacherSetup) -> Teacher:
    """The teacher whose token prices the plan uses where no node of its own is priced."""
    return setup.teacher if setup.self_hosted else setup.named


# Serverless hosts queue requests and cold-start idle adapters: fine for seconds, not for
# a sub-second target.
SERVERLESS_MIN_LATENCY_MS = 1_000


def _no_serverless(profile: PlanProfile) -> str | None:
    """Why the student can't be served per token by a serverless host, if it can't."""
    if profile.privacy is not Privacy.HOSTED_OK:  # a serverless host is one more provider
        return "your data may not go to another provider"
    if profile.latency_ms is not None and profile.latency_ms < SERVERLESS_MIN_LATENCY_MS:
        return (
            f"your {profile.latency_ms:,} ms target leaves no room for a shared host's "
            "queueing and cold starts"
        )
    return None


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
        free = [f.name for f in profile.facts.fields if f.kind is FieldKind.FREE_TEXT]
        if free:
            return Regime.OUTPUTS, (
                "The output is a record: copying the teacher's records (sequence-level "
                "distillation) is the standard recipe, but its free-text field "
                f"({', '.join(free)}) has many right answers and takes judgment, so it needs a "
                "larger student and pairwise judging rather than exact match.",
            )
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


def choose_student(
    profile: PlanProfile, workload: Workload
) -> tuple[StudentSize, tuple[str, ...], bool]:
    """The size class, notes on how it was fitted, and whether a target forced it smaller."""
    size = base_student_size(profile.output_kind, profile.quality)
    if size is StudentSize.ENCODER:
        target = profile.latency_ms
        estimate = student_latency_ms(size, workload.output_tokens, workload.input_tokens)
        if target is not None and estimate > target:
            return size, (f"{target} ms is below a forward pass of even a small encoder.",), False
        return size, (), False
    notes: list[str] = []
    needed = size
    if workload.input_tokens > VERY_LONG_INPUT_TOKENS:
        needed = max(needed, StudentSize.LARGE)
    elif workload.input_tokens > LONG_INPUT_TOKENS or profile.facts.multilingual:
        needed = max(needed, StudentSize.MEDIUM)
    free_text = [f.name for f in profile.facts.fields if f.kind is FieldKind.FREE_TEXT]
    raised_for_free_text = False
    if profile.output_kind is OutputKind.FIELDS and free_text and needed < StudentSize.MEDIUM:
        needed, raised_for_free_text = StudentSize.MEDIUM, True
    if needed > size:
        if workload.input_tokens > LONG_INPUT_TOKENS:
            why = (
                f"{workload.input_tokens:,}-token inputs: smaller decoders lose the thread of "
                "long contexts"
            )
        elif profile.facts.multilingual:
            why = (
                f"output in {', '.join(profile.facts.languages)}: smaller decoders write "
                "languages other than English poorly"
            )
        else:
            assert raised_for_free_text
            why = (
                f"the free-text field ({', '.join(free_text)}): a 0.5–1.5B model copies "
                "values well but writes judgments poorly"
            )
        notes.append(f"Raised from {STUDENTS[size].size} to {STUDENTS[needed].size} for {why}.")
    fitted, fit_notes = fit_to_latency(
        needed, workload.output_tokens, profile.latency_ms, workload.input_tokens
    )
    return fitted, (*notes, *fit_notes), fitted < needed


def distill_risk(profile: PlanProfile, student: StudentSize, stepped_down: bool) -> QualityRisk:
    """How likely the student falls short of the teacher, for the alternatives table."""
    if stepped_down:
        return QualityRisk.HIGH
    if profile.output_kind is OutputKind.LABEL:
        return QualityRisk.LOW
    return QualityRisk.MEDIUM


def _only_way(weighing: Weighing, targets: tuple[str, ...]) -> str:
    """How alone distilling is in meeting ``targets``: the table may show another option
    meeting them that misses the quality bar, or (dearer) meets everything."""
    rivals = [
        row
        for row in weighing.rows
        if row.available
        and row.option not in (Option.KEEP, Option.DISTILL)
        and not set(targets) & set(row.misses)
    ]
    if not rivals:
        return "the only way"
    if all(QUALITY_MISS in row.misses for row in rivals):
        return "the only way within your quality bar"
    return "the cheapest way"


def choose_verdict(
    profile: PlanProfile, cost: CostEstimate, weighing: Weighing
) -> tuple[Verdict, str]:
    """The verdict follows the alternatives table; the reason quotes the payback."""
    horizon = f"{profile.horizon_days:,} days"  # exact: rounded, it could equal a later payback
    distill = weighing.row(Option.DISTILL)
    payback = cost.payback_days
    arithmetic = (
        f"one-off {usd(cost.one_off_usd)} ÷ {usd(cost.daily_savings)} a day saved"
        if payback is not None
        else ""
    )
    if weighing.chosen.option is Option.DISTILL:
        # Distilling also wins where it alone meets a target the teacher misses: then it may
        # pay back late, or never, and the reason says which.
        missed = weighing.row(Option.KEEP).misses
        only = (
            f"{_only_way(weighing, missed)} to meet {', '.join(missed)}"
            if missed
            else "the option that meets your targets at the lowest total"
        )
        if payback is None:
            why = (
                f"It is {only}, but it never pays back: serving the student "
                f"({usd(cost.hosting.daily_usd)} a day) costs more than the teacher "
                f"({usd(cost.teacher.daily_usd)} a day); {_why_chosen(weighing)}."
            )
        elif not cost.pays_back_in_horizon:
            why = (
                f"It is {only}, though it pays back only in {days_text(payback)} "
                f"({arithmetic}), past your horizon of {horizon}; {_why_chosen(weighing)}."
            )
        else:
            why = (
                f"Pays back in {days_text(payback)} ({arithmetic}), within your horizon of "
                f"{horizon}; {_why_chosen(weighing)}."
            )
        if profile.quality is QualityBar.CRITICAL:
            return Verdict.DISTILL_WITH_FALLBACK, (
                f"{why} Errors are costly, so ship it as a cascade: the student answers when "
                "confident and hands the rest to the teacher."
            )
        return Verdict.DISTILL, why
    if payback is None:
        money = (
            f"distilling saves nothing: serving the student ({usd(cost.hosting.daily_usd)} a "
            f"day) costs at least what the teacher does ({usd(cost.teacher.daily_usd)} a day)"
        )
    elif not cost.pays_back_in_horizon:
        money = (
            f"distilling would pay back only in {days_text(payback)} ({arithmetic}), past your "
            f"horizon of {horizon}"
        )
    elif distill.misses:
        money = (
            f"distilling pays back in {days_text(payback)} but misses {', '.join(distill.misses)}"
        )
    else:
        money = (
            f"distilling pays back in {days_text(payback)}, but this costs less over your {horizon}"
        )
    chosen = weighing.chosen
    return Verdict.KEEP_TEACHER, (
        f"{chosen.name}: {weighing.why}; {money}. Log inputs and outputs where policy "
        "allows and revisit when volume or prices change; the plan below is what you would "
        "do then."
    )


_TITLE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:classify|categori[sz]e|triage|route|label)\s+(?:this |the |each |"
                r"incoming )?([a-z][a-z -]{2,30}?)s?\b(?: as| into| by| for|[.,:])", re.I),
     "{} classifier"),
    (re.compile(r"\bsummari[sz]e\s+(?:the |this |each )?(?:transcript of (?:a |the )?)?"
                r"([a-z][a-z -]{2,30}?)s?\b(?:[.,:]| in| for)", re.I), "{} summariser"),
    (re.compile(r"\bextract\b[^.]{0,60}?\bfrom (?:the |this |each |attached )*"
                r"([a-z][a-z -]{2,30}?)s?\b[.,:;]", re.I), "{} extraction"),
    (re.compile(r"\byou are (?:a|an|the) ((?:[a-z-]+ ){0,3}?(?:assistant|tutor|agent|"
                r"reviewer|writer|editor|bot|classifier))\b", re.I), "{}"),
    (re.compile(r"\byou review ([a-z][a-z -]{2,30}?)s?\b[.,]", re.I), "{} reviewer"),
    (re.compile(r"\bread the ([a-z][a-z -]{2,30}?) below\b", re.I), "{} review"),
    # "as a friendly, concise product update for …": the adjectives go, the noun stays.
    (re.compile(r"\brewrite\b[^.]{0,40}?\bas (?:a |an )?(?:[a-z]+, )*(?:[a-z]+ (?=[a-z]+ "
                r"[a-z]+ for))?([a-z -]{3,30}?)(?: for|[.,])", re.I), "{} rewriter"),
)  # fmt: skip


def plan_title(prompt: str, facts: PromptFacts) -> str:
    """A short name for the plan: what the prompt does, plus fields and languages if several."""
    base = ""
    for pattern, form in _TITLE_PATTERNS:
        match = pattern.search(prompt)
        if match:
            base = form.format(match.group(1).strip(" ,"))
            break
    if not base:
        words = " ".join(prompt.split()[:6])
        base = words if len(words) <= 32 else words[:31].rstrip() + "…"
    extras = []
    if len(facts.fields) > 1:
        extras.append(f"{len(facts.fields)} fields")
    if len(facts.languages) > 1:
        codes = (LANGUAGE_CODES.get(lang, lang[:2].upper()) for lang in facts.languages[:4])
        extras.append("/".join(codes))
    title = base[0].upper() + base[1:]
    if extras:
        title += f" ({', '.join(extras)})"
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"


def prompt_excerpt(prompt: str) -> str:
    """The prompt's start on one line, so the learner recognises which prompt a plan is for."""
    one_line = " ".join(prompt.split())
    if len(one_line) <= EXCERPT_CHARS:
        return one_line
    return one_line[: EXCERPT_CHARS - 1].rstrip() + "…"


def _student_advice(
    profile: PlanProfile, student: StudentSize, workload: Workload
) -> tuple[str, ...]:
    facts = profile.facts
    kind = profile.output_kind
    advice: list[str] = []
    if kind is OutputKind.LABEL:
        heads = len(facts.label_fields)
        if heads > 1:
            names = ", ".join(field.name for field in facts.label_fields)
            advice.append(
                f"One shared encoder with {heads} classification heads ({names}), trained "
                "together: one forward pass answers every field."
            )
        else:
            advice.append(
                "A classifier head over your labels is faster and cheaper than generating text."
            )
        if workload.input_tokens > 512:
            advice.append(
                f"Inputs of ~{workload.input_tokens:,} tokens exceed a 512-token encoder: use "
                "an 8k-context encoder (ModernBERT) or classify the first 512 tokens plus a "
                "summary, and check accuracy on long inputs."
            )
    if kind is OutputKind.REASONING:
        advice.append(
            "DeepSeek-R1-Distill-Qwen-1.5B and -7B show what SFT on traces reaches at these sizes."
        )
    if kind is OutputKind.FIELDS or (facts.json_output and kind is not OutputKind.LABEL):
        advice.append("Constrain decoding to your JSON schema so every record parses.")
    if facts.multilingual:
        advice.append(
            f"Your prompt covers {', '.join(facts.languages)}: pick a multilingual student and "
            "keep every language in the training mix (at least ~15% each)."
        )
    if student is not StudentSize.ENCODER and workload.input_tokens > LONG_INPUT_TOKENS:
        advice.append(
            f"Each input is ~{workload.input_tokens:,} tokens: the student needs a context of "
            "at least twice that (Qwen2.5: 32k; Llama 3.1+: 128k) and training on full-length "
            "inputs."
        )
    return tuple(advice)


def _why_chosen(weighing: Weighing) -> str:
    """``weighing.why`` after a distil verdict's reason: "it has the lowest total …", or,
    when no option meets every target, that sentence as it stands."""
    return f"it has the {weighing.why}" if weighing.chosen.eligible else weighing.why

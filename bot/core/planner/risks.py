"""The risks that apply to a plan: drop 2.5's silent failures first, then the rest.

Each risk is included only when the plan does the thing that can go wrong: the KL
pitfalls only with a KL term, the frozen-teacher one only when the teacher's weights
run in your training code, the tokenizer one only when token log-probs exist for
generated text. Leakage of evaluation data into training applies to every plan.
"""

from __future__ import annotations

from bot.core.planner.choices import LogitsAccess, OutputKind, Privacy
from bot.core.planner.costs import Hosting
from bot.core.planner.plan import Mode, Regime, Risk
from bot.core.planner.profile import PlanProfile
from bot.core.planner.teacher_setup import SEQUENCE_OUTPUTS, TeacherSetup

FORGETTING_T_SQUARED = Risk(
    "Forgetting T² (drop 2.5)",
    "Soft-target gradients shrink as 1/T²; multiply the KL term by T² or it fades next to the "
    "cross-entropy term.",
)
PROBABILITIES_INTO_KL = Risk(
    "Probabilities instead of log-probabilities into KL (drop 2.5)",
    "`kl_div` wants the student's `log_softmax(z/T)` as input and the teacher's probabilities "
    "as target (or log-probs with `log_target=True`); plain probabilities give a wrong loss "
    "and no error.",
)
MEAN_NOT_BATCHMEAN = Risk(
    "`reduction='mean'` instead of `'batchmean'` (drop 2.5)",
    "`'mean'` also divides by the number of classes or tokens, shrinking the KL term; "
    "`'batchmean'` gives the true KL per example.",
)
TEACHER_NOT_FROZEN = Risk(
    "Teacher not frozen or left in train mode (drop 2.5)",
    "Call `teacher.eval()`, run it under `torch.no_grad()` and set `requires_grad_(False)`: "
    "dropout makes its targets noisy and gradients must not reach it.",
)
MISALIGNED_CACHE = Risk(
    "Misaligned cached teacher outputs (drop 2.5)",
    "Key every cached output by example id, never by row position: a shuffle, dedupe or filter "
    "applied to inputs only pairs each input with another one's target. Spot-check 20 pairs.",
)
EVAL_LEAKAGE = Risk(
    "Evaluation data leaking into training",
    "Split real inputs by time or by customer before generating anything, dedupe "
    "near-duplicates across the split, and keep held-out cases out of prompts, few-shot "
    "examples and synthetic seeds.",
)
TEACHER_MISTAKES = Risk(
    "Copying the teacher's mistakes",
    "The student learns the teacher's errors too: have a person check ~200 teacher outputs "
    "and fix or drop the wrong ones.",
)
EXPOSURE_BIAS = Risk(
    "Exposure bias on long outputs",
    "Trained only on teacher text, the student never practises recovering from its own "
    "errors; if quality drops with length, add an on-policy round.",
)
JUDGE_BIAS = Risk(
    "Length and position bias in preferences",
    "Judges favour longer answers and the first option: randomise A/B order, compare answers "
    "of similar length, and watch the student's average length after DPO.",
)
PERSONAL_DATA = Risk(
    "Personal data in the training set",
    "A student can memorise and repeat what it was trained on: mask or remove personal data "
    "before training and keep the data set where your policy says.",
)
CAPACITY_GAP = Risk(
    "Capacity gap",
    "A small student cannot reproduce very long traces: prefer the shortest correct trace "
    "per problem and check accuracy by problem difficulty.",
)


RARE_CLASSES = Risk(
    "Rare classes",
    "A class seen in 1% of traffic gets ~100 of 10,000 examples and is the first a student "
    "drops: oversample it from the logs (or have the teacher write inputs for it), report "
    "recall per class, and keep rare-class cases in the regression set.",
)
DRIFT = Risk(
    "Drift after the switch",
    "Inputs change (new products, new phrasing) and a frozen student doesn't: keep comparing "
    "1% of traffic with the teacher, alert when agreement drops 2 points, and retrain on "
    "fresh logs every quarter or on alert.",
)


def language_coverage(languages: tuple[str, ...], *, writes_text: bool = True) -> Risk:
    check = (
        "check that the student answers in the input's language"
        if writes_text
        else "keep hard cases in every language in the regression set"
    )
    return Risk(
        "Language coverage",
        f"Traffic in {', '.join(languages)} is rarely balanced: a language with few examples "
        f"quietly gets worse. Stratify the data by language, gate each language on its own, "
        f"and {check}.",
    )


def tokenizer_mismatch(setup: TeacherSetup) -> Risk:
    if setup.token_level_kd:
        advice = (
            "Token-level KL needs a shared vocabulary: the plan picks a student from the "
            "teacher's own family, which shares its tokenizer; keep it so."
        )
    else:
        advice = (
            "Token-level KL needs a shared vocabulary; your teacher's log-probs are over its own "
            "tokens, so this plan uses sequence-level fine-tuning and uses them only to filter "
            "low-confidence outputs."
        )
    return Risk("Tokenizer mismatch between teacher and student (drop 2.5)", advice)


def risks_for(
    profile: PlanProfile, setup: TeacherSetup, regime: Regime, mode: Mode
) -> tuple[Risk, ...]:
    risks: list[Risk] = []
    if setup.logit_kd:
        risks += [FORGETTING_T_SQUARED, PROBABILITIES_INTO_KL, MEAN_NOT_BATCHMEAN]
    # Only then do the teacher's weights run inside your training code.
    if setup.self_hosted and setup.logit_kd:
        risks.append(TEACHER_NOT_FROZEN)
    # Every plan trains on stored teacher outputs at some point (on-policy runs warm up on them).
    risks.append(MISALIGNED_CACHE)
    if profile.output_kind in SEQUENCE_OUTPUTS and setup.logits is not LogitsAccess.NONE:
        risks.append(tokenizer_mismatch(setup))
    risks += [EVAL_LEAKAGE, TEACHER_MISTAKES]
    long_output = profile.output_kind in {OutputKind.REASONING, OutputKind.STYLE, OutputKind.CHAT}
    if long_output and mode is Mode.OFFLINE:
        risks.append(EXPOSURE_BIAS)
    if regime is Regime.PREFERENCES:
        risks.append(JUDGE_BIAS)
    if regime is Regime.TRACES:
        risks.append(CAPACITY_GAP)
    if profile.output_kind is OutputKind.LABEL:
        risks.append(RARE_CLASSES)
    if profile.facts.multilingual:
        risks.append(
            language_coverage(
                profile.facts.languages,
                writes_text=profile.output_kind is not OutputKind.LABEL,
            )
        )
    risks.append(DRIFT)
    if profile.privacy is not Privacy.HOSTED_OK:
        risks.append(PERSONAL_DATA)
    return tuple(risks)


def slower_than_teacher(hosting: Hosting) -> tuple[Risk, ...]:
    """A student notably slower a call than the teacher, where no latency target was given:
    users who waited ~13 s would wait ~40 s. The hosting line says by how much and what a
    faster machine would cost."""
    if hosting.slower is None:
        return ()
    return (
        Risk(
            f"Student {hosting.slower.times}× slower than the teacher",
            hosting.slower.text,
        ),
    )

"""Which teacher generates the data, where it runs, and what signal it can give.

Rules, in order:
1. Data that may not leave the company rules out a hosted teacher: keep an open-weight
   teacher (run in-house) or replace a hosted one with a self-hosted open model.
2. A teacher whose weights you run gives full logits; a hosted API gives at most what
   its API returns (top-k log-probs or nothing). The learner's answer is capped by that.
3. Logit distillation (a KL term) needs the teacher's distribution over the same
   outcomes the student predicts: for labels, the label tokens mapped to classes; for
   generated text, a student that shares the teacher's tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.planner.choices import LOGITS_RANK, LogitsAccess, OutputKind, Privacy
from bot.core.planner.profile import PlanProfile
from bot.core.planner.teachers import (
    CATALOG,
    SELF_HOSTED_TEACHER,
    TeacherFamily,
    TeacherInfo,
    identify_teacher,
)
from drops.markdown import escape_markdown

SEQUENCE_OUTPUTS = frozenset(
    {OutputKind.FIELDS, OutputKind.REASONING, OutputKind.STYLE, OutputKind.CHAT}
)

_LOGITS_WORDS = {
    LogitsAccess.NONE: "no log-probabilities",
    LogitsAccess.TOP_K: "top-k log-probabilities",
    LogitsAccess.FULL: "full logits",
}


@dataclass(frozen=True)
class TeacherSetup:
    named: TeacherInfo
    teacher: TeacherInfo
    self_hosted: bool
    logits: LogitsAccess
    # KL against the teacher's distribution is part of the loss.
    logit_kd: bool
    # ... and it is token-level (generated text, same-tokenizer student).
    token_level_kd: bool
    notes: tuple[str, ...]


def choose_teacher(profile: PlanProfile) -> TeacherSetup:
    named = identify_teacher(profile.teacher)
    notes: list[str] = []
    teacher, self_hosted = named, False
    if profile.privacy is Privacy.IN_HOUSE:
        self_hosted = True
        if named.open_weights:
            notes.append("It runs on your own GPUs, so no data leaves the company.")
        else:
            teacher = _in_house_replacement(profile.output_kind)
            notes.append(_replacement_note(profile.teacher, named))
    elif profile.logits_access is LogitsAccess.FULL and (
        named.open_weights or named.family is TeacherFamily.OTHER
    ):
        # Full logits mean the learner runs the weights.
        self_hosted = True
    elif profile.privacy is Privacy.CONTRACT and not named.open_weights:
        notes.append(
            "Check that your contract (retention, region) covers sending the training inputs, "
            "not only live traffic."
        )

    logits = _effective_logits(profile.logits_access, teacher, self_hosted, notes)
    is_sequence = profile.output_kind in SEQUENCE_OUTPUTS
    token_level_kd = (
        is_sequence and logits is LogitsAccess.FULL and bool(teacher.same_tokenizer_students)
    )
    logit_kd = token_level_kd or (not is_sequence and logits is not LogitsAccess.NONE)
    return TeacherSetup(named, teacher, self_hosted, logits, logit_kd, token_level_kd, tuple(notes))


def _in_house_replacement(kind: OutputKind) -> TeacherInfo:
    if kind is OutputKind.REASONING:
        reasoner = CATALOG[TeacherFamily.DEEPSEEK]
        return TeacherInfo(
            reasoner.family,
            reasoner.button_label,
            "a self-hosted open reasoning teacher (DeepSeek-R1, or R1-Distill-Qwen-32B on "
            "fewer GPUs)",
            reasoner.size,
            True,
            reasoner.input_usd_per_m,
            reasoner.output_usd_per_m,
            reasoner.price_basis + ", used as the cost of running it yourself",
            LogitsAccess.TOP_K,
            {},
            reasoner.terms,
        )
    return SELF_HOSTED_TEACHER


def _replacement_note(answer: str, named: TeacherInfo) -> str:
    if named.family is TeacherFamily.OTHER:
        who = "your teacher" if answer == TeacherFamily.OTHER.value else escape_markdown(answer)
        return (
            f"If {who} is a hosted API, data would leave the company: this plan assumes an "
            "open-weight teacher on your own GPUs instead."
        )
    return (
        f"{named.name} is a hosted API, so its use would send data out of the company: "
        "generate with an open-weight teacher on your own GPUs instead, after checking on "
        "~200 inputs that it matches the hosted model on your task."
    )


def _effective_logits(
    answer: LogitsAccess, teacher: TeacherInfo, self_hosted: bool, notes: list[str]
) -> LogitsAccess:
    if self_hosted:
        if answer is not LogitsAccess.FULL:
            notes.append("You run its weights, so its full logits are available for distillation.")
        return LogitsAccess.FULL
    ceiling = LogitsAccess.FULL if teacher.open_weights else teacher.api_logits
    if LOGITS_RANK[answer] > LOGITS_RANK[ceiling]:
        notes.append(
            f"{teacher.name}'s API gives {_LOGITS_WORDS[ceiling]}, not "
            f"{_LOGITS_WORDS[answer]}; the plan uses what it gives."
        )
        return ceiling
    return answer

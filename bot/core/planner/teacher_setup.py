"""Which teacher generates the data, where it runs, and what signal it can give.

Rules, in order:
1. Data that may not leave the company rules out a hosted teacher: keep an open-weight
   teacher (run in-house) or replace a hosted one with a self-hosted open model. A
   self-hosted teacher is priced by the GPU-hours of the node it needs, not a list price.
2. A teacher whose weights you run gives full logits; a hosted API gives what the price
   table says it exposes (top-k log-probs or text only). The learner's answer is capped by
   that.
3. Logit distillation (a KL term) needs the teacher's distribution over the same
   outcomes the student predicts: for labels, the label tokens mapped to classes; for
   generated text, a student that shares the teacher's tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.planner.choices import LOGITS_RANK, LogitsAccess, OutputKind, Privacy
from bot.core.planner.prices import PRICES, SelfHost
from bot.core.planner.profile import PlanProfile
from bot.core.planner.teachers import Teacher, TeacherFamily, resolve_teacher
from drops.markdown import escape_markdown

SEQUENCE_OUTPUTS = frozenset(
    {OutputKind.FIELDS, OutputKind.REASONING, OutputKind.STYLE, OutputKind.CHAT}
)

_LOGITS_WORDS = {
    LogitsAccess.NONE: "no log-probabilities (text only)",
    LogitsAccess.TOP_K: "top-k log-probabilities",
    LogitsAccess.FULL: "full logits",
}


@dataclass(frozen=True)
class TeacherSetup:
    named: Teacher
    teacher: Teacher
    self_hosted: bool
    node: SelfHost | None  # the machines a self-hosted teacher runs on
    logits: LogitsAccess
    # KL against the teacher's distribution is part of the loss.
    logit_kd: bool
    # ... and it is token-level (generated text, same-tokenizer student).
    token_level_kd: bool
    notes: tuple[str, ...]


def choose_teacher(profile: PlanProfile) -> TeacherSetup:
    named = resolve_teacher(profile.teacher)
    notes: list[str] = []
    teacher, self_hosted = named, False
    if profile.privacy is Privacy.IN_HOUSE:
        self_hosted = True
        if named.open_weights:
            notes.append("It runs on your own GPUs, so no data leaves the company.")
        else:
            teacher = _in_house_replacement(profile.output_kind)
            notes.append(_replacement_note(profile.teacher, named))
    elif profile.logits_access is LogitsAccess.FULL and (named.open_weights or not named.known):
        # Full logits mean the learner runs the weights.
        self_hosted = True
    elif profile.privacy is Privacy.CONTRACT and not named.open_weights:
        notes.append(
            "Check that your contract (retention, region) covers sending the training inputs, "
            "not only live traffic."
        )
    node = teacher.self_host if self_hosted else None
    if self_hosted and node is None:
        notes.append(
            "We don't know the machines your model needs, so it is priced by the token "
            f"({teacher.price_basis})."
        )
    elif node is not None:
        notes.append(f"Priced by the GPU-hour: {node.name}.")
    logits = _effective_logits(profile.logits_access, teacher, self_hosted, notes)
    is_sequence = profile.output_kind in SEQUENCE_OUTPUTS
    token_level_kd = (
        is_sequence and logits is LogitsAccess.FULL and bool(teacher.family.same_tokenizer_students)
    )
    logit_kd = token_level_kd or (not is_sequence and logits is not LogitsAccess.NONE)
    return TeacherSetup(
        named, teacher, self_hosted, node, logits, logit_kd, token_level_kd, tuple(notes)
    )


def _in_house_replacement(kind: OutputKind) -> Teacher:
    """An open-weight teacher to run on your own GPUs instead of a hosted one."""
    model_id = "deepseek-r1" if kind is OutputKind.REASONING else "qwen2.5-72b"
    replacement = resolve_teacher(model_id)
    assert replacement.model is not None and replacement.model.id == PRICES.model(model_id).id
    return replacement


def _replacement_note(answer: str, named: Teacher) -> str:
    if named.family.family is TeacherFamily.OTHER:
        who = escape_markdown(named.name)
        return (
            f"If {who} is a hosted API, data would leave the company: this plan assumes an "
            "open-weight teacher on your own GPUs instead."
        )
    return (
        f"{escape_markdown(named.name)} is a hosted API, so using it would send data out of "
        "the company: generate with an open-weight teacher on your own GPUs instead, after "
        "checking on ~200 inputs that it matches the hosted model on your task."
    )


def _effective_logits(
    answer: LogitsAccess, teacher: Teacher, self_hosted: bool, notes: list[str]
) -> LogitsAccess:
    if self_hosted:
        if answer is not LogitsAccess.FULL:
            notes.append("You run its weights, so its full logits are available for distillation.")
        return LogitsAccess.FULL
    ceiling = LogitsAccess.FULL if teacher.open_weights or not teacher.known else teacher.api_logits
    if teacher.known and not teacher.open_weights:
        top = f" (top {teacher.logprobs_top} per token)" if teacher.logprobs_top else ""
        notes.append(
            f"{escape_markdown(teacher.name)}'s API exposes {_LOGITS_WORDS[ceiling]}{top}."
        )
    if LOGITS_RANK[answer] > LOGITS_RANK[ceiling]:
        notes.append(
            f"{escape_markdown(teacher.name)} gives {_LOGITS_WORDS[ceiling]}, not "
            f"{_LOGITS_WORDS[answer]}; the plan uses what it gives."
        )
        return ceiling
    return answer

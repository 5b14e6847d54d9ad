"""The course's spine, as the seed learning path gives it: phases, drop ids, titles, minutes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PhaseOutline:
    number: int
    title: str
    goal: str


@dataclass(frozen=True)
class DropOutline:
    id: str
    phase: int
    title: str
    minutes: int


COURSE_TITLE = "Understand Model Distillation"

PHASES: tuple[PhaseOutline, ...] = (
    PhaseOutline(
        1,
        "Why Teacher Outputs Beat Raw Labels",
        "See why teacher outputs beat raw labels for small models",
    ),
    PhaseOutline(
        2,
        "One Student-Teacher Step, In Detail",
        "Walk one student-teacher step with logits, temperature, and KL loss",
    ),
    PhaseOutline(
        3,
        "Outputs, Traces, Preferences — Three Distillations",
        "Compare output, trace, and preference distillation across regimes",
    ),
    PhaseOutline(
        4,
        "Distill One of Your Real Prompts",
        "Sketch a distillation plan for one of your real prompts",
    ),
)

DROPS: tuple[DropOutline, ...] = (
    DropOutline(
        "1.1", 1, "Small models don't get smart from raw data — they get smart from teachers", 6
    ),
    DropOutline("1.2", 1, "Hard labels throw away most of what the teacher knows", 6),
    DropOutline("1.3", 1, "A small model's job is to compress, not to discover", 6),
    DropOutline("1.4", 1, "Distillation went mainstream because hosted teachers became cheap", 6),
    DropOutline("2.1", 2, "Distillation is a single loss with two terms", 6),
    DropOutline("2.2", 2, "Temperature is what makes 'dark knowledge' visible", 7),
    DropOutline("2.3", 2, "KL divergence is the loss for 'match my distribution'", 6),
    DropOutline("2.4", 2, "Walk one batch through the loop, end to end", 7),
    DropOutline("2.5", 2, "Three things that make a distillation run fail silently", 7),
    DropOutline("3.1", 3, "Scenario — distilling outputs for a customer-support classifier", 7),
    DropOutline("3.2", 3, "Scenario — distilling reasoning traces for a math tutor", 7),
    DropOutline("3.3", 3, "Scenario — distilling preferences for a writing assistant", 7),
    DropOutline("3.4", 3, "Scenario — choosing between offline and online distillation", 7),
    DropOutline("4.1", 4, "Write the distillation plan for one of your real prompts", 25),
)


def drop_label(drop_id: str) -> str:
    """The drop's one name everywhere (headers, quizzes, polls, /progress, /stats):
    "Drop 2.2 · 6 of 14"; an id the outline does not know is named as it is."""
    ids = [entry.id for entry in DROPS]
    if drop_id not in ids:
        return f"Drop {drop_id}"
    return f"Drop {drop_id} · {ids.index(drop_id) + 1} of {len(ids)}"


FAQ_QUESTIONS: tuple[str, ...] = (
    "What is model distillation in machine learning?",
    "Why does a small model trained on a big model's outputs beat one trained on raw labels?",
    "What's the difference between offline and online distillation?",
    "How are reasoning traces distilled into smaller models like DeepSeek-R1-Distill?",
    "Can I distill a Claude or GPT prompt into a smaller open model legally?",
)

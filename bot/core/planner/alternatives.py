"""The options weighed in every plan, side by side, and the one the table recommends.

Rows: keep the teacher; cache the instructions (or shorten them); a cheaper hosted model of
the same provider; the provider's own fine-tuning; distilling into your own student. Each
row has a cost per 1,000 calls, a one-off cost, a latency, a quality risk and the effort.

The recommendation follows from the table alone:
  A1  An option is eligible when it is available (privacy, the provider's offer), meets the
      latency and cost targets you gave, and its quality risk is within your quality bar
      (close enough: any; must match or errors costly: medium at most).
  A2  Among eligible options the lowest total over your horizon wins
      (one-off + cost per day × horizon days); a tie goes to less effort.
  A3  If none is eligible, the cheapest available option within the quality bar (or, if
      none is, the cheapest available) is named and the plan says which target it misses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import IntEnum, StrEnum

from bot.core.planner.choices import OutputKind, Privacy, QualityBar
from bot.core.planner.costs import (
    EPOCHS,
    MILLION,
    CostEstimate,
    cache_minimum,
    cache_writes_a_day,
    exact,
    reasoning_note,
    usd,
)
from bot.core.planner.prices import PRICES, ModelPrice, per_m
from bot.core.planner.profile import PlanProfile
from bot.core.planner.students import teacher_latency_ms
from bot.core.planner.teachers import Teacher

# Evaluating a drop-in replacement (a cheaper model) takes a fifth of the engineering
# budget; the provider's fine-tuning, half of it (data, evaluation, no serving).
EVALUATION_SHARE = Decimal("0.2")
PROVIDER_TUNING_SHARE = Decimal("0.5")
# A smaller hosted tier answers in about 60% of the larger one's time.
SMALLER_TIER_SPEED = Decimal("0.6")


class Option(StrEnum):
    KEEP = "keep"
    CACHE = "cache"
    CHEAPER = "cheaper"
    PROVIDER_TUNING = "provider_tuning"
    DISTILL = "distill"


class QualityRisk(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3


RISK_WORDS = {
    QualityRisk.NONE: "none (same model)",
    QualityRisk.LOW: "low",
    QualityRisk.MEDIUM: "medium",
    QualityRisk.HIGH: "high",
}
QUALITY_MISS = "your quality bar"
ALLOWED_RISK = {
    QualityBar.RELAXED: QualityRisk.HIGH,
    QualityBar.MATCH: QualityRisk.MEDIUM,
    QualityBar.CRITICAL: QualityRisk.MEDIUM,
}


@dataclass(frozen=True)
class Alternative:
    option: Option
    name: str
    available: bool
    per_1k: Decimal
    one_off: Decimal
    latency_ms: int
    risk: QualityRisk
    effort: str
    note: str
    horizon_total: Decimal
    misses: tuple[str, ...]  # targets it misses; empty when it meets them all
    # A reasoning model's reasoning tokens a call priced in (an estimate); 0 if it doesn't.
    reasoning_tokens: int = 0

    @property
    def eligible(self) -> bool:
        return self.available and not self.misses


@dataclass(frozen=True)
class Weighing:
    rows: tuple[Alternative, ...]
    chosen: Alternative
    why: str

    def row(self, option: Option) -> Alternative:
        return next(row for row in self.rows if row.option is option)


def weigh(
    profile: PlanProfile,
    teacher: Teacher,
    cost: CostEstimate,
    *,
    teacher_ms: int,
    student_ms: int,
    distill_risk: QualityRisk,
    hosted_teacher: bool,
) -> Weighing:
    calls = profile.calls_per_day
    horizon = profile.horizon_days
    engineering = Decimal(profile.engineering_usd)
    in_house = profile.privacy is Privacy.IN_HOUSE

    def row(option: Option, name: str, available: bool, per_call: Decimal, one_off: Decimal,
            latency: int, risk: QualityRisk, effort: str, note: str) -> Alternative:  # fmt: skip
        total = one_off + per_call * calls * horizon
        misses = _misses(profile, per_call, latency, risk)
        return Alternative(option, name, available, per_call * 1000, one_off, latency, risk,
                           effort, note, total, misses)  # fmt: skip

    keep_note = (
        "what you pay today"
        if hosted_teacher
        else "your own GPUs, always on, priced by the node-hour (see Cost)"
    )
    thinking = cost.reasoning_tokens
    if thinking:
        keep_note += f", {reasoning_note(thinking)}"
    keep = row(Option.KEEP, f"Keep {teacher.name}", True, cost.teacher.daily_usd / calls,
               Decimal(0), teacher_ms, QualityRisk.NONE, "none", keep_note)  # fmt: skip
    rows = [
        replace(keep, reasoning_tokens=thinking),
        _cache_row(row, profile, teacher, cost, teacher_ms, hosted_teacher),
        _cheaper_row(row, profile, teacher, cost, teacher_ms, engineering, in_house),
        _tuning_row(row, profile, teacher, cost, teacher_ms, engineering, in_house),
        row(Option.DISTILL, "Distill into your own student", True,
            cost.hosting.daily_usd / calls, cost.one_off_usd, student_ms, distill_risk,
            "weeks, plus running a model", _distill_note(teacher, profile, cost)),
    ]  # fmt: skip
    chosen, why = _choose(rows, profile)
    return Weighing(tuple(rows), chosen, why)


def _distill_note(teacher: Teacher, profile: PlanProfile, cost: CostEstimate) -> str:
    note = f"serving: {cost.hosting.choice}"
    classifier_exception = teacher.provider == "openai" and profile.output_kind is OutputKind.LABEL
    if teacher.known and not teacher.open_weights and not classifier_exception:
        note += f"; {teacher.name}'s terms restrict training other models on its output: " + (
            "read Terms of use before you start"
        )
    return note


def _misses(
    profile: PlanProfile, per_call: Decimal, latency: int, risk: QualityRisk
) -> tuple[str, ...]:
    misses = []
    if profile.latency_ms is not None and latency > profile.latency_ms:
        misses.append(f"the {profile.latency_ms:,} ms latency target")
    if profile.max_usd_per_1k_calls is not None:
        target = Decimal(str(profile.max_usd_per_1k_calls))
        if per_call * 1000 > target:
            misses.append(f"the {usd(target)} per 1,000 calls target")
    if risk > ALLOWED_RISK[profile.quality]:
        misses.append(QUALITY_MISS)
    return tuple(misses)


RowMaker = Callable[
    [Option, str, bool, Decimal, Decimal, int, QualityRisk, str, str], "Alternative"
]


def _cache_row(
    row: RowMaker,
    profile: PlanProfile,
    teacher: Teacher,
    cost: CostEstimate,
    teacher_ms: int,
    hosted: bool,
) -> Alternative:
    minimum = cache_minimum(teacher)
    cached = cost.teacher.cached_per_call
    cached_price = teacher.cached_input_usd_per_m
    if hosted and cached is not None and cached_price is not None:
        note = (
            f"{cost.prompt_tokens:,} prompt tokens at {per_m(cached_price)} instead of full price"
        )
        write = PRICES.cache_write.get(teacher.provider)
        if write is not None:
            writes = cache_writes_a_day(teacher, profile.calls_per_day)
            note += (
                f", except {writes:,} calls a day that write the cache at {write.multiplier}× "
                f"the input price (it lives {write.lifetime_minutes} minutes after its last use)"
            )
        return row(Option.CACHE, "Cache the instructions (prompt caching)", True, cached,
                   Decimal(0), teacher_ms, QualityRisk.NONE, "hours", note)  # fmt: skip
    if not hosted:
        note = "your own GPUs already reuse the prefix (vLLM prefix caching); no saving priced"
    elif not teacher.known:
        note = (
            f"{teacher.name} is not in our price table, so no caching price is known; "
            "shortening the instructions is the lever"
        )
    elif minimum is None:
        note = f"{teacher.name} lists no prompt caching; shortening the instructions is the lever"
    else:
        share = cost.prompt_tokens * teacher.input_usd_per_m / MILLION / cost.teacher.per_call
        note = (
            f"your instructions are {cost.prompt_tokens:,} tokens, under the {minimum:,}-token "
            f"caching minimum; they are {share:.0%} of the cost per call, so shortening them "
            "saves at most that"
        )
        if profile.output_kind is OutputKind.CHAT:
            note += (
                " (a conversation's earlier turns are a repeated prefix too: past "
                f"{minimum:,} tokens they can be billed at the cached rate, automatically on "
                "OpenAI, Google and DeepSeek, with `cache_control` on Anthropic (which "
                f"charges {PRICES.cache_write['anthropic'].multiplier}× the input price to "
                "write the cache); check the cached tokens in your usage, your cost may be "
                "below this estimate)"
            )
    return row(Option.CACHE, "Cache or shorten the instructions", False,
               cost.teacher.daily_usd / profile.calls_per_day, Decimal(0), teacher_ms,
               QualityRisk.NONE, "hours", note)  # fmt: skip


def _cheaper_row(
    row: RowMaker,
    profile: PlanProfile,
    teacher: Teacher,
    cost: CostEstimate,
    teacher_ms: int,
    engineering: Decimal,
    in_house: bool,
) -> Alternative:
    cheaper, steps = _cheaper_tier(profile, teacher, cost)
    thinking = PRICES.thinking(cheaper, profile.output_kind)
    latency = _smaller_tier_ms(cost, thinking)
    risk = _cheaper_risk(profile, steps)
    if cheaper is None or in_house:
        reason = (
            "the data may not leave the company"
            if in_house
            else "no smaller tier of this model in our price table"
        )
        return row(Option.CHEAPER, "A cheaper hosted model", False, cost.teacher.per_call,
                   Decimal(0), latency, risk, "days", reason)  # fmt: skip
    per_call = _per_call(cheaper, cost, profile)
    thinks = f", {reasoning_note(thinking)}" if thinking else ""
    switch = row(Option.CHEAPER, f"Switch to {cheaper.name}", True, per_call,
                 engineering * EVALUATION_SHARE, latency, risk, "days (an evaluation)",
                 f"{per_m(cheaper.input)} in, {per_m(cheaper.output)} out{thinks}; test it on "
                 "your labelled set first")  # fmt: skip
    return replace(switch, reasoning_tokens=thinking)


def _smaller_tier_ms(cost: CostEstimate, reasoning_tokens: int) -> int:
    """A smaller hosted tier's time a call: a share of the teacher's time to write the same
    answer, plus its own reasoning if it reasons (not the teacher's)."""
    tokens_in = cost.prompt_tokens + cost.input_tokens
    full = teacher_latency_ms(cost.output_tokens + reasoning_tokens, tokens_in)
    return int(full * SMALLER_TIER_SPEED)


def _per_call(model: ModelPrice, cost: CostEstimate, profile: PlanProfile) -> Decimal:
    """A hosted model's price a call: the input, the answer, and its reasoning tokens (an
    estimate) at the output price if it reasons."""
    tokens_in = cost.prompt_tokens + cost.input_tokens
    written = cost.output_tokens + PRICES.thinking(model, profile.output_kind)
    return (tokens_in * model.input + written * model.output) / MILLION


def _cheaper_tier(
    profile: PlanProfile, teacher: Teacher, cost: CostEstimate
) -> tuple[ModelPrice | None, int]:
    """The first tier down that meets the cost target; without one, the cheapest tier whose
    risk your quality bar allows (close enough: any; else one tier down). Where one tier
    down is already a high risk (reasoning, costly errors), it stays one tier down: "high"
    can't tell that step from the next ones (o3 → GPT-5 mini → GPT-4.1 nano, which doesn't
    reason)."""
    tiers: list[ModelPrice] = []
    model = teacher.model
    while model is not None and model.cheaper and len(tiers) < 3:
        model = PRICES.model(model.cheaper)
        tiers.append(model)
    if not tiers:
        return None, 0
    if profile.max_usd_per_1k_calls is not None:
        target = Decimal(str(profile.max_usd_per_1k_calls))
        for steps, tier in enumerate(tiers, start=1):
            if _per_call(tier, cost, profile) * 1000 <= target:
                return tier, steps
        return tiers[0], 1
    if _cheaper_risk(profile, 1) is QualityRisk.HIGH:
        return tiers[0], 1
    allowed = [
        (tier, steps)
        for steps, tier in enumerate(tiers, start=1)
        if _cheaper_risk(profile, steps) <= ALLOWED_RISK[profile.quality]
    ]
    if not allowed:
        return tiers[0], 1
    return min(allowed, key=lambda pair: (_per_call(pair[0], cost, profile), pair[1]))


def _cheaper_risk(profile: PlanProfile, steps: int) -> QualityRisk:
    """One tier down is a medium risk; two tiers, or reasoning, or costly errors, high."""
    if (
        steps > 1
        or profile.quality is QualityBar.CRITICAL
        or profile.output_kind is OutputKind.REASONING
    ):
        return QualityRisk.HIGH
    return QualityRisk.MEDIUM


def _tuning_row(
    row: RowMaker,
    profile: PlanProfile,
    teacher: Teacher,
    cost: CostEstimate,
    teacher_ms: int,
    engineering: Decimal,
    in_house: bool,
) -> Alternative:
    model = teacher.model
    offer = PRICES.tuning.get(model.fine_tune) if model is not None and model.fine_tune else None
    latency = _smaller_tier_ms(cost, 0)
    risk = (
        QualityRisk.LOW
        if profile.output_kind in {OutputKind.LABEL, OutputKind.FIELDS}
        else QualityRisk.MEDIUM
    )
    if offer is None or in_house:
        reason = (
            "the data may not leave the company"
            if in_house
            else f"{teacher.name}'s provider has no self-serve fine-tuning in our table"
        )
        return row(Option.PROVIDER_TUNING, "The provider's fine-tuning", False,
                   cost.teacher.per_call, Decimal(0), latency, risk, "1–2 weeks",
                   reason)  # fmt: skip
    tokens = cost.input_tokens + cost.output_tokens
    per_call = (cost.input_tokens * offer.input + cost.output_tokens * offer.output) / MILLION
    training = cost.examples * tokens * EPOCHS * offer.training / MILLION
    one_off = cost.data_usd + training + engineering * PROVIDER_TUNING_SHARE
    note = (
        f"training {cost.examples:,} × {tokens:,} tokens × {EPOCHS} epochs × "
        f"{per_m(offer.training)} = {exact(training)}, on the same teacher data; the tuned "
        "model needs no long instructions"
    )
    if teacher.provider == "openai":
        note += " (with stored completions, OpenAI calls this its distillation route)"
    return row(Option.PROVIDER_TUNING, f"Provider fine-tuning: {offer.name}", True, per_call,
               one_off, latency, risk, "1–2 weeks", note)  # fmt: skip


_EFFORT_ORDER = [
    Option.KEEP,
    Option.CACHE,
    Option.CHEAPER,
    Option.PROVIDER_TUNING,
    Option.DISTILL,
]


def _choose(rows: list[Alternative], profile: PlanProfile) -> tuple[Alternative, str]:
    horizon = f"{profile.horizon_days:,} days"
    eligible = [row for row in rows if row.eligible]
    order = {option: index for index, option in enumerate(_EFFORT_ORDER)}
    if eligible:
        best = min(eligible, key=lambda row: (row.horizon_total, order[row.option]))
        return best, (
            f"lowest total over your {horizon} ({usd(best.horizon_total)}) among the options "
            "that meet your targets and quality bar"
        )
    available = [row for row in rows if row.available]
    # The quality bar is not traded for money: options within it go first.
    within_bar = [row for row in available if QUALITY_MISS not in row.misses] or available
    best = min(within_bar, key=lambda row: (row.horizon_total, order[row.option]))
    return best, (
        f"no option meets every target; this is the cheapest over your {horizon} "
        f"{'within your quality bar ' if QUALITY_MISS not in best.misses else ''}"
        f"({usd(best.horizon_total)}) and misses {', '.join(best.misses)}"
    )

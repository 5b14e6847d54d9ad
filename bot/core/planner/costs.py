"""What running the teacher costs, what the student costs to serve and to make, and payback.

All money is in US dollars as exact Decimals, so every printed line can be redone by hand:

teacher per call  = prompt tokens × input price + input tokens × input price
                    + output tokens × output price                     (hosted teacher)
                  = GPU-seconds per call × node price per second        (self-hosted)
student per day   = the cheaper of serverless per-token serving and dedicated machines
                    (machines = ⌈calls × GPU-seconds per call × peak factor ÷ 86,400⌉, ≥ 1)
data set          = teacher calls × teacher per call × batch discount   (or node-hours)
training          = examples × tokens × epochs × runs ÷ training speed → H100-hours
one-off           = data set + training + engineering
daily savings     = teacher per day − student per day
payback           = one-off ÷ daily savings                              (None: never)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from bot.core.planner.prices import PRICES, SelfHost, per_m
from bot.core.planner.students import STUDENTS, StudentSize
from bot.core.planner.teachers import Teacher

MILLION = Decimal(1_000_000)
SECONDS_A_DAY = 86_400
# Machines are sized for peak traffic at twice the daily average.
PEAK_FACTOR = 2
EPOCHS = 3
TRAINING_RUNS = 3  # a sweep or two, and the run you keep
TRAINING_MACHINE = "h100"


@dataclass(frozen=True)
class Hosting:
    """How the student is served, what it costs a day, and the arithmetic behind it."""

    choice: str
    daily_usd: Decimal
    lines: tuple[str, ...]


@dataclass(frozen=True)
class TeacherCost:
    per_call: Decimal
    daily_usd: Decimal
    cached_per_call: Decimal | None  # with the instructions cached, where that applies
    lines: tuple[str, ...]
    self_hosted: bool


@dataclass(frozen=True)
class CostEstimate:
    prompt_tokens: int
    input_tokens: int
    output_tokens: int
    calls_per_day: int
    teacher: TeacherCost
    hosting: Hosting
    examples: int
    data_usd: Decimal
    data_lines: tuple[str, ...]
    training_usd: Decimal
    training_lines: tuple[str, ...]
    engineering_usd: Decimal
    horizon_days: int

    @property
    def teacher_cost_per_call(self) -> Decimal:
        return self.teacher.per_call

    @property
    def student_cost_per_call(self) -> Decimal:
        return self.hosting.daily_usd / self.calls_per_day

    @property
    def one_off_usd(self) -> Decimal:
        return self.data_usd + self.training_usd + self.engineering_usd

    @property
    def daily_savings(self) -> Decimal:
        return self.teacher.daily_usd - self.hosting.daily_usd

    @property
    def annual_savings(self) -> Decimal:
        return self.daily_savings * 365

    @property
    def payback_days(self) -> Decimal | None:
        if self.daily_savings <= 0:
            return None
        return self.one_off_usd / self.daily_savings

    @property
    def pays_back_in_horizon(self) -> bool:
        payback = self.payback_days
        return payback is not None and payback <= self.horizon_days


def teacher_cost(
    teacher: Teacher,
    *,
    self_host: SelfHost | None,
    prompt_tokens: int,
    input_tokens: int,
    output_tokens: int,
    calls_per_day: int,
) -> TeacherCost:
    """The teacher as it runs today: by the token on an API, or by the GPU-hour on your own."""
    if self_host is not None:
        seconds = _node_seconds(self_host, prompt_tokens + input_tokens, output_tokens)
        per_call = seconds * self_host.usd_per_hour / 3600
        nodes = max(1, math.ceil(calls_per_day * seconds * PEAK_FACTOR / SECONDS_A_DAY))
        daily = nodes * 24 * self_host.usd_per_hour
        node_lines: tuple[str, ...] = (
            f"Teacher node: {self_host.name} at {_rate(self_host.usd_per_hour)}/h "
            f"({self_host.count} × {self_host.machine.name} at "
            f"{_rate(self_host.machine.usd_per_hour)}/h).",
            f"Node-seconds per call = {prompt_tokens + input_tokens:,} tokens ÷ "
            f"{self_host.prefill_tokens_per_s:,}/s + {output_tokens:,} tokens ÷ "
            f"{self_host.decode_tokens_per_s:,}/s = {_num(seconds)} s, i.e. "
            f"{exact(per_call)} a call at full batching.",
            f"Nodes for {calls_per_day:,} calls a day at {PEAK_FACTOR}× peak = "
            f"⌈{calls_per_day:,} × {_num(seconds)} × {PEAK_FACTOR} ÷ 86,400⌉ = {nodes}, "
            f"so {nodes} × 24 h × {_rate(self_host.usd_per_hour)} = {exact(daily)} a day.",
        )
        return TeacherCost(per_call, daily, None, node_lines, True)
    per_call = (
        (prompt_tokens + input_tokens) * teacher.input_usd_per_m
        + output_tokens * teacher.output_usd_per_m
    ) / MILLION
    daily = calls_per_day * per_call
    lines = (
        f"Teacher's prices: {teacher.price_basis}.",
        f"Teacher per call = ({prompt_tokens:,} prompt + {input_tokens:,} input) tokens × "
        f"{per_m(teacher.input_usd_per_m)} + {output_tokens:,} output tokens × "
        f"{per_m(teacher.output_usd_per_m)} = {exact(per_call)}.",
        f"Teacher per day = {calls_per_day:,} × {exact(per_call)} = {exact(daily)}.",
    )
    cached = cached_per_call(teacher, prompt_tokens, input_tokens, output_tokens)
    return TeacherCost(per_call, daily, cached, lines, False)


def cache_minimum(teacher: Teacher) -> int | None:
    """The fewest prompt tokens the provider caches; None if it has no prompt caching."""
    if teacher.cached_input_usd_per_m is None:
        return None
    return PRICES.cache_min_tokens.get(teacher.provider)


def cached_per_call(
    teacher: Teacher, prompt_tokens: int, input_tokens: int, output_tokens: int
) -> Decimal | None:
    minimum = cache_minimum(teacher)
    if minimum is None or prompt_tokens < minimum or teacher.cached_input_usd_per_m is None:
        return None
    return (
        prompt_tokens * teacher.cached_input_usd_per_m
        + input_tokens * teacher.input_usd_per_m
        + output_tokens * teacher.output_usd_per_m
    ) / MILLION


def student_hosting(
    size: StudentSize,
    *,
    input_tokens: int,
    output_tokens: int,
    calls_per_day: int,
    no_serverless: str | None = None,
) -> Hosting:
    """The cheaper of dedicated machines and serverless per-token serving, with the sums."""
    info = STUDENTS[size]
    machine = PRICES.machines[info.machine]
    seconds = Decimal(input_tokens) / info.prefill_tokens_per_s
    if info.decode_tokens_per_s:
        seconds += Decimal(output_tokens) / info.decode_tokens_per_s
    machines = max(1, math.ceil(calls_per_day * seconds * PEAK_FACTOR / SECONDS_A_DAY))
    dedicated = machines * 24 * machine.usd_per_hour
    speed = f"{input_tokens:,} tokens ÷ {info.prefill_tokens_per_s:,}/s"
    if info.decode_tokens_per_s:
        speed += f" + {output_tokens:,} ÷ {info.decode_tokens_per_s:,}/s"
    dedicated_lines = (
        f"Dedicated: {machine.name} at {_rate(machine.usd_per_hour)}/h ({machine.source}); "
        f"busy time per call = {speed} = {_num(seconds)} s.",
        f"Machines = ⌈{calls_per_day:,} calls × {_num(seconds)} s × {PEAK_FACTOR} (peak) ÷ "
        f"86,400 s⌉ = {machines} (at least one), so {machines} × 24 h × "
        f"{_rate(machine.usd_per_hour)} = {exact(dedicated)} a day.",
    )
    if no_serverless is not None or not info.serverless_usd_per_m:
        if no_serverless is not None:
            reason = f"serverless hosting is not an option here: {no_serverless}"
        elif size is StudentSize.ENCODER:
            reason = "encoders are not sold per token, so it runs on its own instance"
        else:
            reason = (
                "no serverless host serves a fine-tuned model this small per token (Fireworks "
                "and Together load adapters per token only on larger bases), so it runs on its "
                "own GPU"
            )
        return Hosting(f"{machines} × {machine.name}", dedicated, (*dedicated_lines, reason + "."))
    per_token = info.serverless_usd_per_m
    serverless = calls_per_day * (input_tokens + output_tokens) * per_token / MILLION
    serverless_line = (
        f"Serverless: {calls_per_day:,} calls × ({input_tokens:,} + {output_tokens:,}) tokens × "
        f"{per_m(per_token)} = {exact(serverless)} a day ({PRICES.serverless_source})."
    )
    if serverless <= dedicated:
        return Hosting(
            "serverless per-token (fine-tuned LoRA)",
            serverless,
            (serverless_line, *dedicated_lines, "Serverless is cheaper at this volume."),
        )
    return Hosting(
        f"{machines} × {machine.name}",
        dedicated,
        (*dedicated_lines, serverless_line, "Dedicated is cheaper at this volume."),
    )


def data_cost(
    teacher: Teacher,
    teacher_today: TeacherCost,
    *,
    self_host: SelfHost | None,
    examples: int,
    prompt_tokens: int,
    input_tokens: int,
    output_tokens: int,
) -> tuple[Decimal, tuple[str, ...]]:
    """Generating the training set: batch API calls, or hours on the self-hosted node."""
    if self_host is not None:
        seconds = _node_seconds(self_host, prompt_tokens + input_tokens, output_tokens)
        hours = max(Decimal(1), _ceil_tenth(examples * seconds / 3600))
        cost = hours * self_host.usd_per_hour
        return cost, (
            f"Data set = {examples:,} calls × {_num(seconds)} node-seconds = {_num(hours)} "
            f"node-hours (at least 1) × {_rate(self_host.usd_per_hour)} = {exact(cost)}.",
        )
    discount = PRICES.batch_discount.get(teacher.provider, Decimal(1))
    cost = examples * teacher_today.per_call * discount
    batch = f" × {discount} (batch API)" if discount != 1 else ""
    return cost, (f"Data set = {examples:,} calls × {exact(teacher_today.per_call)}{batch} = "
                  f"{exact(cost)}.",)  # fmt: skip


def training_cost(
    size: StudentSize, *, examples: int, input_tokens: int, output_tokens: int
) -> tuple[Decimal, tuple[str, ...]]:
    """GPU-hours to fine-tune the student: tokens × epochs × runs ÷ training speed."""
    info = STUDENTS[size]
    machine = PRICES.machines[TRAINING_MACHINE]
    tokens = examples * (input_tokens + output_tokens) * EPOCHS * TRAINING_RUNS
    hours = max(Decimal(1), _ceil_tenth(Decimal(tokens) / info.train_tokens_per_s / 3600))
    cost = hours * machine.usd_per_hour
    return cost, (
        f"Training = {examples:,} examples × {input_tokens + output_tokens:,} tokens × "
        f"{EPOCHS} epochs × {TRAINING_RUNS} runs = {tokens:,} tokens ÷ "
        f"{info.train_tokens_per_s:,} tokens/s = {_num(hours)} h (at least 1) on "
        f"{machine.name} × {_rate(machine.usd_per_hour)} = {exact(cost)}.",
    )


def _node_seconds(node: SelfHost, input_tokens: int, output_tokens: int) -> Decimal:
    return (
        Decimal(input_tokens) / node.prefill_tokens_per_s
        + Decimal(output_tokens) / node.decode_tokens_per_s
    )


def _ceil_tenth(value: Decimal) -> Decimal:
    return (value * 10).to_integral_value(rounding="ROUND_CEILING") / 10


def _num(value: Decimal) -> str:
    """A quantity with at most four significant decimals, for the arithmetic lines."""
    if value >= 100:
        return f"{value.quantize(Decimal(1), ROUND_HALF_UP):,}"
    return f"{value.quantize(Decimal('0.0001'), ROUND_HALF_UP).normalize():f}"


def _rate(amount: Decimal) -> str:
    return f"${amount.quantize(Decimal('0.01'), ROUND_HALF_UP)}"


def exact(amount: Decimal) -> str:
    """Dollars with every digit the arithmetic produced, rounded only past 8 places."""
    rounded = amount.quantize(Decimal("0.00000001")).normalize()
    sign = "−" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,f}"


def usd(amount: Decimal, significant: int = 2) -> str:
    """Dollars for people: cents from $1 up, whole dollars from $100, else `significant` digits."""
    if amount < 0:
        return "−" + usd(-amount, significant)
    if amount == 0:
        return "$0"
    if amount >= 100:
        return f"${amount.quantize(Decimal(1), ROUND_HALF_UP):,}"
    places = 2 if amount >= 1 else max(2, significant - 1 - amount.adjusted())
    rounded = amount.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    digits = f"{rounded:f}"
    # Trailing zeros past the cents say nothing: $0.0050 → $0.005, but $0.50 stays.
    while digits.endswith("0") and len(digits.split(".")[1]) > 2:
        digits = digits[:-1]
    return f"${digits}"


def days_text(days: Decimal) -> str:
    """A payback period rounded up where it is cut: one "in 14 days" has paid back by day
    14, and one past a 365-day horizon never reads "365 days"."""
    if days < 10:
        return f"{_rounded_up(days, '0.1')} days"
    if days <= 730:
        return f"{_rounded_up(days, '1'):,} days"
    years = days / 365
    if years < 10:
        return f"{_rounded_up(years, '0.1')} years"
    return f"{_rounded_up(years, '1'):,} years"


def _rounded_up(value: Decimal, step: str) -> Decimal:
    return value.quantize(Decimal(step), ROUND_CEILING)

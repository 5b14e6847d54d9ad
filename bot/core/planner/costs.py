"""What running the teacher costs, what the student costs to serve and to make, and payback.

All money is in US dollars as exact Decimals, so every printed line can be redone by hand:

teacher per call  = prompt tokens × input price + input tokens × input price
                    + (output tokens + reasoning tokens) × output price (hosted teacher;
                    reasoning tokens: an estimate for a model that thinks, else 0)
                  = GPU-seconds per call × node price per second        (self-hosted)
student per day   = the cheapest of serverless per-token serving and each machine the
                    student runs on that meets the latency target (machines = the more of
                    ⌈calls × busy seconds per call × peak factor ÷ 86,400⌉ and what holds
                    the KV cache of the calls in flight at peak beside the weights, ≥ 1)
student per call  = first token + input ÷ reading speed + output × the decode step at
  (time)            peak: a call alone takes the one-call figure; at peak the calls in
                    flight (Little's law) share each step, which reads the weights and
                    all their KV caches
data set          = (teacher calls × teacher per call + judgments × judgment per call)
                    × batch discount                                      (or node-hours)
training          = examples × tokens × epochs × runs ÷ training speed → H100-hours
one-off           = data set + training + engineering
daily savings     = teacher per day − student per day
payback           = one-off ÷ daily savings                              (None: never)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from bot.core.planner.prices import PRICES, Machine, SelfHost, per_m
from bot.core.planner.students import (
    DECODE_BANDWIDTH_SHARE,
    MEMORY_GB_PER_S,
    STUDENTS,
    Serving,
    StudentSize,
    serving_latency_ms,
    student_latency_ms,
)
from bot.core.planner.teachers import Teacher

MILLION = Decimal(1_000_000)
SECONDS_A_DAY = 86_400
# Machines are sized for peak traffic at twice the daily average.
PEAK_FACTOR = 2
EPOCHS = 3
TRAINING_RUNS = 3  # a sweep or two, and the run you keep
TRAINING_MACHINE = "h100"
# vLLM's default share of GPU memory for weights and KV cache (gpu_memory_utilization).
GPU_MEMORY_SHARE = Decimal("0.9")
# A student this many times slower a call than the teacher (and no target given) is a risk.
SLOWER_THAN_TEACHER = Decimal("1.5")
# vLLM's default for the calls one decode step batches (max_num_seqs).
MAX_BATCH = 256
# A pairwise judgment writes a sentence of reasons, then its verdict (A or B).
JUDGE_OUTPUT_TOKENS = 100


@dataclass(frozen=True)
class Slower:
    """A student notably slower a call than the teacher: by how much, and what buys it back."""

    times: Decimal  # the student's time a call ÷ the teacher's, to one decimal
    text: str  # the two times, and the faster machine and its daily cost


@dataclass(frozen=True)
class Hosting:
    """How the student is served, what it costs a day, and the arithmetic behind it."""

    choice: str
    daily_usd: Decimal
    lines: tuple[str, ...]
    latency_ms: int  # one call, on the machines (or the serverless host) chosen
    # Where, with no latency target, a call takes notably longer than the teacher's: how
    # much, and what a faster machine would cost (also the last of `lines`).
    slower: Slower | None = None


@dataclass(frozen=True)
class TeacherCost:
    per_call: Decimal
    daily_usd: Decimal
    cached_per_call: Decimal | None  # with the instructions cached, where that applies
    lines: tuple[str, ...]
    self_hosted: bool
    # A reasoning model's hidden tokens a call, billed as output: an estimate (prices.yaml).
    reasoning_tokens: int = 0


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
    def reasoning_tokens(self) -> int:
        """The teacher's reasoning tokens a call (an estimate; 0 if it doesn't reason)."""
        return self.teacher.reasoning_tokens

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
    reasoning_tokens: int = 0,
) -> TeacherCost:
    """The teacher as it runs today: by the token on an API, or by the GPU-hour on your own.
    A reasoning model writes ``reasoning_tokens`` (an estimate) besides its answer: billed as
    output on an API, decoded like output on your own node."""
    written = written_tokens(output_tokens, reasoning_tokens)
    if self_host is not None:
        seconds = _node_seconds(
            self_host, prompt_tokens + input_tokens, output_tokens + reasoning_tokens
        )
        per_call = seconds * self_host.usd_per_hour / 3600
        nodes = max(1, math.ceil(calls_per_day * seconds * PEAK_FACTOR / SECONDS_A_DAY))
        daily = nodes * 24 * self_host.usd_per_hour
        node_lines: tuple[str, ...] = (
            f"Teacher node: {self_host.name} at {_rate(self_host.usd_per_hour)}/h "
            f"({self_host.count} × {self_host.machine.name} at "
            f"{_rate(self_host.machine.usd_per_hour)}/h).",
            f"Node-seconds per call = {prompt_tokens + input_tokens:,} tokens ÷ "
            f"{self_host.prefill_tokens_per_s:,}/s + {written} tokens ÷ "
            f"{self_host.decode_tokens_per_s:,}/s = {_num(seconds)} s, i.e. "
            f"{exact(per_call)} a call at full batching.",
            f"Nodes for {calls_per_day:,} calls a day at {PEAK_FACTOR}× peak = "
            f"⌈{calls_per_day:,} × {_num(seconds)} × {PEAK_FACTOR} ÷ 86,400⌉ = {nodes}, "
            f"so {nodes} × 24 h × {_rate(self_host.usd_per_hour)} = {exact(daily)} a day.",
        )
        thinks = _thinking_line(reasoning_tokens, "the node writes them like output")
        return TeacherCost(per_call, daily, None, (*node_lines, *thinks), True, reasoning_tokens)
    per_call = (
        (prompt_tokens + input_tokens) * teacher.input_usd_per_m
        + (output_tokens + reasoning_tokens) * teacher.output_usd_per_m
    ) / MILLION
    daily = calls_per_day * per_call
    lines = (
        f"Teacher's prices: {teacher.price_basis}.",
        f"Teacher per call = ({prompt_tokens:,} prompt + {input_tokens:,} input) tokens × "
        f"{per_m(teacher.input_usd_per_m)} + {written} tokens × "
        f"{per_m(teacher.output_usd_per_m)} = {exact(per_call)}.",
        *_thinking_line(reasoning_tokens, "its provider bills them as output"),
        f"Teacher per day = {calls_per_day:,} × {exact(per_call)} = {exact(daily)}.",
    )
    cached = cached_per_call(
        teacher, prompt_tokens, input_tokens, output_tokens + reasoning_tokens, calls_per_day
    )
    return TeacherCost(per_call, daily, cached, lines, False, reasoning_tokens)


def written_tokens(output_tokens: int, reasoning_tokens: int) -> str:
    """The tokens a call writes, as the arithmetic lines show them."""
    if not reasoning_tokens:
        return f"{output_tokens:,} output"
    return f"({output_tokens:,} output + ~{reasoning_tokens:,} reasoning)"


def reasoning_note(reasoning_tokens: int) -> str:
    """What the plan's cost lines add for a model that reasons; empty for one that doesn't."""
    if not reasoning_tokens:
        return ""
    return f"incl. ~{reasoning_tokens:,} reasoning tokens a call (estimate)"


def _thinking_line(reasoning_tokens: int, billed: str) -> tuple[str, ...]:
    if not reasoning_tokens:
        return ()
    return (
        f"The teacher reasons before it answers and {billed}: ~{reasoning_tokens:,} "
        "reasoning tokens a call is an estimate for this kind of task at the default effort "
        "(prices.yaml, `reasoning_tokens`); the reasoning-token count in your usage logs "
        "replaces it.",
    )


def cache_minimum(teacher: Teacher) -> int | None:
    """The fewest prompt tokens the model caches; None if it has no prompt caching."""
    if teacher.cached_input_usd_per_m is None:
        return None
    if teacher.model is not None and teacher.model.cache_min_tokens is not None:
        return teacher.model.cache_min_tokens
    return PRICES.cache_min_tokens.get(teacher.provider)


def cache_writes_a_day(teacher: Teacher, calls_per_day: int) -> int:
    """Calls a day that write the prefix into a cache its provider charges extra to write:
    at most one per cache lifetime (it lives that long after its last use), and every call
    if there are fewer calls than lifetimes in a day (an upper bound; a busy cache stays warm)."""
    write = PRICES.cache_write.get(teacher.provider)
    if write is None:
        return 0
    return min(calls_per_day, 24 * 60 // write.lifetime_minutes)


def cached_per_call(
    teacher: Teacher,
    prompt_tokens: int,
    input_tokens: int,
    output_tokens: int,
    calls_per_day: int,
) -> Decimal | None:
    """A call with the instructions cached: most calls read the prefix at the cached price,
    the calls that write it pay the provider's write price (Anthropic: 1.25× the input)."""
    minimum = cache_minimum(teacher)
    cached = teacher.cached_input_usd_per_m
    if minimum is None or prompt_tokens < minimum or cached is None:
        return None
    writes = cache_writes_a_day(teacher, calls_per_day)
    write = PRICES.cache_write.get(teacher.provider)
    write_price = teacher.input_usd_per_m * write.multiplier if write else teacher.input_usd_per_m
    prefix = (writes * write_price + (calls_per_day - writes) * cached) / calls_per_day
    return (
        prompt_tokens * prefix
        + input_tokens * teacher.input_usd_per_m
        + output_tokens * teacher.output_usd_per_m
    ) / MILLION


@dataclass(frozen=True)
class _Dedicated:
    """The student on machines of one kind: how many, what they cost, one call's latency."""

    machine: Machine
    machines: int
    daily_usd: Decimal
    latency_ms: int
    holds: bool  # the weights and the KV cache of one call fit in one machine's memory
    lines: tuple[str, ...]


def _dedicated(
    size: StudentSize, serving: Serving, input_tokens: int, output_tokens: int, calls: int
) -> _Dedicated:
    """Machines for throughput at peak, and enough GPU memory for the weights plus the KV
    cache of the calls in flight at peak (Little's law: arrivals a second × seconds a call)."""
    info = STUDENTS[size]
    machine = PRICES.machines[serving.machine]
    seconds = Decimal(input_tokens) / serving.prefill_tokens_per_s
    speed = f"{input_tokens:,} tokens ÷ {serving.prefill_tokens_per_s:,}/s"
    writing: tuple[str, ...] = ()
    if serving.decode_tokens_per_s:
        written, writing = batched_tokens_per_s(size, serving, input_tokens, output_tokens)
        seconds += Decimal(output_tokens) / written
        speed += f" + {output_tokens:,} ÷ {written:,}/s"
    busy = max(1, math.ceil(calls * seconds * PEAK_FACTOR / SECONDS_A_DAY))
    latency = serving_latency_ms(size, serving, output_tokens, input_tokens)
    estimate = "; an estimate, not confirmed on that page" if machine.verify else ""
    lines = [
        f"Dedicated: {machine.name} at {_rate(machine.usd_per_hour)}/h ({machine.source}"
        f"{estimate}); busy time per call = {speed} = {_num(seconds)} s.",
        *writing,
    ]
    machines, holds, held = busy, True, ""
    loaded: _Loaded | None = None
    if machine.memory_gb is not None:
        usable = machine.memory_gb * GPU_MEMORY_SHARE
        context = input_tokens + output_tokens
        per_call_gb = Decimal(context * info.kv_kib_per_token * 1024) / 10**9
        per_machine = int((usable - info.weights_gb) / per_call_gb) if per_call_gb else calls
        holds = per_machine >= 1
        # Sized for the peak, a machine runs the calls in flight then as one batch: a call
        # waits a whole step a token, and a longer call keeps more calls in flight.
        while True:
            loaded = _loaded_latency(size, serving, input_tokens, output_tokens, calls, machines,
                                     max(1, min(per_machine, MAX_BATCH)))  # fmt: skip
            latency = loaded.latency_ms
            at_once = max(
                1, math.ceil(Decimal(calls * PEAK_FACTOR * latency) / SECONDS_A_DAY / 1000)
            )
            needed = max(busy, math.ceil(at_once / per_machine)) if holds else busy
            if needed <= machines:
                break
            machines = needed
        if machines > busy:
            held = f", {machines} to hold the KV cache of {at_once:,} calls at once"
        in_each = math.ceil(at_once / machines)
        memory = info.weights_gb + in_each * per_call_gb
        share = f"{GPU_MEMORY_SHARE:.0%} of {machine.memory_gb} GB"
        room = (
            f"within {_gb(usable)} ({share}) per machine"
            if holds
            else f"more than {_gb(usable)} ({share})"
        )
        lines.append(
            f"Memory: {info.weights_gb} GB of weights (bf16) + KV cache for {in_each:,} "
            f"call{'s' if in_each > 1 else ''} at once × {context:,} tokens × "
            f"{info.kv_kib_per_token} KiB = {_gb(memory)}, {room}; calls at once at "
            f"peak = {calls:,} × {PEAK_FACTOR} ÷ 86,400 s × {_num(Decimal(latency) / 1000)} "
            f"s a call, rounded up = {at_once:,}."
        )
        if loaded is not None and loaded.line:
            lines.append(loaded.line)
    daily = machines * 24 * machine.usd_per_hour
    lines.append(
        f"Machines = ⌈{calls:,} calls × {_num(seconds)} s × {PEAK_FACTOR} (peak) ÷ "
        f"86,400 s⌉ = {busy} (at least one){held}, so {machines} × 24 h × "
        f"{_rate(machine.usd_per_hour)} = {exact(daily)} a day."
    )
    return _Dedicated(machine, machines, daily, latency, holds, tuple(lines))


@dataclass(frozen=True)
class _Loaded:
    """One call's time on a machine at the peak it is sized for, and the line behind it."""

    latency_ms: int
    line: str  # empty where a call runs as if alone


def _loaded_latency(
    size: StudentSize,
    serving: Serving,
    input_tokens: int,
    output_tokens: int,
    calls: int,
    machines: int,
    most: int,
) -> _Loaded:
    """A call's time at peak, when the calls in flight on a machine share each decode step.
    A call alone takes the one-call time a token; with others, a step reads the weights and
    the KV cache of every call in flight (halfway through its output on average) at 80% of
    the bandwidth, as in `batched_tokens_per_s`, and takes no less than the one-call time nor
    the batch ÷ the machine's batched writing speed. Calls in flight = peak arrivals a second
    per machine × the time a call takes (Little's law), at most ``most``: solved by
    iterating from one call in flight (it only grows, and stops at ``most``)."""
    info = STUDENTS[size]
    alone = serving_latency_ms(size, serving, output_tokens, input_tokens)
    bandwidth = MEMORY_GB_PER_S.get(serving.machine)
    if not serving.decode_tokens_per_s or bandwidth is None or not info.kv_kib_per_token:
        return _Loaded(alone, "")
    reading = bandwidth * DECODE_BANDWIDTH_SHARE
    average = input_tokens + Decimal(output_tokens) / 2
    kv_gb = average * info.kv_kib_per_token * 1024 / 10**9  # one call's, mid-output
    before = alone - serving.ms_per_output_token * output_tokens  # first token and reading
    rate = Decimal(calls * PEAK_FACTOR) / SECONDS_A_DAY / machines  # calls a second, each

    def memory_ms(flight: int) -> Decimal:
        return (info.weights_gb + flight * kv_gb) / reading * 1000

    def step_ms(flight: int) -> Decimal:
        if flight == 1:
            return Decimal(serving.ms_per_output_token)
        compute = Decimal(flight * 1000) / serving.decode_tokens_per_s
        return max(Decimal(serving.ms_per_output_token), memory_ms(flight), compute)

    flight, latency = 1, alone
    while True:
        latency = before + math.ceil(output_tokens * step_ms(flight))
        now = min(most, max(1, math.ceil(rate * latency / 1000)))
        if now <= flight:
            break
        flight = now
    step = step_ms(flight)
    if step == serving.ms_per_output_token:
        return _Loaded(alone, "")
    if step == memory_ms(flight):
        why = (
            f"it reads the weights and the KV cache of every call in flight, "
            f"({info.weights_gb} GB + {flight:,} × {_num(average)} tokens × "
            f"{info.kv_kib_per_token} KiB) ÷ {_num(reading)} GB/s"
        )
    else:
        why = f"{flight:,} tokens a step at {serving.decode_tokens_per_s:,} tokens/s batched"
    return _Loaded(
        latency,
        f"At peak {flight:,} calls are in flight on each {serving_name(serving)} "
        f"({calls:,} × {PEAK_FACTOR} ÷ 86,400 s ÷ {machines:,} machine"
        f"{'s' if machines > 1 else ''} × {_num(Decimal(latency) / 1000)} s a call, rounded "
        f"up), and each token waits a whole decode step: {why} = {step:.1f} ms, not the "
        f"{serving.ms_per_output_token} ms of a call alone; a call takes {before:,} + "
        f"{output_tokens:,} × {step:.1f} ms = ~{latency:,} ms.",
    )


def serving_name(serving: Serving) -> str:
    return PRICES.machines[serving.machine].name


def batched_tokens_per_s(
    size: StudentSize, serving: Serving, input_tokens: int, output_tokens: int
) -> tuple[int, tuple[str, ...]]:
    """Tokens a second ``serving`` writes batched for this workload, with the line that
    derives it: the lesser of the size's planning figure and the memory bound. A decode step
    reads the weights once plus the KV cache of every call in flight, at 80% of the
    bandwidth, with as many calls in flight as fit beside the weights (each holding its
    whole context; on average a call is halfway through its output)."""
    info = STUDENTS[size]
    machine = PRICES.machines[serving.machine]
    bandwidth = MEMORY_GB_PER_S.get(serving.machine)
    planned = serving.decode_tokens_per_s
    if bandwidth is None or machine.memory_gb is None or not info.kv_kib_per_token:
        return planned, ()
    usable = machine.memory_gb * GPU_MEMORY_SHARE
    kv_bytes = info.kv_kib_per_token * 1024
    context = input_tokens + output_tokens
    fits = int((usable - info.weights_gb) * 10**9 / (context * kv_bytes))
    batch = max(1, min(fits, MAX_BATCH))
    average = input_tokens + Decimal(output_tokens) / 2
    read_gb = info.weights_gb + batch * average * kv_bytes / 10**9
    step = read_gb / (bandwidth * DECODE_BANDWIDTH_SHARE)
    bound = max(1, int(batch / step))  # a context too long to fit still writes, slowly
    written = min(planned, bound)
    each = f"{context:,} tokens × {info.kv_kib_per_token} KiB each"
    if fits < 1:
        in_flight = f"1 call in flight, though its KV cache ({each}) doesn't fit beside the weights"
    elif fits <= MAX_BATCH:
        in_flight = (
            f"{batch:,} call{'s' if batch > 1 else ''} in flight, as many as fit their KV "
            f"cache ({each}) beside the weights in {_gb(usable)}"
        )
    else:
        in_flight = (
            f"{MAX_BATCH} calls in flight, vLLM's default limit (the KV cache of {fits:,}, "
            f"{each}, would fit beside the weights in {_gb(usable)})"
        )
    kept = f"; the plan's {planned:,}/s for a {info.size} is lower, so it stands"
    return written, (
        f"Writing batched on {machine.name}: {in_flight}; a decode step reads "
        f"{info.weights_gb} GB + {batch:,} × {_num(average)} tokens (halfway through the "
        f"output) × {info.kv_kib_per_token} KiB = {_gb(read_gb)} at "
        f"{_num(bandwidth * DECODE_BANDWIDTH_SHARE)} GB/s (80% of {bandwidth:,}) = "
        f"{step * 1000:.1f} ms, so at most {batch:,} ÷ {_num(step)} s = {bound:,} "
        f"tokens/s{kept if planned < bound else ''}.",
    )


def _cheapest_machine(
    options: list[_Dedicated], input_tokens: int, output_tokens: int, target_ms: int | None
) -> tuple[_Dedicated, tuple[str, ...]]:
    """The machines that cost least a day among those that hold the model and meet the
    latency target, with a line saying what the others would have cost or missed."""
    fitting = [option for option in options if option.holds] or options[-1:]
    meeting = [o for o in fitting if target_ms is None or o.latency_ms <= target_ms]
    best = (
        min(meeting, key=lambda option: option.daily_usd)
        if meeting
        else min(fitting, key=lambda option: option.latency_ms)
    )
    if not best.holds:
        return best, (
            f"One call's {input_tokens + output_tokens:,}-token context doesn't fit one "
            f"{best.machine.name} beside the weights: split the model across GPUs (tensor "
            "parallel) or shorten the input; the cost here counts one GPU per machine.",
        )
    if len(options) == 1:
        return best, ()
    others = []
    for option in options:
        if option is best:
            continue
        if not option.holds:
            others.append(f"{option.machine.name} can't hold it")
        elif target_ms is not None and option.latency_ms > target_ms:
            others.append(
                f"{option.machine.name} misses your {target_ms:,} ms target "
                f"(~{option.latency_ms:,} ms a call)"
            )
        else:
            others.append(
                f"{option.machines} × {option.machine.name} would cost "
                f"{exact(option.daily_usd)} a day"
            )
    target = " and meets your target" if target_ms is not None else ""
    return best, (
        f"{best.machine.name} is the cheapest machine that holds the model and its KV "
        f"cache{target} (~{best.latency_ms:,} ms a call); {'; '.join(others)}.",
    )


def student_hosting(
    size: StudentSize,
    *,
    input_tokens: int,
    output_tokens: int,
    calls_per_day: int,
    no_serverless: str | None = None,
    latency_ms: int | None = None,
    teacher_ms: int | None = None,
) -> Hosting:
    """The cheapest of the machines the student runs on and serverless per-token serving,
    with the sums; ``latency_ms`` is the target a machine must meet, if any. Without one,
    a student on machines notably slower a call than the teacher (``teacher_ms``) is said
    so, with what a faster machine would cost."""
    info = STUDENTS[size]
    options = [
        _dedicated(size, serving, input_tokens, output_tokens, calls_per_day)
        for serving in info.serving
    ]
    best, why = _cheapest_machine(options, input_tokens, output_tokens, latency_ms)
    slower = _slower(best, options, teacher_ms) if latency_ms is None and teacher_ms else None
    machine, dedicated = best.machine, best.daily_usd
    dedicated_lines = (*best.lines, *why)
    said = (f"Slower than the teacher: {slower.text}",) if slower else ()
    choice = f"{best.machines} × {machine.name}"
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
        return Hosting(
            choice, dedicated, (*dedicated_lines, *said, reason + "."), best.latency_ms, slower
        )
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
            student_latency_ms(size, output_tokens, input_tokens),
        )
    return Hosting(
        choice,
        dedicated,
        (*dedicated_lines, *said, serverless_line, "Dedicated is cheaper at this volume."),
        best.latency_ms,
        slower,
    )


def _slower(best: _Dedicated, options: list[_Dedicated], teacher_ms: int) -> Slower | None:
    """How much slower a call on ``best`` is than the teacher's, where that is notable, and
    the fastest machine that holds the model, if it is faster."""
    times = Decimal(best.latency_ms) / teacher_ms
    if times <= SLOWER_THAN_TEACHER:
        return None
    times = times.quantize(Decimal("0.1"), ROUND_HALF_UP)
    said = (
        f"~{best.latency_ms:,} ms a call on {best.machines} × {best.machine.name} against "
        f"the teacher's ~{teacher_ms:,} ms ({times}×)."
    )
    faster = min(
        (o for o in options if o.holds and o.latency_ms < best.latency_ms),
        key=lambda option: option.latency_ms,
        default=None,
    )
    if faster is None:
        return Slower(
            times,
            f"{said} No machine in the table is faster: stream the reply, shorten the "
            "output, or keep the teacher where speed matters.",
        )
    return Slower(
        times,
        f"{said} {faster.machines} × {faster.machine.name} would bring it to "
        f"~{faster.latency_ms:,} ms for {usd(faster.daily_usd)} a day instead of "
        f"{usd(best.daily_usd)}; give a latency target and the plan prices that in.",
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
    judgments: int = 0,
) -> tuple[Decimal, tuple[str, ...]]:
    """Generating the training set: batch API calls, or hours on the self-hosted node.

    ``examples`` counts every teacher call; ``judgments`` of them compare two drafts: they
    read the instructions, the input and both drafts, and write a short verdict."""
    outputs = examples - judgments
    judge_in = prompt_tokens + input_tokens + 2 * output_tokens
    thinking = teacher_today.reasoning_tokens
    judge_out = JUDGE_OUTPUT_TOKENS + thinking
    reasons = f" after ~{thinking:,} reasoning tokens (an estimate)" if thinking else ""
    judging = (
        f"A judgment reads {prompt_tokens:,} + {input_tokens:,} + 2 × {output_tokens:,} = "
        f"{judge_in:,} tokens (instructions, input, both drafts) and writes "
        f"~{JUDGE_OUTPUT_TOKENS} (a short reason, then A or B){reasons}"
    )
    if self_host is not None:
        seconds = _node_seconds(self_host, prompt_tokens + input_tokens, output_tokens + thinking)
        judge_seconds = _node_seconds(self_host, judge_in, judge_out)
        busy = outputs * seconds + judgments * judge_seconds
        hours = max(Decimal(1), _ceil_tenth(busy / 3600))
        cost = hours * self_host.usd_per_hour
        judged = (
            f" + {judgments:,} judgments × {_num(judge_seconds)} node-seconds" if judgments else ""
        )
        lines = (
            f"Data set = {outputs:,} calls × {_num(seconds)} node-seconds{judged} = "
            f"{_num(hours)} node-hours (at least 1) × {_rate(self_host.usd_per_hour)} = "
            f"{exact(cost)}.",
        )
        return cost, (*lines, f"{judging}.") if judgments else lines
    discount = PRICES.batch_discount.get(teacher.provider, Decimal(1))
    judge_per_call = (
        judge_in * teacher.input_usd_per_m + judge_out * teacher.output_usd_per_m
    ) / MILLION
    cost = (outputs * teacher_today.per_call + judgments * judge_per_call) * discount
    batch = f" × {discount} (batch API)" if discount != 1 else ""
    if not judgments:
        return cost, (f"Data set = {examples:,} calls × {exact(teacher_today.per_call)}{batch} "
                      f"= {exact(cost)}.",)  # fmt: skip
    return cost, (
        f"{judging}: {judge_in:,} × {per_m(teacher.input_usd_per_m)} + "
        f"{judge_out:,} × {per_m(teacher.output_usd_per_m)} = {exact(judge_per_call)}.",
        f"Data set = ({outputs:,} calls × {exact(teacher_today.per_call)} + {judgments:,} "
        f"judgments × {exact(judge_per_call)}){batch} = {exact(cost)}.",
    )


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


def _gb(value: Decimal) -> str:
    """Gigabytes to one decimal: memory is planned in tenths of a GB, not in bytes."""
    return f"{value.quantize(Decimal('0.1'), ROUND_HALF_UP)} GB"


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

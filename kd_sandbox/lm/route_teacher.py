"""The on-policy mode's teacher: a GPT-2 that follows a map from any digit, cached.

On-policy distillation asks the teacher what to do next on the student's own routes,
wrong turns included, so this teacher must know the way from wherever a route got to.
It is trained on routes that take a wrong turn at a share ``wrong_turns`` of the hops
and then follow the arrows on from there, with every digit a target. It learns to read
the map after any prefix, and it keeps that share of its probability on other digits,
as a real model keeps some on its alternatives: a student that matches it samples
wrong turns of its own. Its greedy route is the right one.

Cached like the other LM teacher (``teacher.py``): ``<cache_dir>/lm_route_teacher/
v<N>-<key>``, written with ``save_pretrained`` and always used as ``from_pretrained``
loads it back.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import GPT2LMHeadModel

from kd_sandbox.lm.models import CPU, parameter_count
from kd_sandbox.lm.route_batches import (
    greedy_routes,
    recovery_after_wrong_turn,
    route_exact_match,
)
from kd_sandbox.lm.routes import RouteMap, route_text, route_with_wrong_turns, split_maps
from kd_sandbox.lm.teacher import TrainedTeacher, cached, read_saved, settings_key, trained_lm
from kd_sandbox.lm.tokenizer import CharTokenizer
from kd_sandbox.lm.training import Batch, encode_completions

ROUTE_TEACHER_FORMAT = 1  # bump when a change in the code changes what a trained teacher is


@dataclass(frozen=True)
class RouteTeacherSettings:
    """What the route teacher is and what it is trained on (tests use a smaller one)."""

    hops: int = 6  # digits per route, all on the main road when nothing goes wrong
    hidden: int = 32  # as good as 64 here (every held-out route right), and faster to ask
    layers: int = 2
    train_steps: int = 400
    lr: float = 3e-3
    batch_size: int = 64
    wrong_turns: float = 0.2  # share of the hops its training routes take wrongly
    n_train: int = 8192  # training maps; the students' prompts come from these too
    n_heldout: int = 500  # maps nobody trains on, for every accuracy we report
    seed: int = 0

    @property
    def max_len(self) -> int:
        """Positions a full sequence needs: ``<bos>``, 10 arrows, ``,``, start, ``:``,
        the route and ``<eos>``."""
        return 14 + self.hops + 1

    def key(self) -> str:
        return settings_key(asdict(self), ROUTE_TEACHER_FORMAT)


@dataclass
class RouteTeacher:
    """A loaded route teacher with its maps and its greedy routes for the training ones."""

    model: GPT2LMHeadModel
    tokenizer: CharTokenizer
    settings: RouteTeacherSettings
    train_maps: list[RouteMap]
    heldout_maps: list[RouteMap]
    transfer: list[str]  # the teacher's greedy route for each training map
    heldout_accuracy: float  # held-out routes right, digit for digit
    heldout_recovery: float  # held-out routes continued right after a wrong digit
    train_seconds: float
    trained_now: bool  # True when this call trained it (not found in the cache)


def route_teacher_dir(cache_dir: Path, settings: RouteTeacherSettings) -> Path:
    return cache_dir / "lm_route_teacher" / f"v{ROUTE_TEACHER_FORMAT}-{settings.key()}"


def load_or_train_route_teacher(
    cache_dir: Path,
    settings: RouteTeacherSettings,
    progress: Callable[[float], None] | None = None,
    device: torch.device = CPU,
) -> RouteTeacher:
    """The cached route teacher for ``settings`` on ``device``, trained (there) and saved
    first if there is none."""
    directory = route_teacher_dir(cache_dir, settings)
    return cached(
        directory,
        lambda: train_route_teacher(settings, progress, device),
        lambda trained_now: load_route_teacher(
            directory, settings, trained_now=trained_now, device=device
        ),
    )


def load_route_teacher(
    directory: Path,
    settings: RouteTeacherSettings,
    *,
    trained_now: bool = False,
    device: torch.device = CPU,
) -> RouteTeacher:
    saved = read_saved(directory, device)
    train_maps, heldout_maps = split_maps(
        settings.n_train, settings.n_heldout, settings.hops, settings.seed
    )
    if len(saved.transfer) != len(train_maps):
        raise ValueError(f"{directory} holds {len(saved.transfer)} routes, not {len(train_maps)}")
    return RouteTeacher(
        model=saved.model,
        tokenizer=saved.tokenizer,
        settings=settings,
        train_maps=train_maps,
        heldout_maps=heldout_maps,
        transfer=saved.transfer,
        heldout_accuracy=float(saved.report["heldout_accuracy"]),
        heldout_recovery=float(saved.report["heldout_recovery"]),
        train_seconds=float(saved.report["train_seconds"]),
        trained_now=trained_now,
    )


def train_route_teacher(
    settings: RouteTeacherSettings,
    progress: Callable[[float], None] | None = None,
    device: torch.device = CPU,
) -> TrainedTeacher:
    """Train on ``device`` on routes with wrong turns; write its greedy routes for the
    training maps."""
    started = time.perf_counter()
    tokenizer = CharTokenizer()
    train_maps, heldout_maps = split_maps(
        settings.n_train, settings.n_heldout, settings.hops, settings.seed
    )
    rng = random.Random(settings.seed)

    def batch_at(step: int) -> Batch:
        maps = [rng.choice(train_maps) for _ in range(settings.batch_size)]
        routes = [
            route_text(route_with_wrong_turns(rng, m, settings.hops, settings.wrong_turns))
            for m in maps
        ]
        return encode_completions(tokenizer, maps, routes).to(device)

    model = trained_lm(settings, tokenizer, batch_at, progress, device)
    hops = settings.hops
    report = {
        "heldout_accuracy": route_exact_match(model, tokenizer, heldout_maps, hops),
        "heldout_recovery": recovery_after_wrong_turn(model, tokenizer, heldout_maps, hops),
        "train_seconds": round(time.perf_counter() - started, 2),
        "parameters": parameter_count(model),
        "settings": asdict(settings),
    }
    transfer = greedy_routes(model, tokenizer, train_maps, hops)
    return TrainedTeacher(model, tokenizer, transfer, report)

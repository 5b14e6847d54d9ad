"""The teacher: a GPT-2 trained once on worked chains, saved, and loaded from the cache.

One teacher serves all four LM modes. It lives in ``<cache_dir>/lm_teacher/v<N>-<key>``
where the key hashes the settings: change a setting (or bump ``TEACHER_FORMAT`` when the
training code changes) and a new teacher is trained beside the old one. It is written
into a temporary directory and renamed into place, so a crash or a second worker never
leaves half a teacher behind. Whatever trains it, the modes always use the copy that
``from_pretrained`` loads back.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import torch
from transformers import GPT2LMHeadModel

from kd_sandbox.lm.models import CPU, build_lm, generate, moved_to, parameter_count
from kd_sandbox.lm.tasks import Chain, completion_length, split_chains
from kd_sandbox.lm.tokenizer import CharTokenizer
from kd_sandbox.lm.training import (
    Batch,
    decode_completions,
    encode_chains,
    exact_match,
    prompt_ids,
    random_rows,
    sft_loss,
    train,
)

TEACHER_FORMAT = 1  # bump when a change in the code changes what a trained teacher is


@dataclass(frozen=True)
class TeacherSettings:
    """What the teacher is and what it is trained on (tests use a much smaller one)."""

    n_steps: int = 4  # operations per chain
    hidden: int = 64
    layers: int = 2
    train_steps: int = 400
    lr: float = 3e-3
    batch_size: int = 64
    n_train: int = 8192  # training problems; the students' prompts come from these too
    n_heldout: int = 500  # problems nobody trains on, for every accuracy we report
    seed: int = 0

    @property
    def max_len(self) -> int:
        """Positions a full worked sequence needs (``<bos>`` … ``<eos>``), with room to spare."""
        return 4 * self.n_steps + 8

    def key(self) -> str:
        return settings_key(asdict(self), TEACHER_FORMAT)


def settings_key(settings: dict[str, Any], version: int) -> str:
    """A short hash of a teacher's settings and its code's version: its cache folder."""
    text = json.dumps({"format": version, **settings}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Recipe(Protocol):
    """How a teacher is built and trained (``TeacherSettings``, ``RouteTeacherSettings``)."""

    @property
    def hidden(self) -> int: ...
    @property
    def layers(self) -> int: ...
    @property
    def max_len(self) -> int: ...
    @property
    def train_steps(self) -> int: ...
    @property
    def lr(self) -> float: ...
    @property
    def seed(self) -> int: ...


@dataclass
class Teacher:
    """A loaded teacher with its problems and its worked answers to the training ones."""

    model: GPT2LMHeadModel
    tokenizer: CharTokenizer
    settings: TeacherSettings
    train_chains: list[Chain]
    heldout_chains: list[Chain]
    transfer: list[str]  # the teacher's greedy worked completion for each training chain
    heldout_accuracy: float
    train_seconds: float
    trained_now: bool  # True when this call trained it (not found in the cache)


def teacher_dir(cache_dir: Path, settings: TeacherSettings) -> Path:
    return cache_dir / "lm_teacher" / f"v{TEACHER_FORMAT}-{settings.key()}"


@dataclass
class TrainedTeacher:
    """What a cached teacher consists of: fresh from training, or read back from disk."""

    model: GPT2LMHeadModel
    tokenizer: CharTokenizer
    transfer: list[str]
    report: dict[str, Any]


def load_or_train_teacher(
    cache_dir: Path,
    settings: TeacherSettings,
    progress: Callable[[float], None] | None = None,
    device: torch.device = CPU,
) -> Teacher:
    """The cached teacher for ``settings`` on ``device``, trained (there) and saved first
    if there is none."""
    directory = teacher_dir(cache_dir, settings)
    return cached(
        directory,
        lambda: train_teacher(settings, progress, device),
        lambda trained_now: load_teacher(
            directory, settings, trained_now=trained_now, device=device
        ),
    )


Loaded = TypeVar("Loaded")


def cached(
    directory: Path, train: Callable[[], TrainedTeacher], load: Callable[[bool], Loaded]
) -> Loaded:
    """``load(trained_now)`` the teacher in ``directory``, trained and saved first if
    there is none."""
    trained_now = not (directory / "report.json").exists()
    if trained_now:
        save_teacher(train(), directory)
    return load(trained_now)


def load_teacher(
    directory: Path,
    settings: TeacherSettings,
    *,
    trained_now: bool = False,
    device: torch.device = CPU,
) -> Teacher:
    """The teacher saved in ``directory``, loaded with ``from_pretrained`` onto ``device``
    (frozen, eval mode)."""
    saved = read_saved(directory, device)
    train_chains, heldout_chains = split_chains(
        settings.n_train, settings.n_heldout, settings.n_steps, settings.seed
    )
    if len(saved.transfer) != len(train_chains):
        raise ValueError(
            f"{directory} holds {len(saved.transfer)} worked answers, not {len(train_chains)}"
        )
    return Teacher(
        model=saved.model,
        tokenizer=saved.tokenizer,
        settings=settings,
        train_chains=train_chains,
        heldout_chains=heldout_chains,
        transfer=saved.transfer,
        heldout_accuracy=float(saved.report["heldout_accuracy"]),
        train_seconds=float(saved.report["train_seconds"]),
        trained_now=trained_now,
    )


def read_saved(directory: Path, device: torch.device = CPU) -> TrainedTeacher:
    """What ``save_teacher`` wrote, the model loaded with ``from_pretrained`` and moved to
    ``device`` (frozen, eval mode)."""
    loaded = GPT2LMHeadModel.from_pretrained(directory / "model", local_files_only=True)
    model = moved_to(loaded, device)
    model.train(False)
    model.requires_grad_(False)
    return TrainedTeacher(
        model=model,
        tokenizer=CharTokenizer.load(directory),
        transfer=(directory / "transfer.txt").read_text().splitlines(),
        report=json.loads((directory / "report.json").read_text()),
    )


def train_teacher(
    settings: TeacherSettings,
    progress: Callable[[float], None] | None = None,
    device: torch.device = CPU,
) -> TrainedTeacher:
    """Train a teacher on ``device`` on ground-truth worked chains and write its answers to
    the training set."""
    started = time.perf_counter()
    tokenizer = CharTokenizer()
    train_chains, heldout_chains = split_chains(
        settings.n_train, settings.n_heldout, settings.n_steps, settings.seed
    )
    data = encode_chains(tokenizer, train_chains, with_trace=True).to(device)
    rows = torch.Generator().manual_seed(settings.seed)

    def batch_at(step: int) -> Batch:
        return data.rows(random_rows(len(data), settings.batch_size, rows))

    model = trained_lm(settings, tokenizer, batch_at, progress, device)
    transfer = _worked_completions(model, tokenizer, train_chains)
    report = {
        "heldout_accuracy": exact_match(model, tokenizer, heldout_chains, with_trace=True),
        "train_seconds": round(time.perf_counter() - started, 2),
        "parameters": parameter_count(model),
        "settings": asdict(settings),
    }
    return TrainedTeacher(model, tokenizer, transfer, report)


def trained_lm(
    recipe: Recipe,
    tokenizer: CharTokenizer,
    batch_at: Callable[[int], Batch],
    progress: Callable[[float], None] | None = None,
    device: torch.device = CPU,
) -> GPT2LMHeadModel:
    """A model built to ``recipe`` on ``device`` and trained with SFT on ``batch_at(step)``
    (batches on that device), then frozen."""
    model = build_lm(
        tokenizer,
        hidden=recipe.hidden,
        layers=recipe.layers,
        max_len=recipe.max_len,
        seed=recipe.seed,
        device=device,
    )

    def report_progress(step: int) -> None:
        if progress is not None:
            progress(step / recipe.train_steps)

    def loss_at(step: int) -> torch.Tensor:
        return sft_loss(model, batch_at(step))

    train(model, steps=recipe.train_steps, lr=recipe.lr, loss_at=loss_at, evaluate=report_progress)
    model.requires_grad_(False)
    return model


def save_teacher(trained: TrainedTeacher, directory: Path) -> None:
    """Write the teacher into a staging directory, then rename it to ``directory`` at once."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=directory.parent))
    try:
        trained.model.save_pretrained(staging / "model")
        trained.tokenizer.save(staging)
        (staging / "transfer.txt").write_text("".join(t + "\n" for t in trained.transfer))
        (staging / "report.json").write_text(json.dumps(trained.report, indent=2))
        staging.rename(directory)
    except OSError:
        # Another worker renamed its own copy into place first: use that one.
        if not (directory / "report.json").exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@torch.no_grad()
def _worked_completions(
    model: GPT2LMHeadModel, tokenizer: CharTokenizer, chains: list[Chain], chunk: int = 1024
) -> list[str]:
    """The teacher's greedy worked completion (trace and answer) for every chain."""
    n_new = completion_length(len(chains[0].steps), with_trace=True) + 1
    completions: list[str] = []
    for start in range(0, len(chains), chunk):
        prompts = prompt_ids(tokenizer, chains[start : start + chunk])
        ids = generate(model, prompts, n_new)
        completions += decode_completions(tokenizer, ids, prompts.shape[1])
    return completions

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
from typing import Any

import torch
from transformers import GPT2LMHeadModel

from kd_sandbox.lm.models import build_lm, generate, parameter_count
from kd_sandbox.lm.tasks import Chain, completion_length, split_chains
from kd_sandbox.lm.tokenizer import CharTokenizer
from kd_sandbox.lm.training import (
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
        text = json.dumps({"format": TEACHER_FORMAT, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


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
    """A teacher fresh from training, before it is saved."""

    model: GPT2LMHeadModel
    tokenizer: CharTokenizer
    transfer: list[str]
    report: dict[str, Any]


def load_or_train_teacher(
    cache_dir: Path,
    settings: TeacherSettings,
    progress: Callable[[float], None] | None = None,
) -> Teacher:
    """The cached teacher for ``settings``, trained and saved first if there is none."""
    directory = teacher_dir(cache_dir, settings)
    trained_now = not (directory / "report.json").exists()
    if trained_now:
        save_teacher(train_teacher(settings, progress), directory)
    return load_teacher(directory, settings, trained_now=trained_now)


def load_teacher(
    directory: Path, settings: TeacherSettings, *, trained_now: bool = False
) -> Teacher:
    """The teacher saved in ``directory``, loaded with ``from_pretrained`` (frozen, eval mode)."""
    model = GPT2LMHeadModel.from_pretrained(directory / "model", local_files_only=True)
    model.train(False)
    model.requires_grad_(False)
    report = json.loads((directory / "report.json").read_text())
    train_chains, heldout_chains = split_chains(
        settings.n_train, settings.n_heldout, settings.n_steps, settings.seed
    )
    transfer = (directory / "transfer.txt").read_text().splitlines()
    if len(transfer) != len(train_chains):
        raise ValueError(
            f"{directory} holds {len(transfer)} worked answers, not {len(train_chains)}"
        )
    return Teacher(
        model=model,
        tokenizer=CharTokenizer.load(directory),
        settings=settings,
        train_chains=train_chains,
        heldout_chains=heldout_chains,
        transfer=transfer,
        heldout_accuracy=float(report["heldout_accuracy"]),
        train_seconds=float(report["train_seconds"]),
        trained_now=trained_now,
    )


def train_teacher(
    settings: TeacherSettings, progress: Callable[[float], None] | None = None
) -> TrainedTeacher:
    """Train a teacher on ground-truth worked chains and write its answers to the training set."""
    started = time.perf_counter()
    tokenizer = CharTokenizer()
    train_chains, heldout_chains = split_chains(
        settings.n_train, settings.n_heldout, settings.n_steps, settings.seed
    )
    model = build_lm(
        tokenizer,
        hidden=settings.hidden,
        layers=settings.layers,
        max_len=settings.max_len,
        seed=settings.seed,
    )
    data = encode_chains(tokenizer, train_chains, with_trace=True)
    rows = torch.Generator().manual_seed(settings.seed)

    def loss_at(step: int) -> torch.Tensor:
        return sft_loss(model, data.rows(random_rows(len(data), settings.batch_size, rows)))

    def report_progress(step: int) -> None:
        if progress is not None:
            progress(step / settings.train_steps)

    train(
        model, steps=settings.train_steps, lr=settings.lr, loss_at=loss_at, evaluate=report_progress
    )
    model.requires_grad_(False)
    transfer = _worked_completions(model, tokenizer, train_chains)
    report = {
        "heldout_accuracy": exact_match(model, tokenizer, heldout_chains, with_trace=True),
        "train_seconds": round(time.perf_counter() - started, 2),
        "parameters": parameter_count(model),
        "settings": asdict(settings),
    }
    return TrainedTeacher(model, tokenizer, transfer, report)


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

"""The numbers behind the Mini App's explorers (drops 2.2 and 2.3), in Python: the page
computes the same in the browser, and a test holds the two to each other."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# An illustrative teacher's logits for a handwritten "7" (digits 0-9): high for 7,
# then 9 and 1 (which share strokes with a 7), lowest for 6. Drop 2.2 quotes its
# softmax at T=1 and T=4; tests check the quoted numbers against these logits.
SEVEN_LOGITS: tuple[float, ...] = (-1.0, 3.0, 2.0, 0.5, -0.5, -1.5, -3.0, 9.0, 0.0, 4.0)
SEVEN = 7
# A real teacher's logits for a real "7", written by `distillbot content figures` from
# the sandbox's cached teacher (kd_sandbox.cli.write_teacher_logits).
TEACHER_LOGITS_FILE = "teacher_logits.json"
TEACHER_LOGITS_PATH = Path(__file__).resolve().parent / "figures" / TEACHER_LOGITS_FILE


@dataclass(frozen=True)
class SoftTargets:
    """softmax(z/T) and what drop 2.2 reads off it."""

    probabilities: list[float]
    entropy: float  # nats
    top_two_ratio: float  # the largest probability over the second largest
    wrong_mass: float  # 1 − p(label)


def soft_targets(logits: Sequence[float], temperature: float, label: int) -> SoftTargets:
    """softmax(logits / temperature), computed stably, and its entropy, top-two ratio and
    the mass it puts on the classes other than ``label``."""
    scaled = [z / temperature for z in logits]
    top = max(scaled)
    weights = [math.exp(z - top) for z in scaled]
    total = sum(weights)
    probs = [w / total for w in weights]
    entropy = -sum(p * math.log(p) for p in probs if p > 0)
    first, second = sorted(probs, reverse=True)[:2]
    return SoftTargets(probs, entropy, first / second, 1.0 - probs[label])


def temperature_presets() -> list[dict[str, Any]]:
    """The explorer's starting logits: drop 2.2's example, then the real teacher's if
    `distillbot content figures` has written them."""
    presets: list[dict[str, Any]] = [
        {"name": 'Drop 2.2\'s "7"', "label": SEVEN, "logits": list(SEVEN_LOGITS)}
    ]
    if TEACHER_LOGITS_PATH.is_file():
        record = json.loads(TEACHER_LOGITS_PATH.read_text(encoding="utf-8"))
        accuracy = f"{100 * record['teacher_acc']:.1f} %"
        presets.append({
            "name": f"Real teacher ({accuracy} accurate), a real \"{record['digit']}\"",
            "label": record["digit"],
            "logits": record["logits"],
        })  # fmt: skip
    return presets

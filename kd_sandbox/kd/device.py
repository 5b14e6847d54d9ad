"""Which device a run trains on: the one place the digits and the LM runs ask.

A GPU where torch sees one (``device=auto``), else the CPU. The Celery worker's
``--device cpu`` hides the GPUs from torch (``CUDA_VISIBLE_DEVICES=""``) before any run
starts, so this answers ``cpu`` there.
"""

from __future__ import annotations

import torch


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")

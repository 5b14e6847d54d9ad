"""The LM package never reaches for the model hub."""

from __future__ import annotations

import os
import subprocess
import sys


def test_hub_is_offline_before_transformers_loads() -> None:
    # A fresh interpreter: importing any module of the package must set the hub offline
    # before huggingface_hub reads its settings (it reads them once, at import).
    code = (
        "import kd_sandbox.lm.models\n"
        "import huggingface_hub.constants as hub\n"
        "print(hub.HF_HUB_OFFLINE)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "0"}  # even when the caller says otherwise
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "True"

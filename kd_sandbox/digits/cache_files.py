"""Small torch files in the cache directory, written atomically and read defensively."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch


def save_atomically(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` via a temporary file and a rename, so a crash never
    leaves half a file that a later run would trust."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save(payload, file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_if_matching(path: Path, key: dict[str, Any]) -> dict[str, Any] | None:
    """The payload at ``path`` if it exists, is readable and was saved under ``key``."""
    try:
        stored = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        return None
    except Exception:  # truncated or foreign file: rebuild rather than fail the run
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored

"""``python -m bot`` whose language-model teacher trains ``TEACHER_DELAY_S`` seconds (an
environment variable) slower: a busy machine's first start on a fresh teacher cache.

Patched at import, so that it holds in every process of the worker: the pool's forks
and a spawned process, which imports this module again.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from kd_sandbox.lm import teacher

_train_teacher = teacher.train_teacher


def _slow_train_teacher(*args: Any, **kwargs: Any) -> Any:
    time.sleep(float(os.environ["TEACHER_DELAY_S"]))
    return _train_teacher(*args, **kwargs)


teacher.train_teacher = _slow_train_teacher

if __name__ == "__main__":
    from bot.cli import main

    sys.exit(main())

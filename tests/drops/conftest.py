from __future__ import annotations

from pathlib import Path

import pytest

from tests.drops.course_files import write_course


@pytest.fixture
def course_folder(tmp_path: Path) -> Path:
    """A valid course in a folder named ``course`` (problems read ``course/<file>``)."""
    return write_course(tmp_path / "course")

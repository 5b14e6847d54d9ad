"""Load the course from its Markdown files and check it against the outline.

Each drop is ``<folder>/<id>.md`` with YAML front matter; the FAQ is ``<folder>/faq.md``
with one ``## <question>`` line before each answer. ``load_course`` reads every file once
and raises ``ContentError`` listing every problem, each with its file and reason.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from drops import outline, rules
from drops.errors import ContentError, ContentProblem
from drops.model import Course, Drop, FaqEntry, Phase
from drops.render import render_drop, render_faq_entry

__all__ = [
    "ContentError",
    "ContentProblem",
    "Course",
    "Drop",
    "FaqEntry",
    "Phase",
    "default_folder",
    "get_course",
    "load_course",
]

FAQ_FILE = "faq.md"
REQUIRED_KEYS = ("id", "phase", "title", "minutes")
OPTIONAL_KEYS = ("try", "figure")
_FAQ_QUESTION = re.compile(r"^## (?P<question>.+?)\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def default_folder() -> Path:
    """The folder this package ships its drop files in."""
    return Path(__file__).resolve().parent


@functools.cache
def get_course() -> Course:
    """The shipped course, loaded and checked once per process."""
    return load_course()


def load_course(folder: Path | None = None) -> Course:
    """Read and check every drop and the FAQ; raise ``ContentError`` on any problem."""
    folder = default_folder() if folder is None else folder
    reader = _Reader(folder)
    drops = [reader.drop(entry) for entry in outline.DROPS]
    reader.unexpected_files()
    faq = reader.faq()
    if reader.problems:
        raise ContentError(reader.problems)
    course = Course(
        drops=tuple(drop for drop in drops if drop is not None),
        phases=outline.PHASES,
        faq=tuple(faq),
    )
    reader.rendering(course)
    if reader.problems:
        raise ContentError(reader.problems)
    return course


class _Reader:
    """Collects problems while reading one course folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[ContentProblem] = []

    def problem(self, path: Path, reason: str) -> None:
        # Named from the folder's parent ("drops/2.2.md"): no machine path in messages.
        self.problems.append(ContentProblem(f"{self.folder.name}/{path.name}", reason))

    def drop(self, entry: outline.DropOutline) -> Drop | None:
        path = self.folder / f"{entry.id}.md"
        if not path.is_file():
            self.problem(path, f"missing: the outline has drop {entry.id} {entry.title!r}")
            return None
        try:
            post = frontmatter.loads(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            self.problem(path, f"front matter does not parse: {error}")
            return None
        before = len(self.problems)
        meta: dict[str, Any] = dict(post.metadata)
        self._check_meta(path, meta, entry)
        try_settings = self._try_settings(path, meta.get("try"))
        figure = self._figure(path, meta.get("figure"))
        body = str(post.content).strip()
        for reason in rules.check_drop_body(body):
            self.problem(path, reason)
        if len(self.problems) > before:
            return None
        return Drop(
            id=entry.id,
            phase=entry.phase,
            title=entry.title,
            minutes=entry.minutes,
            body=body,
            try_settings=try_settings,
            figure=figure,
            path=path,
        )

    def _check_meta(self, path: Path, meta: dict[str, Any], entry: outline.DropOutline) -> None:
        unknown = sorted(set(meta) - {*REQUIRED_KEYS, *OPTIONAL_KEYS})
        if unknown:
            allowed = ", ".join([*REQUIRED_KEYS, *OPTIONAL_KEYS])
            self.problem(path, f"unknown front-matter keys {unknown}; allowed: {allowed}")
        expected: dict[str, object] = {
            "id": entry.id,
            "phase": entry.phase,
            "title": entry.title,
            "minutes": entry.minutes,
        }
        for key, want in expected.items():
            if key not in meta:
                self.problem(path, f"front matter lacks {key!r} (the outline says {want!r})")
            elif type(meta[key]) is not type(want) or meta[key] != want:
                self.problem(
                    path, f"{key} is {meta[key]!r} but the outline (drops/outline.py) says {want!r}"
                )

    def _try_settings(self, path: Path, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(path, f"try must be a quoted string of settings, not {value!r}")
            return None
        # The spec parser is torch-free; it is imported only here, for this one check.
        from kd_sandbox.spec import SettingsError, parse_settings

        try:
            parse_settings(value)
        except SettingsError as error:
            self.problem(path, f"try: {value!r} is not valid /distill settings: {error}")
            return None
        return value.strip()

    def _figure(self, path: Path, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not rules.FIGURE_NAME.fullmatch(value):
            self.problem(path, f"figure must be a name like soft_targets, not {value!r}")
            return None
        if not (self.folder / "figures" / f"{value}.png").is_file():
            self.problem(path, f"figure {value!r} has no file figures/{value}.png")
            return None
        return value

    def unexpected_files(self) -> None:
        known = {f"{entry.id}.md" for entry in outline.DROPS} | {FAQ_FILE}
        for path in sorted(self.folder.glob("*.md")):
            if path.name not in known:
                self.problem(path, "not in the outline (drops/outline.py); rename or remove it")

    def faq(self) -> list[FaqEntry]:
        path = self.folder / FAQ_FILE
        if not path.is_file():
            self.problem(path, "missing: the FAQ file")
            return []
        entries = _split_faq(path.read_text(encoding="utf-8"))
        if entries is None:
            self.problem(path, "text before the first '## <question>' line")
            return []
        questions = [entry.question for entry in entries]
        if questions != list(outline.FAQ_QUESTIONS):
            missing = [q for q in outline.FAQ_QUESTIONS if q not in questions]
            extra = [q for q in questions if q not in outline.FAQ_QUESTIONS]
            detail = f"missing {missing}, not in the outline {extra}" if missing or extra else ""
            self.problem(
                path,
                "questions must be exactly drops/outline.py FAQ_QUESTIONS, in order"
                + (f": {detail}" if detail else " (the order differs)"),
            )
        for entry in entries:
            if not entry.answer:
                self.problem(path, f"no answer to {entry.question!r}")
            for reason in rules.check_markdown(entry.answer):
                self.problem(path, f"{entry.question!r}: {reason}")
            for reason in rules.check_rendered_markdown(entry.answer):
                self.problem(path, f"{entry.question!r}: {reason}")
        return entries

    def rendering(self, course: Course) -> None:
        for drop in course.drops:
            for reason in rules.check_messages(render_drop(drop, course)):
                self.problem(drop.path, reason)
        for entry in course.faq:
            for reason in rules.check_messages(render_faq_entry(entry)):
                self.problem(self.folder / FAQ_FILE, f"{entry.question!r}: {reason}")


def _split_faq(text: str) -> list[FaqEntry] | None:
    """Entries from ``## question`` lines (outside code fences); None if prose precedes them."""
    entries: list[tuple[str, list[str]]] = []
    preamble: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _FAQ_QUESTION.match(line)
        if match:
            entries.append((match["question"], []))
        elif entries:
            entries[-1][1].append(line)
        else:
            preamble.append(line)
    if "".join(preamble).strip():
        return None
    return [FaqEntry(question, "\n".join(lines).strip()) for question, lines in entries]

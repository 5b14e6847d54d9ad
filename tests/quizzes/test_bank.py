"""Loading and checking the quiz bank from YAML files."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from quizzes.bank import BankError, QuizBank, load_bank
from quizzes.item import ItemKind, QuizItem

COURSE = {"1.1", "2.2", "2.9", "2.10"}


def item(item_id: str, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": item_id,
        "kind": "recall",
        "question": f"Question {item_id}?",
        "options": ["alpha", "beta", "gamma", "delta"],
        "correct": 1,
        "explanation": f"Because of {item_id}.",
    }
    entry.update(changes)
    return entry


def write(folder: Path, name: str, entries: object) -> None:
    text = entries if isinstance(entries, str) else yaml.safe_dump(entries, allow_unicode=True)
    (folder / name).write_text(text, encoding="utf-8")


def bank_problems(folder: Path) -> tuple[str, ...]:
    with pytest.raises(BankError) as caught:
        load_bank(folder, known_drop_ids=COURSE)
    return caught.value.problems


def test_loads_items_in_course_order(tmp_path: Path) -> None:
    write(tmp_path, "drop-2.10.yaml", [item("2.10a")])
    write(tmp_path, "drop-2.2.yaml", [item("2.2b"), item("2.2a")])
    write(tmp_path, "drop-1.1.yaml", [item("1.1a")])
    (tmp_path / "README.md").write_text("How to write items.", encoding="utf-8")

    bank = load_bank(tmp_path, known_drop_ids=COURSE)

    assert [quiz.id for quiz in bank.all()] == ["1.1a", "2.2b", "2.2a", "2.10a"]
    assert bank.drop_ids() == ("1.1", "2.2", "2.10")
    assert bank.count_by_drop() == {"1.1": 1, "2.2": 2, "2.10": 1}
    assert len(bank) == 4
    assert [quiz.id for quiz in bank.items_for_drop("2.2")] == ["2.2b", "2.2a"]
    assert bank.items_for_drop("2.9") == ()
    fetched = bank.get("2.2a")
    assert fetched is not None
    assert fetched.drop_id == "2.2"
    assert fetched.correct_option == "beta"
    assert bank.get("9.9z") is None
    assert "2.10a" in bank
    assert "nope" not in bank


def test_an_empty_folder_is_an_empty_bank(tmp_path: Path) -> None:
    bank = load_bank(tmp_path, known_drop_ids=COURSE)
    assert len(bank) == 0
    assert bank.all() == ()


def test_block_scalars_keep_their_line_feeds_but_not_the_trailing_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        "drop-1.1.yaml",
        """
- id: "1.1a"
  kind: predict
  question: >
    Why does a small student learn faster from a teacher than from labels?
  options:
    - "It sees the teacher's full distribution"
    - "It has more parameters"
    - "Labels are always wrong"
    - "Teachers skip the loss"
  correct: 0
  explanation: |
    Soft targets carry how similar the classes are.
    Labels carry only which one is right.
""",
    )
    quiz = load_bank(tmp_path, known_drop_ids=COURSE).all()[0]
    assert quiz.question.endswith("labels?")
    assert quiz.explanation.count("\n") == 1
    assert quiz.kind is ItemKind.PREDICT
    assert quiz.pinned_last is False


def test_every_problem_names_its_file_and_item(tmp_path: Path) -> None:
    write(tmp_path, "drop-1.1.yaml", [item("1.1a", correct=7), item("1.1b", options=["x"] * 4)])
    write(tmp_path, "drop-2.2.yaml", [item("2.2a", question="q" * 400)])

    problems = bank_problems(tmp_path)

    assert problems == (
        "drop-1.1.yaml, item 1.1a: correct is 7, but the options are numbered 0 to 3",
        "drop-1.1.yaml, item 1.1b: options are not distinct",
        "drop-2.2.yaml, item 2.2a: question has 400 characters; the limit is 300",
    )


def test_a_pinned_last_option_and_the_kinds_are_read(tmp_path: Path) -> None:
    options = ["alpha", "beta", "gamma", "None of these"]
    write(
        tmp_path,
        "drop-1.1.yaml",
        [item("1.1a", kind="diagnose", options=options, pinned_last=True), item("1.1b")],
    )
    first, second = load_bank(tmp_path, known_drop_ids=COURSE).all()
    assert (first.kind, first.pinned_last) == (ItemKind.DIAGNOSE, True)
    assert (second.kind, second.pinned_last) == (ItemKind.RECALL, False)


def test_kind_and_pinned_last_are_checked(tmp_path: Path) -> None:
    write(
        tmp_path,
        "drop-1.1.yaml",
        [item("1.1a", kind="guess"), item("1.1b", pinned_last="yes please")],
    )
    assert bank_problems(tmp_path) == (
        "drop-1.1.yaml, item 1.1a: kind 'guess' is not one of "
        "compute, predict, diagnose, choose, recall",
        "drop-1.1.yaml, item 1.1b: pinned_last must be true or false (it pins the last option)",
    )


def test_an_item_without_an_id_is_named_by_position(tmp_path: Path) -> None:
    entry = item("1.1b")
    del entry["id"]
    write(tmp_path, "drop-1.1.yaml", [item("1.1a"), entry])
    assert bank_problems(tmp_path) == ("drop-1.1.yaml, item #2: missing key 'id'",)


def test_an_id_from_another_drop_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "drop-1.1.yaml", [item("2.2a")])
    (problem,) = bank_problems(tmp_path)
    assert problem.startswith("drop-1.1.yaml, item 2.2a: id '2.2a' must be the drop id")


def test_an_id_used_twice_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "drop-1.1.yaml", [item("1.1a"), item("1.1a", question="Another?")])
    assert bank_problems(tmp_path) == ("item id '1.1a' is used twice",)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("drop2.2.yaml", "drop2.2.yaml: name must be drop-<drop id>.yaml"),
        ("drop-2.2.yml", "drop-2.2.yml: name must be drop-<drop id>.yaml"),
        ("drop-7.1.yaml", "drop-7.1.yaml: there is no drop 7.1"),
    ],
)
def test_misnamed_files_and_unknown_drops_are_refused(
    tmp_path: Path, name: str, expected: str
) -> None:
    write(tmp_path, name, [item("2.2a")])
    (problem,) = bank_problems(tmp_path)
    assert problem.startswith(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- id: '1.1a'\n  question: [unclosed\n", "not valid YAML"),
        ("id: '1.1a'\n", "must be a non-empty YAML list"),
        ("", "must be a non-empty YAML list"),
        ("[]", "must be a non-empty YAML list"),
        ("- id: '1.1a'\n  id: '1.1b'\n", "key 'id' is given twice"),
        ("- !!python/object:os.system {}\n", "not valid YAML"),  # safe loading only
    ],
)
def test_broken_files_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, "drop-1.1.yaml", text)
    (problem,) = bank_problems(tmp_path)
    assert problem.startswith("drop-1.1.yaml: ")
    assert expected in problem


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="no such folder"):
        load_bank(tmp_path / "missing", known_drop_ids=COURSE)


def test_the_default_drops_are_the_course_outline(tmp_path: Path) -> None:
    write(tmp_path, "drop-2.5.yaml", [item("2.5a")])
    write(tmp_path, "drop-2.6.yaml", [item("2.6a")])
    with pytest.raises(BankError) as caught:
        load_bank(tmp_path)
    assert caught.value.problems == ("drop-2.6.yaml: there is no drop 2.6",)


def test_a_bank_built_in_code_refuses_duplicate_ids() -> None:
    quiz = QuizItem("1.1a", "1.1", "Q?", ("a", "b", "c", "d"), 0, "E.")
    with pytest.raises(BankError, match="used twice"):
        QuizBank([quiz, quiz])

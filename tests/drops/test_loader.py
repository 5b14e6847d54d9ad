from __future__ import annotations

from pathlib import Path

import pytest

from drops import outline
from drops.loader import ContentError, load_course
from tests.drops.course_files import ANSWER, BODY, PARAGRAPH, write_drop, write_faq


def problems_of(folder: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_course(folder)
    return str(caught.value)


def test_valid_course_loads_in_outline_order(course_folder: Path) -> None:
    course = load_course(course_folder)

    assert [drop.id for drop in course.drops] == [entry.id for entry in outline.DROPS]
    assert [phase.number for phase in course.phases] == [1, 2, 3, 4]
    assert [entry.question for entry in course.faq] == list(outline.FAQ_QUESTIONS)
    assert course.faq[0].answer == ANSWER
    first = course.drop("1.1")
    assert first.title == outline.DROPS[0].title
    assert first.body.startswith(PARAGRAPH[:40])
    assert first.try_settings is None and first.figure is None


def test_course_positions_and_next_drop(course_folder: Path) -> None:
    course = load_course(course_folder)

    assert len(course) == 14
    assert course.index("1.1") == 1
    assert course.index("2.2") == 6
    assert course.index("4.1") == 14
    assert course.next_id("1.4") == "2.1"
    assert course.next_id("4.1") is None
    assert [drop.id for drop in course.drops_in_phase(3)] == ["3.1", "3.2", "3.3", "3.4"]
    with pytest.raises(KeyError):
        course.drop("9.9")


def test_try_and_figure_are_read(course_folder: Path) -> None:
    (course_folder / "figures").mkdir()
    (course_folder / "figures" / "soft_targets.png").write_bytes(b"\x89PNG")
    write_drop(
        course_folder, "2.2", meta={"try": "mode=temperature digit=7", "figure": "soft_targets"}
    )

    drop = load_course(course_folder).drop("2.2")

    assert drop.try_settings == "mode=temperature digit=7"
    assert drop.figure == "soft_targets"
    assert drop.figure_path == course_folder / "figures" / "soft_targets.png"


def test_missing_drop_is_named(course_folder: Path) -> None:
    (course_folder / "2.3.md").unlink()

    assert "course/2.3.md: missing" in problems_of(course_folder)


def test_drop_not_in_outline_is_named(course_folder: Path) -> None:
    (course_folder / "2.6.md").write_text((course_folder / "2.5.md").read_text())

    assert "course/2.6.md: not in the outline" in problems_of(course_folder)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"title": "A title of our own"}, "title is 'A title of our own' but the outline"),
        ({"minutes": 9}, "minutes is 9 but the outline"),
        ({"phase": 3}, "phase is 3 but the outline"),
        ({"id": 2.2}, "id is 2.2 but the outline"),  # unquoted in YAML: a float
        ({"minutes": None}, "front matter lacks 'minutes'"),
        ({"tags": ["kd"]}, "unknown front-matter keys ['tags']"),
        ({"try": "T=99"}, "try: 'T=99' is not valid /distill settings: `T=99` is out of range"),
        ({"try": "mode=magic"}, "try: 'mode=magic' is not valid /distill settings"),
        ({"try": 4}, "try must be a quoted string"),
        ({"figure": "soft_targets"}, "figure 'soft_targets' has no file figures/soft_targets.png"),
        ({"figure": "Soft Targets.png"}, "figure must be a name like"),
    ],
)
def test_front_matter_problems_name_file_and_reason(
    course_folder: Path, overrides: dict[str, object], reason: str
) -> None:
    write_drop(course_folder, "2.2", meta=overrides)

    problems = problems_of(course_folder)

    assert f"course/2.2.md: {reason}" in problems


def test_unparsable_front_matter_is_named(course_folder: Path) -> None:
    (course_folder / "1.2.md").write_text("---\nid: [unclosed\n---\nBody\n")

    assert "course/1.2.md: front matter does not parse" in problems_of(course_folder)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (PARAGRAPH, "body has 266 words; it must have 450–900"),
        (" ".join([BODY] * 4), "words; it must have 450–900"),
        (PARAGRAPH + "\n\n" + PARAGRAPH, "must end with a '**Further reading:**' line"),
        ("# A heading\n\n" + BODY, "headings (#) are not allowed"),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n\n" + BODY, "tables are not allowed"),
        ("Some <b>bold</b> text.\n\n" + BODY, "HTML tags are not allowed"),
        ("![a cat](https://example.com/cat.png)\n\n" + BODY, "images are not allowed"),
        ("See [the FAQ](/faq).\n\n" + BODY, "link target '/faq' is not an http(s) URL"),
        ("This is **not closed.\n\n" + BODY, "an emphasis marker is not closed"),
        ("A ||secret|| word.\n\n" + BODY, "marks a spoiler"),
        ("> A quote.\n\n" + BODY, "produced a 'blockquote' entity"),
        (BODY + "\n\nTry it: /distill T=2", "the bot adds the 'Try it:' line"),
        (("word " * 320).strip() + "\n\n" + BODY, "has 1599 characters (limit 1499)"),
        ("```\n" + "x = 1\n" * 16 + "```\n\n" + BODY, "a code block has 16 lines (limit 15)"),
        ("```\n" + "x" * 61 + "\n```\n\n" + BODY, "a code line is 61 characters wide"),
    ],
)
def test_body_rule_breaks_name_file_and_reason(course_folder: Path, body: str, reason: str) -> None:
    write_drop(course_folder, "3.1", body=body)

    problems = problems_of(course_folder)

    assert "course/3.1.md: " in problems
    assert reason in problems


def test_markdown_inside_code_is_not_mistaken_for_a_rule_break(course_folder: Path) -> None:
    code = "```python\n# a comment, not a heading\nx = a | b  # <b> is fine here\n```"
    write_drop(course_folder, "3.1", body=f"{code}\n\nUse `**kwargs` freely.\n\n{BODY}")

    assert load_course(course_folder).drop("3.1").body.startswith("```python")


def test_every_problem_is_reported_at_once(course_folder: Path) -> None:
    (course_folder / "1.1.md").unlink()
    write_drop(course_folder, "2.1", meta={"minutes": 60})
    write_drop(course_folder, "4.1", body="Too short.")

    with pytest.raises(ContentError) as caught:
        load_course(course_folder)

    files = {problem.file for problem in caught.value.problems}
    assert {"course/1.1.md", "course/2.1.md", "course/4.1.md"} <= files


def test_faq_questions_must_match_the_outline(course_folder: Path) -> None:
    questions = list(outline.FAQ_QUESTIONS)
    questions[2] = "What is online distillation?"
    write_faq(course_folder, tuple(questions))

    problems = problems_of(course_folder)

    assert "course/faq.md: questions must be exactly drops/outline.py FAQ_QUESTIONS" in problems
    assert "What is online distillation?" in problems


def test_faq_order_must_match_the_outline(course_folder: Path) -> None:
    write_faq(course_folder, tuple(reversed(outline.FAQ_QUESTIONS)))

    assert "(the order differs)" in problems_of(course_folder)


def test_faq_text_before_the_first_question_is_a_problem(course_folder: Path) -> None:
    faq = course_folder / "faq.md"
    faq.write_text("An introduction.\n\n" + faq.read_text())

    assert "course/faq.md: text before the first '## <question>' line" in problems_of(course_folder)


def test_faq_code_may_hold_a_double_hash_line(course_folder: Path) -> None:
    faq = course_folder / "faq.md"
    answer_with_code = f"{ANSWER}\n\n```python\n## not a question\nx = 1\n```"
    faq.write_text(faq.read_text().replace(ANSWER, answer_with_code, 1))

    course = load_course(course_folder)

    assert len(course.faq) == 5
    assert "## not a question" in course.faq[0].answer


def test_missing_faq_is_named(course_folder: Path) -> None:
    (course_folder / "faq.md").unlink()

    assert "course/faq.md: missing" in problems_of(course_folder)

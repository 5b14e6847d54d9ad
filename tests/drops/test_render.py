from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from drops.loader import load_course
from drops.render import (
    CARD_MAX,
    PARAGRAPH_SEPARATOR,
    Entity,
    RenderedMessage,
    join_messages,
    render_drop,
    render_faq_entry,
    render_markdown,
    split_message,
    utf16_length,
)
from tests.drops.course_files import PARAGRAPH, write_drop


def covered(message: RenderedMessage, entity: Entity) -> str:
    """The text an entity covers, cut the way Telegram cuts it: in UTF-16 code units."""
    units = message.text.encode("utf-16-le")
    start = 2 * entity["offset"]
    return units[start : start + 2 * entity["length"]].decode("utf-16-le")


def styled(message: RenderedMessage) -> list[tuple[str, str]]:
    return [(entity["type"], covered(message, entity)) for entity in message.entities]


def test_offsets_count_an_emoji_as_two_units() -> None:
    message = render_markdown("🧪 Watch the **bold word** and `code`.")

    assert message.text == "🧪 Watch the bold word and code."
    assert message.entities[0] == {"type": "bold", "offset": 13, "length": 9}
    assert styled(message) == [("bold", "bold word"), ("code", "code")]


def test_links_and_code_blocks_keep_their_details() -> None:
    message = render_markdown(
        "See [the paper](https://arxiv.org/abs/1503.02531).\n\n```python\nx = 1\n```"
    )

    assert message.entities == [
        {"type": "text_link", "offset": 4, "length": 9, "url": "https://arxiv.org/abs/1503.02531"},
        {"type": "pre", "offset": 16, "length": 5, "language": "python"},
    ]


def test_lists_render_with_bullets_and_no_trailing_space() -> None:
    message = render_markdown("Two things:\n\n- one\n- **two**\n")

    assert message.text == "Two things:\n\n• one\n• two"
    assert styled(message) == [("bold", "two")]


def test_join_shifts_entities_past_non_bmp_text() -> None:
    joined = join_messages([render_markdown("😀😀 **a**"), render_markdown("**b** 🎯 _c_")])

    assert styled(joined) == [("bold", "a"), ("bold", "b"), ("italic", "c")]


paragraphs = st.lists(
    st.tuples(
        st.text(alphabet="ab 😀é", min_size=1, max_size=60).map(str.strip).filter(bool),
        st.booleans(),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(paragraphs=paragraphs, limit=st.integers(min_value=70, max_value=400))
def test_split_keeps_every_piece_within_the_limit_and_loses_nothing(
    paragraphs: list[tuple[str, bool]], limit: int
) -> None:
    parts = [
        RenderedMessage(
            text, [Entity(type="bold", offset=0, length=utf16_length(text))] if bold else []
        )
        for text, bold in paragraphs
    ]
    whole = join_messages(parts)

    pieces = split_message(whole, limit)

    assert all(utf16_length(piece.text) <= limit for piece in pieces)
    assert PARAGRAPH_SEPARATOR.join(piece.text for piece in pieces) == whole.text
    assert [pair for piece in pieces for pair in styled(piece)] == styled(whole)


def test_split_packs_paragraphs_greedily() -> None:
    whole = render_markdown("\n\n".join(["x" * 40] * 5))

    pieces = split_message(whole, 100)

    # 40 + 2 + 40 = 82 fits; a third paragraph would make 124.
    assert [piece.text for piece in pieces] == ["x" * 40 + "\n\n" + "x" * 40] * 2 + ["x" * 40]


def test_split_never_breaks_inside_a_code_block() -> None:
    code = "```\nfirst = 1\n\nsecond = 2\n```"
    whole = render_markdown(f"{'y' * 30}\n\n{code}\n\n{'z' * 30}")

    pieces = split_message(whole, 40)

    assert "first = 1\n\nsecond = 2" in [piece.text for piece in pieces]
    assert ("pre", "first = 1\n\nsecond = 2") in [
        pair for piece in pieces for pair in styled(piece)
    ]


def test_an_oversized_paragraph_is_cut_to_fit() -> None:
    whole = render_markdown("**" + "🙂 long line\n" * 30 + "end**")

    pieces = split_message(whole, 100)

    assert all(utf16_length(piece.text) <= 100 for piece in pieces)
    assert "".join(piece.text for piece in pieces) == whole.text
    assert all(piece.entities[0]["type"] == "bold" for piece in pieces)


def test_drop_starts_with_its_header(course_folder: Path) -> None:
    course = load_course(course_folder)

    first = render_drop(course.drop("2.2"), course)[0]

    title = "Temperature is what makes 'dark knowledge' visible"
    assert first.text.startswith(
        "Phase 2 · One Student-Teacher Step, In Detail\n"
        f"Drop 2.2 · 6 of 14 · ~7 min read\n\n{title}\n\n{PARAGRAPH[:30]}"
    )
    assert ("bold", title) in styled(first)


def test_drop_ends_with_the_try_line_as_copyable_code(course_folder: Path) -> None:
    write_drop(course_folder, "1.2", meta={"try": "mode=temperature digit=7"})
    course = load_course(course_folder)

    messages = render_drop(course.drop("1.2"), course)

    assert messages[-1].text.endswith(
        "\n\n🧪 Try it: /distill mode=temperature digit=7 (tap ▶️ Run it)"
    )
    assert styled(messages[-1])[-1] == ("code", "/distill mode=temperature digit=7")


def test_drop_without_try_has_no_try_line(course_folder: Path) -> None:
    course = load_course(course_folder)

    messages = render_drop(course.drop("1.1"), course)

    assert "Try it:" not in messages[-1].text
    assert messages[-1].text.endswith("Further reading: Hinton, Vinyals & Dean (2015).")


def test_a_long_drop_is_split_with_the_header_only_first(course_folder: Path) -> None:
    emoji_paragraph = "🧪 **Bold start.** " + PARAGRAPH
    body = "\n\n".join([emoji_paragraph] * 3) + "\n\n**Further reading:** Someone (2020)."
    write_drop(course_folder, "3.3", body=body)
    course = load_course(course_folder)

    messages = render_drop(course.drop("3.3"), course)

    assert len(messages) == 3  # one card a section: each paragraph is ~1,000 units
    assert all(utf16_length(message.text) <= CARD_MAX for message in messages)
    assert messages[0].text.startswith("Phase 3 ·")
    assert [m.text.split("\n")[0] for m in messages[1:]] == [
        "Drop 3.3 · card 2 of 3",
        "Drop 3.3 · card 3 of 3",
    ]
    bold = [text for message in messages for kind, text in styled(message) if kind == "bold"]
    assert bold.count("Bold start.") == 3


def test_faq_entry_is_question_in_bold_then_answer(course_folder: Path) -> None:
    course = load_course(course_folder)
    entry = course.faq[1]

    (message,) = render_faq_entry(entry)

    assert message.text == f"{entry.question}\nA short, plain answer with one bold phrase in it."
    assert styled(message) == [("bold", entry.question), ("bold", "one bold phrase")]

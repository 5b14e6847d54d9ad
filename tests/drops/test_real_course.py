"""The shipped course: every drop and the FAQ load, render within Telegram's limits."""

from __future__ import annotations

import subprocess
import sys

import pytest

from drops import outline
from drops.loader import ContentError, default_folder, load_course
from drops.render import (
    CARD_MAX,
    MESSAGE_LIMIT,
    render_cards,
    render_drop,
    render_faq_entry,
    utf16_length,
)

_FOLDER = default_folder()
_MISSING = [
    name
    for name in [*(f"{entry.id}.md" for entry in outline.DROPS), "faq.md"]
    if not (_FOLDER / name).is_file()
]
requires_all_files = pytest.mark.skipif(
    bool(_MISSING), reason=f"course files still being written: {', '.join(_MISSING)}"
)


@requires_all_files
def test_the_shipped_course_loads_and_every_message_fits() -> None:
    course = load_course()

    assert len(course) == 14 and len(course.faq) == 5
    for drop in course.drops:
        for message in render_drop(drop, course):
            assert utf16_length(message.text) <= MESSAGE_LIMIT, drop.id
    for entry in course.faq:
        for message in render_faq_entry(entry):
            assert utf16_length(message.text) <= MESSAGE_LIMIT, entry.question


@requires_all_files
@pytest.mark.parametrize("runnable", [True, False])  # False: the offline Try-it line
def test_every_drop_reads_as_cards_a_phone_screen_holds(runnable: bool) -> None:
    course = load_course()
    sizes = {
        d.id: [utf16_length(c.message.text) for c in render_cards(d, course, runnable=runnable)]
        for d in course.drops
    }

    assert all(3 <= len(cards) <= 6 for cards in sizes.values()), sizes
    assert max(max(cards) for cards in sizes.values()) <= CARD_MAX, sizes
    # About 600-1,500 each: a longer one only where a paragraph and its list can't part.
    every = [size for cards in sizes.values() for size in cards]
    assert min(every) >= 600 and sum(size <= 1500 for size in every) >= len(every) - 2, sizes


@requires_all_files
def test_a_figure_comes_with_the_card_that_mentions_it() -> None:
    course = load_course()
    for drop in course.drops:
        cards = render_cards(drop, course)
        with_figure = [n for n, card in enumerate(cards) if card.figure]
        assert len(with_figure) == (drop.figure is not None), drop.id
        mentions = [n for n, card in enumerate(cards) if "figure" in card.message.text.lower()]
        if with_figure:  # the first card that mentions it; with none, the last card
            assert with_figure[0] == (mentions[0] if mentions else len(cards) - 1), drop.id


@requires_all_files
def test_headers_use_one_numbering_and_drop_4_1_counts_its_steps() -> None:
    course = load_course()
    first = render_cards(course.drop("2.2"), course)[0].message.text
    assert "Drop 2.2 · 6 of 14 · ~7 min read" in first
    plan = render_cards(course.drop("4.1"), course)[0].message.text
    assert "Drop 4.1 · 14 of 14 · ~5 min read, then 10 steps to work through (~20 min)" in plan


def test_phase_one_drops_and_faq_have_no_problems() -> None:
    # Checked apart from the rest so this stays useful while other drops are written.
    ours = {*(f"{entry.id}.md" for entry in outline.DROPS if entry.phase == 1), "faq.md"}
    if not all((_FOLDER / name).is_file() for name in ours):
        pytest.skip("phase 1 drops or the FAQ not written yet")
    try:
        load_course()
    except ContentError as error:
        problems = [str(p) for p in error.problems if p.file.rsplit("/", 1)[-1] in ours]
        assert problems == []


def test_loading_the_course_imports_neither_torch_nor_telegram() -> None:
    code = (
        "import sys\n"
        "from bot.services.content_check import check_content\n"
        "from drops.render import render_markdown\n"
        "check_content(); render_markdown('**x**')\n"
        "print(sorted(m for m in ('torch', 'telegram', 'transformers') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    assert result.stdout.strip() == "[]"


def test_one_numbering_names_each_drop_both_ways() -> None:
    assert outline.drop_label("2.2") == "Drop 2.2 · 6 of 14"
    assert outline.drop_label("4.1") == "Drop 4.1 · 14 of 14"
    course = load_course()
    assert course.find("6") is course.find("2.2") is course.drop("2.2")
    assert course.find(" 14 ") is course.drop("4.1")
    bad_names = ("0", "15", "2.9", "six", "", "-1", "1.1.1", "²", "٣")
    assert [course.find(bad) for bad in bad_names] == [None] * len(bad_names)

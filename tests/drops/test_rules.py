from __future__ import annotations

import pytest

from drops.rules import check_markdown, word_count


@pytest.mark.parametrize(
    "markdown",
    [
        "If p<q and q>r, the order is p, q, r.",
        "Multiply 3 * 4 * 5 and keep per_class small.",
        "Use `<b>` or `| a | b |` in code: it is shown as written.",
        "A [link](https://arxiv.org/abs/1503.02531) and **bold** and _italic_.",
        "- a list\n- of items\n\n1. numbered\n2. too",
    ],
)
def test_ordinary_prose_breaks_no_rule(markdown: str) -> None:
    assert check_markdown(markdown) == []


def test_words_are_counted_like_wc() -> None:
    assert word_count("**Further reading:** Hinton (2015),\n\n- one  two") == 7

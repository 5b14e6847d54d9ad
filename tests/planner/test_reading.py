"""What the planner reads from a pasted prompt, and the token estimate it documents."""

from __future__ import annotations

from bot.core.planner.choices import OutputKind
from bot.core.planner.reading import FieldKind, estimate_tokens, fact_lines, read_prompt


def test_the_token_estimate_is_four_characters_for_latin_text_one_per_cjk_character() -> None:
    assert estimate_tokens("x" * 400) == 100
    assert estimate_tokens("汉字" * 10) == 20
    assert estimate_tokens("Привет" * 5) == 12  # 30 characters ÷ 2.5


def test_a_german_prompt_is_read_as_german_and_its_stated_length_as_input() -> None:
    facts = read_prompt(
        "Fasse die E-Mail des Kunden zusammen und nenne die Bitte, die er an uns hat. "
        "Die E-Mails sind meist etwa 400 words lang, und sie kommen nicht mit Anhang."
    )
    assert facts.languages == ("German",) and facts.multilingual
    assert facts.input_tokens == 534  # 400 words ÷ 0.75


def test_examples_and_a_stated_token_count_are_found() -> None:
    facts = read_prompt(
        "Label the sentiment of the review as positive, negative or neutral. Reviews are up "
        "to 2k tokens.\nInput: Great phone\nLabel: positive\nInput: Broke in a week\n"
        "Label: negative"
    )
    assert facts.output_kind is OutputKind.LABEL
    assert facts.fields[0].labels == ("positive", "negative", "neutral")
    assert facts.examples == 2
    assert facts.input_tokens == 2_000  # "Reviews are up to 2k tokens": the input


def test_a_length_after_an_output_word_limits_the_output() -> None:
    facts = read_prompt("Reply to the customer's email in at most 120 words.")
    assert facts.output_tokens == 160 and facts.input_tokens is None


def test_minutes_of_speech_become_words_then_tokens() -> None:
    facts = read_prompt("Write minutes for our 45-minute meetings from the transcript.")
    assert facts.input_tokens == 9_000  # 45 × 150 words ÷ 0.75
    assert "150 spoken words a minute" in facts.input_basis


def test_nothing_stated_means_nothing_invented() -> None:
    facts = read_prompt("Sort our support tickets into queues.")
    assert facts.output_kind is None and facts.fields == () and facts.input_tokens is None
    assert facts.languages == ("English",)
    assert "Examples in the prompt: none." in fact_lines(facts)


def test_a_json_schema_in_the_prompt_names_its_fields() -> None:
    facts = read_prompt('Return {"score": 3, "reason": "..."} for the essay below.')
    assert [(f.name, f.kind) for f in facts.fields] == [
        ("score", FieldKind.NUMBER),
        ("reason", FieldKind.FREE_TEXT),
    ]

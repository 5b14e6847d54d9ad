"""Every accepted setting changes the run; every other one is refused before a run starts."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kd_sandbox.spec import (
    BUG_DEFAULTS,
    CHOICES,
    MODES,
    RANGES,
    HelpRequested,
    OnPolicyRun,
    RunSpec,
    SettingsError,
    help_text,
    parse_settings,
    run_config,
    settings_of,
)

ALL_SETTINGS = [*RANGES, *(k for k in CHOICES if k != "mode")]
SAMPLE = {
    "T": "2",
    "alpha": "0.5",
    "steps": "50",
    "hidden": "8",
    "per_class": "5",
    "lr": "0.02",
    "seed": "7",
    "digit": "5",
    "beta": "0.3",
    "bug": "probs",
    "divergence": "reverse",
    "optimizer": "sgd",
    "problems": "1024",
    "noise": "0.1",
}


def test_every_setting_has_a_sample_value() -> None:
    assert set(SAMPLE) == set(ALL_SETTINGS)


@pytest.mark.parametrize("mode", list(MODES))
def test_a_setting_the_mode_does_not_read_is_refused_by_name(mode: str) -> None:
    for key in ALL_SETTINGS:
        if key in settings_of(mode):
            continue
        with pytest.raises(SettingsError) as refused:
            parse_settings(f"mode={mode} {key}={SAMPLE[key]}")
        message = str(refused.value)
        assert f"`{key}` does nothing in mode={mode}" in message
        assert "no run was started" in message
        assert f"mode={mode} takes: {', '.join(settings_of(mode))}" in message


def test_the_issue_example_is_refused_and_t_is_read_by_onpolicy() -> None:
    with pytest.raises(SettingsError, match="`alpha` does nothing in mode=onpolicy"):
        parse_settings("mode=onpolicy T=2 alpha=0.1")
    config = run_config(parse_settings("mode=onpolicy T=2"))
    assert isinstance(config, OnPolicyRun) and config.T == 2.0


def test_beta_is_refused_unless_the_divergence_is_jsd() -> None:
    with pytest.raises(SettingsError, match="only with divergence=jsd"):
        parse_settings("mode=onpolicy beta=0.3")
    assert run_config(parse_settings("mode=onpolicy divergence=jsd beta=0.3")) == OnPolicyRun(
        T=1.0, divergence="jsd", beta=0.3, steps=200, hidden=16, lr=0.01, seed=0
    )


def test_a_run_configuration_holds_exactly_the_settings_its_mode_reads() -> None:
    for mode in MODES:
        config = run_config(parse_settings(f"mode={mode}"))
        assert config.mode == mode
        assert [f.name for f in fields(config)] == list(settings_of(mode))


def test_stored_settings_list_only_what_the_run_used() -> None:
    spec = parse_settings("mode=onpolicy T=2 divergence=jsd beta=0.2 steps=40")
    assert spec.as_settings() == "mode=onpolicy T=2 steps=40 divergence=jsd beta=0.2"
    assert set(spec.used()) == {"mode", *settings_of("onpolicy")}


def test_a_bug_brings_its_own_defaults_and_typed_settings_win() -> None:
    spec = parse_settings("bug=no_t2")
    for key, value in BUG_DEFAULTS["no_t2"].items():
        assert getattr(spec, key) == value
    assert parse_settings("bug=no_t2 T=4").T == 4.0
    assert parse_settings(spec.as_settings()) == spec


def test_help_names_the_teacher_a_bug_brings() -> None:
    assert "train_teacher: a teacher with dropout 0.5" in help_text("compare")


def test_help_is_short_lists_each_mode_and_points_to_a_modes_own_help() -> None:
    text = help_text()
    for mode in MODES:
        assert f"`mode={mode}`" in text
    assert "/distill help mode=" in text
    assert len(text) <= 1000 and text.count("\n") <= 12  # one phone screen


@pytest.mark.parametrize("mode", list(MODES))
def test_help_for_one_mode_gives_ranges_and_that_modes_defaults(mode: str) -> None:
    text = help_text(mode)
    defaults = parse_settings(f"mode={mode}")
    for key in settings_of(mode):
        assert f"`{key}`" in text
        if key in RANGES:
            assert RANGES[key].describe() in text
        value = getattr(defaults, key)
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        assert f"(default {shown})" in text
    assert len(text) <= 4096


def test_help_mode_typed_as_settings_raises_help_requested() -> None:
    with pytest.raises(HelpRequested) as asked:
        parse_settings("help mode=tokens")
    assert str(asked.value) == help_text("tokens")
    with pytest.raises(SettingsError, match="at most `mode="):
        parse_settings("help T=2")


def _value(key: str) -> st.SearchStrategy[str]:
    if key in CHOICES:
        return st.sampled_from(CHOICES[key])
    rng = RANGES[key]
    if rng.kind is int:
        return st.integers(int(rng.low), int(rng.high)).map(str)
    return st.floats(rng.low, rng.high, allow_nan=False).map(lambda v: f"{v:.4g}")


@st.composite
def accepted_specs(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """A mode and some of the settings it reads, with values in range."""
    mode = draw(st.sampled_from(list(MODES)))
    keys = draw(st.lists(st.sampled_from(settings_of(mode)), unique=True, max_size=6))
    typed = {key: draw(_value(key)) for key in keys}
    if "beta" in typed:
        typed["divergence"] = "jsd"
    if _idle_bug(typed):
        typed["alpha"] = "0.5"
    return mode, typed


def _idle_bug(typed: dict[str, str]) -> bool:
    """A bug with alpha=0: refused, as it would change nothing."""
    return typed.get("bug", "none") != "none" and float(typed.get("alpha", "1")) == 0


def _text(mode: str, typed: dict[str, str]) -> str:
    return " ".join([f"mode={mode}", *(f"{k}={v}" for k, v in typed.items())])


@settings(max_examples=300, deadline=None)
@given(accepted_specs(), st.data())
def test_changing_any_accepted_setting_changes_the_run_configuration(
    drawn: tuple[str, dict[str, str]], data: st.DataObject
) -> None:
    mode, typed = drawn
    spec = parse_settings(_text(mode, typed))
    assert parse_settings(spec.as_settings()) == spec
    key = data.draw(st.sampled_from(settings_of(mode)))
    changed = dict(typed)
    if key == "beta":
        changed["divergence"] = "jsd"
    if key == "divergence":
        changed.pop("beta", None)  # beta is refused once the divergence is not jsd
    changed[key] = data.draw(_value(key).filter(lambda v: _parsed(key, v) != getattr(spec, key)))
    assume(not _idle_bug(changed))
    other = parse_settings(_text(mode, changed))
    assert run_config(other) != run_config(spec)
    assert other.as_settings() != spec.as_settings()


def _parsed(key: str, raw: str) -> object:
    return raw if key in CHOICES else RANGES[key].kind(raw)


def test_every_drop_try_line_still_parses() -> None:
    for path in sorted(Path(__file__).parents[2].glob("drops/*.md")):
        for line in path.read_text().splitlines():
            if line.startswith("try: "):
                parse_settings(line.removeprefix("try: ").strip().strip('"'))


def test_every_spec_default_is_in_range() -> None:
    for mode in MODES:
        spec = parse_settings(f"mode={mode}")
        assert isinstance(spec, RunSpec)
        for key in settings_of(mode):
            value = getattr(spec, key)
            if key in RANGES:
                assert RANGES[key].low <= value <= RANGES[key].high
            else:
                assert value in CHOICES[key]


@pytest.mark.parametrize("typed", ["Alpha=0.5 Steps=300", "ALPHA=0.5 steps=300 Mode=COMPARE"])
def test_a_setting_is_read_whatever_the_case_of_its_name(typed: str) -> None:
    assert parse_settings(typed) == parse_settings("alpha=0.5 steps=300")


@pytest.mark.parametrize("typed", ["lr=0,05", "steps=1,000", "T=2 alpha=0,5"])
def test_a_comma_inside_a_number_is_named_not_split_into_two_settings(typed: str) -> None:
    with pytest.raises(SettingsError, match="without commas, decimals with a dot"):
        parse_settings(typed)


def test_settings_separated_by_commas_still_parse() -> None:
    assert parse_settings("T=2,alpha=0.5, steps=300") == parse_settings("T=2 alpha=0.5 steps=300")


@pytest.mark.parametrize(
    ("typed", "written"), [("steps=1e3", "steps=1000"), ("seed=7.0", "seed=7")]
)
def test_a_whole_number_in_float_notation_is_answered_with_its_digits(typed, written) -> None:
    # "`steps=1e3` is not a whole number from 10 to 3000": but 1e3 is 1000, in range.
    with pytest.raises(SettingsError) as refused:
        parse_settings(typed)
    assert "is not a whole number" not in str(refused.value)
    assert f"`{written}`" in str(refused.value)


def test_a_whole_number_out_of_range_in_float_notation_is_still_refused() -> None:
    with pytest.raises(SettingsError, match="out of range"):
        parse_settings("steps=1e9")
    with pytest.raises(SettingsError, match="not a whole number"):
        parse_settings("steps=1.5")


@pytest.mark.parametrize(
    "typed", ["bug=probs alpha=0", "bug=mean alpha=0", "mode=omit bug=swapped a=0"]
)
def test_a_bug_with_alpha_0_is_refused_as_it_would_change_nothing(typed: str) -> None:
    # At alpha=0 the soft term weighs nothing: the "broken" arm trained exactly as the
    # correct one, and bug=probs's caption still said the KL "went negative".
    with pytest.raises(SettingsError, match="would change nothing") as refused:
        parse_settings(typed)
    assert "alpha" in str(refused.value)
    assert parse_settings("alpha=0").alpha == 0  # without a bug, alpha=0 is hard labels


def test_a_typed_setting_equal_to_the_default_is_echoed() -> None:
    assert parse_settings("T=4").as_settings() == "T=4"
    assert parse_settings("mode=compare bug=none").as_settings() == "mode=compare bug=none"
    assert parse_settings("").as_settings() == ""
    assert parse_settings("T=4") == parse_settings("")  # the same run

"""mode=preference's pieces: the dSFT habit, the property, and the teacher's judgement."""

from __future__ import annotations

from pathlib import Path

import pytest

from kd_sandbox.lm.preference import BARE_SHARE, dsft_data, shows_work, teacher_judgement
from kd_sandbox.lm.teacher import Teacher, load_or_train_teacher
from kd_sandbox.lm.training import encode_completions, score_in_chunks
from tests.kd_sandbox_lm.conftest import TINY_TEACHER


def _teacher(cache: Path) -> Teacher:
    return load_or_train_teacher(cache, TINY_TEACHER)


def test_dsft_data_cuts_about_half_the_answers_to_the_bare_answer(tiny_cache: Path) -> None:
    teacher = _teacher(tiny_cache)
    data = dsft_data(teacher, seed=3)
    bare_share = 1.0 - float(shows_work(teacher, data).float().mean())
    assert abs(bare_share - BARE_SHARE) < 0.1
    assert bool((dsft_data(teacher, seed=3).ids == data.ids).all())  # the same for a seed
    assert not bool((dsft_data(teacher, seed=4).ids == data.ids).all())


def test_shows_work_reads_the_first_completion_token(tiny_cache: Path) -> None:
    teacher = _teacher(tiny_cache)
    chain = teacher.heldout_chains[0]
    worked = chain.completion(with_trace=True)
    bare = chain.completion(with_trace=False)
    batch = encode_completions(teacher.tokenizer, [chain, chain], [worked, bare])
    assert shows_work(teacher, batch).tolist() == [True, False]


def test_the_teacher_judges_per_token_and_prefers_the_worked_answer(
    tiny_cache: Path,
) -> None:
    teacher = _teacher(tiny_cache)
    chain = teacher.heldout_chains[0]
    worked, bare = chain.completion(with_trace=True), chain.completion(with_trace=False)
    batch = encode_completions(teacher.tokenizer, [chain, chain], [worked, bare])
    totals = score_in_chunks(teacher.model, batch)
    judged = teacher_judgement(teacher, batch)
    tokens = [len(worked) + 1, len(bare) + 1]  # with <eos>
    assert judged.tolist() == pytest.approx(
        [t / n for t, n in zip(totals.tolist(), tokens, strict=True)]
    )
    assert judged[0] > judged[1]  # a teacher that always works prefers the worked answer


def test_the_preference_panels_label_their_axes_in_full_and_name_no_dash_one_arm_lacks() -> None:
    """The drafts panel's axis said "show their work (—), right (- -)", true only of the
    red arm (the blue one draws dash-dot and dotted), and ran off the top of its panel."""
    from kd_sandbox.lm.plots import panels_figure
    from kd_sandbox.lm.preference import ArmCurves, drafts_panel, logratio_panel
    from kd_sandbox.lm.training import Curve

    def arm(level: float) -> ArmCurves:
        curve = Curve([0, 50, 100], [0.2, level, level])
        return ArmCurves(curve, curve, curve, curve, curve, curve)

    dpo, sft = arm(0.9), arm(0.5)
    figure = panels_figure("preference", [logratio_panel(dpo, sft), drafts_panel(dpo, sft, 0.8)])
    figure.canvas.draw()
    whole = figure.bbox
    for axes in figure.axes:
        label = axes.yaxis.label
        assert "—" not in label.get_text() and "- -" not in label.get_text()
        box = label.get_window_extent()
        assert whole.y0 <= box.y0 and box.y1 <= whole.y1, label.get_text()

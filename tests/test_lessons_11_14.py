"""Lessons 11–14: headers, notebooks, and exercise checks that pass on the solutions and
fail (kindly) on the untouched exercises and on wrong answers.

Running the lessons themselves is CI's job (``tinygrad-rnn lesson N --fast``); here we keep to
what is fast.
"""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import get_lesson, lessons_dir, run_checks, to_notebook

NUMBERS = [11, 12, 13, 14]


def _checks_module(number: int):
    path = next((lessons_dir() / "checks").glob(f"{number:02d}_*.py"))
    spec = importlib.util.spec_from_file_location(f"_test_checks_{number}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("number", NUMBERS)
def test_header_and_notebook(number: int) -> None:
    lesson = get_lesson(number)
    assert lesson.title.startswith(f"{number}. ") and len(lesson.title) > 6
    assert lesson.summary and not lesson.summary.startswith(">")
    nb = to_notebook(lesson.path)
    assert nb["cells"][0]["cell_type"] == "markdown"
    assert nb["cells"][0]["source"][0].startswith(f"# {number}. ")
    kinds = {c["cell_type"] for c in nb["cells"]}
    assert kinds == {"markdown", "code"}
    # every lesson writes a picture into out_dir() and says which exercise file to edit
    text = lesson.path.read_text(encoding="utf-8")
    assert "out_dir(" in text and ("savefig" in text or "tg.viz.render" in text)
    assert f"tinygrad-rnn check {number}" in text and f"lessons/exercises/{lesson.stem}.py" in text


@pytest.mark.parametrize("number", NUMBERS)
def test_solutions_pass_every_check(number: int) -> None:
    outcomes = run_checks(number, use_solutions=True)
    assert len(outcomes) >= 1
    bad = [(o.name, o.message) for o in outcomes if not o.ok]
    assert not bad


@pytest.mark.parametrize("number", NUMBERS)
def test_untouched_exercises_fail_kindly(number: int) -> None:
    outcomes = run_checks(number, use_solutions=False)
    assert outcomes and all(not o.ok for o in outcomes)
    for o in outcomes:
        assert o.message.startswith("not written yet") and "Hint:" in o.message


def test_wrong_answers_are_caught_with_a_reason() -> None:
    # lesson 11: swapping the state's batch-first rule
    c11 = dict((fn, check) for _, fn, check, _ in _checks_module(11).CHECKS)
    with pytest.raises(AssertionError, match="but the layer returns"):
        c11["lstm_shapes"](lambda T, B, I, H, num_layers=1, bidirectional=False, batch_first=False, proj_size=0:
                           (((B, T) if batch_first else (T, B)) + ((2 if bidirectional else 1) * H,),
                            ((B, 2 * num_layers if bidirectional else num_layers, H) if batch_first
                             else ((2 if bidirectional else 1) * num_layers, B, H)),
                            ((2 if bidirectional else 1) * num_layers, B, H)))
    # the backward direction's final state is not at t = n - 1
    with pytest.raises(AssertionError, match="backward"):
        c11["final_states_from_output"](lambda out, lengths, H: np.stack(
            [np.stack([out[n - 1, b, :H] for b, n in enumerate(lengths)]),
             np.stack([out[n - 1, b, H:] for b, n in enumerate(lengths)])]))
    # lesson 12: counting an op used twice twice
    c12 = dict((fn, check) for _, fn, check, _ in _checks_module(12).CHECKS)

    def count_with_repeats(t):
        if t._ctx is None:
            return 0
        return 1 + sum(count_with_repeats(p) for p in t._ctx.parents if isinstance(p, tg.Tensor))
    with pytest.raises(AssertionError, match="counted once"):
        c12["count_ops"](count_with_repeats)
    # lesson 14: a softmax over the wrong axis
    c14 = dict((fn, check) for _, fn, check, _ in _checks_module(14).CHECKS)

    def wrong_axis(scores, lengths):
        e = np.exp(scores - scores.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)
    with pytest.raises(AssertionError):
        c14["masked_attention"](wrong_axis)

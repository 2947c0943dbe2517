"""The numbers a lesson states come from what it computes, and its pictures read in order.

Each test runs one short lesson in this Python (``runpy``, small sizes, pictures into a
temporary folder), keeps the lesson's globals, and compares what it printed with the values
it computed; a sentence that quoted a fixed number would fail here as soon as the number
moved. Only lessons that run in seconds are used.
"""
from __future__ import annotations

import json
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import get_lesson


def _run(number: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> tuple[dict, str]:
    monkeypatch.setenv("TINYGRAD_RNN_FAST", "1")
    monkeypatch.setenv("TINYGRAD_RNN_OUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    dtype = tg.get_default_dtype()
    try:
        globs = runpy.run_path(str(get_lesson(number).path), run_name="__lesson__")
    finally:
        tg.set_default_dtype(dtype)
    return globs, capsys.readouterr().out


#: the widest picture a lesson page shows at full size, in pixels
PAGE_WIDTH = 1330


def _pictures_fit_a_page(folder: Path) -> None:
    pngs = sorted(folder.rglob("*.png"))
    assert pngs, f"no picture in {folder}"
    for png in pngs:
        head = png.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", png.name
        width = int.from_bytes(head[16:20], "big")
        assert width <= PAGE_WIDTH, f"{png.name} is {width} px wide (at most {PAGE_WIDTH})"


def test_lesson_1_prints_the_best_steps_it_measured(tmp_path, monkeypatch, capsys) -> None:
    g, out = _run(1, tmp_path, monkeypatch, capsys)
    m = re.search(r"central difference: best at h = (\S+), error (\S+), (\d+) times smaller", out)
    assert m, out
    assert float(m.group(1)) == pytest.approx(g["h_central"], rel=0.05)
    assert float(m.group(2)) == pytest.approx(g["best_central"], rel=0.05)
    assert int(m.group(3)) == round(g["best_forward"] / g["best_central"])
    m = re.search(r"at q: (\S+) \(q = (\S+), tanh′\(q\) = 1 − s² = (\S+)\)", out)
    assert m, out
    assert float(m.group(1)) == pytest.approx(abs(g["tq"].grad.item()), rel=0.01)
    assert float(m.group(3)) == pytest.approx(1 - g["ts"].item() ** 2, rel=0.01)


def test_lesson_4_prints_the_one_unit_factors_and_the_wall(tmp_path, monkeypatch, capsys) -> None:
    g, out = _run(4, tmp_path, monkeypatch, capsys)
    m = re.search(r"w = 1\.5: the first 10 steps multiply by (\S+); the state settles at s ≈ (\S+), "
                  r"where each factor is 1\.5 · \(1 − \S+²\) ≈ (\S+)", out)
    assert m, out
    factors = g["scalar_factors"][1.5]
    assert float(m.group(1)) == pytest.approx(np.prod(factors[:10]), rel=0.01)
    assert float(m.group(2)) == pytest.approx(g["scalar_state"][1.5], abs=0.006)
    assert float(m.group(3)) == pytest.approx(factors[-1], abs=0.01)
    m = re.search(r"the wall: \|dL/dw\| > 100 for w in \[(\S+), (\S+)\]", out)
    assert m, out
    assert (float(m.group(1)), float(m.group(2))) == pytest.approx((g["wall_lo"], g["wall_hi"]), abs=1e-5)
    assert g["wall_lo"] < g["w_start"] < g["wall_hi"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_lesson_3_unrolled_graph_reads_in_time_order(tmp_path, monkeypatch, capsys) -> None:
    g, _ = _run(3, tmp_path, monkeypatch, capsys)
    U, W, V = g["U"], g["W"], g["V"]
    # the same drawing as the lesson's picture, of a fresh graph of the same sequence
    E, _, _ = g["unroll"](g["cell"], g["readout"], g["xs_np"], g["ys"])
    tg.viz.backward_with_grads(E)
    dot = tg.viz.to_dot(E, params={"U (weight_ih)": U, "W (weight_hh)": W, "V (readout)": V})
    layout = json.loads(subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True,
                                       check=True).stdout)
    tops = {}
    for obj in layout.get("objects", []):
        if str(obj.get("label", "")).startswith("t=") and "bb" in obj:    # a cluster, not a row in it
            tops[int(obj["label"][2:])] = float(obj["bb"].split(",")[3])     # upper edge (y grows upwards)
    assert sorted(tops) == [1, 2, 3, 4]
    assert [t for t, _ in sorted(tops.items(), key=lambda kv: -kv[1])] == [1, 2, 3, 4], tops
    # and the lesson's pictures fit a page (the unrolled graph was 1429 px wide)
    _pictures_fit_a_page(tmp_path)


def test_lesson_5_prints_the_belt_decay_of_its_own_drawing(tmp_path, monkeypatch, capsys) -> None:
    g, out = _run(5, tmp_path, monkeypatch, capsys)
    for name, row in (("PyTorch init", g["belt_pytorch"]), ("forget bias 1", g["belt_bias_1"])):
        m = re.search(rf"{re.escape(name)}\s+‖∂L/∂c_t‖ from \S+ at t = \d+ to \S+ at t = 0: ÷(\S+) per step back", out)
        assert m, out
        assert float(m.group(1)) == pytest.approx((row[-1] / row[0]) ** (1 / (len(row) - 1)), abs=0.006)
    # the rows are the gradients the drawing shows: the last step's c gets more than the first's
    assert g["belt_pytorch"][-1] > g["belt_pytorch"][0]
    _pictures_fit_a_page(tmp_path)          # the two-step LSTM graph too

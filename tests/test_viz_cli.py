"""`tinygrad-rnn graph` and `tinygrad-rnn gradflow`."""
from __future__ import annotations

import importlib
import re

import pytest

from tinygrad_rnn.cli.main import main

render_mod = importlib.import_module("tinygrad_rnn.viz.render")   # the module (tg.viz.render is the function)


def test_graph_writes_svg_and_says_where(tmp_path, capsys):
    out = tmp_path / "lstm.svg"
    assert main(["graph", "--cell", "lstm", "--steps", "4", "--hidden", "3", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    body = out.read_text()
    assert "<svg" in body and "t=3" in body and "forget bias 0 (PyTorch default)" in body


def test_graph_collapsed_png_and_format_override(tmp_path):
    out = tmp_path / "rnn.png"
    assert main(["graph", "--cell", "rnn", "--steps", "20", "--collapse", "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    dot = tmp_path / "lstm.txt"
    assert main(["graph", "--cell", "lstm", "--forget-bias", "1", "--collapse", "--format", "dot",
                 "--out", str(dot)]) == 0
    text = dot.read_text()
    assert text.startswith("digraph G {") and "forget bias 1 (TF/Keras style)" in text


def test_graph_without_dot_writes_the_dot_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(render_mod.shutil, "which", lambda name: None)
    out = tmp_path / "g.png"
    assert main(["graph", "--cell", "gru", "--steps", "2", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert (tmp_path / "g.dot").read_text().startswith("digraph G {")
    assert f"dot -Tpng {tmp_path / 'g.dot'} -o {out}" in err and "apt-get install graphviz" in err
    assert not out.exists()


def test_graph_params_and_steps_per_row_options(tmp_path):
    out = tmp_path / "gru.dot"
    assert main(["graph", "--cell", "gru", "--steps", "2", "--params", "shared", "--out", str(out)]) == 0
    shared = out.read_text()
    assert r'label="weight_hh\n' in shared and "transposed;" not in shared     # no stubs
    assert main(["graph", "--cell", "gru", "--steps", "2", "--out", str(out)]) == 0
    stubs = out.read_text()
    assert stubs.count('label="W_hhᵀ", tooltip="weight_hh (9, 3) transposed;') == 2   # one stub a step
    assert r'label="weight_hh\n' not in stubs and 'label="1 − z"' in stubs
    assert main(["graph", "--cell", "gru", "--steps", "2", "--hide-params", "--out", str(out)]) == 0
    hidden = out.read_text()
    assert main(["graph", "--cell", "gru", "--steps", "2", "--params", "hidden", "--out", str(out)]) == 0
    assert out.read_text() == hidden and "W_hh" not in hidden.replace("W_hhᵀ", "")
    assert main(["graph", "--cell", "rnn", "--steps", "12", "--collapse", "--steps-per-row", "4",
                 "--out", str(out)]) == 0
    assert out.read_text().count("{rank=same; row") == 3


def test_gradflow_chart(tmp_path, capsys):
    out = tmp_path / "flow.png"
    assert main(["gradflow", "--cells", "rnn,lstm,lstm:1,gru", "--steps", "15", "--hidden", "4",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "LSTM, forget bias 1" in text and f"wrote {out}" in text
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_gradflow_summary_names_each_time_step_once(tmp_path, capsys):
    for steps, shown in ((1, ["t=0"]), (2, ["t=0", "t=1"]), (5, ["t=0", "t=2", "t=4"])):
        assert main(["gradflow", "--cells", "rnn,gru", "--steps", str(steps), "--hidden", "3",
                     "--out", str(tmp_path / "flow.png")]) == 0
        lines = [line for line in capsys.readouterr().out.splitlines() if "|dL/dh_t|" in line]
        assert len(lines) == 2
        for line in lines:
            assert re.findall(r"t=\d+", line) == shown, line


@pytest.mark.parametrize("argv,msg", [
    (["graph", "--cell", "transformer"], "--cell must be one of rnn, lstm, gru"),
    (["graph", "--steps", "0"], "argument --steps: expected a positive integer, got '0'"),
    (["graph", "--forget-bias", "nan"], "argument --forget-bias: expected a finite number, got 'nan'"),
    (["graph", "--seed", "-1"], "a seed is an integer from 0 to 2**32 - 1"),
    (["graph", "--cell", "rnn", "--forget-bias", "1"], "--forget-bias only applies to --cell lstm"),
    (["graph", "--out", "x.jpg"], "unknown format 'jpg'"),
    (["graph", "--collapse", "--steps-per-row", "0"], "argument --steps-per-row: expected a positive integer"),
    (["graph", "--step", "-1"], "argument --step: expected an integer >= 0, got '-1'"),
    (["explore", "--hidden", "-3"], "argument --hidden: expected a positive integer, got '-3'"),
    (["gradflow", "--cells", "rnn,lstm:abc"], "is not a number"),
    (["gradflow", "--cells", "gru:1"], "only lstm takes a forget bias"),
    (["gradflow", "--cells", "rnn,elman"], "unknown cell 'elman'"),
    (["gradflow", "--out", "flow.gif"], "--out must end in .png"),
])
def test_bad_arguments_are_one_clear_line(argv, msg, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1


def test_graph_one_step(tmp_path):
    out = tmp_path / "step.dot"
    assert main(["graph", "--cell", "lstm", "--steps", "3", "--step", "1", "--rankdir", "TB",
                 "--out", str(out)]) == 0
    text = out.read_text()
    assert 'label="t=1"' in text and 'label="t=0"' not in text and 'label="t=2"' not in text
    assert "h_0" in text and "c_0" in text and "h_1 = o ⊙ ·" in text     # the states it reads, as inputs
    assert "Step t=1 of 3" in text


@pytest.mark.parametrize("argv,msg", [
    (["graph", "--steps", "3", "--step", "3"], "--step must be a time step in 0..2"),
    (["graph", "--steps", "3", "--step", "1", "--collapse"], "cannot be combined with --collapse"),
])
def test_bad_step_argument(argv, msg, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert msg in capsys.readouterr().err

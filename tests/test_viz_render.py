"""Rendering with the real Graphviz `dot` program, and the error when it is missing."""
from __future__ import annotations

import importlib
import shutil

import pytest

import tinygrad_rnn as tg

render_mod = importlib.import_module("tinygrad_rnn.viz.render")   # the module (tg.viz.render is the function)


def _loss(T: int = 3, collapse_cell: str = "lstm"):
    tg.manual_seed(0)
    cell = tg.nn.LSTMCell(2, 3) if collapse_cell == "lstm" else tg.nn.RNNCell(2, 3)
    _, last = tg.viz.unroll_cell(cell, tg.randn(T, 1, 2))
    loss = cell.output(last).sum()
    tg.viz.backward_with_grads(loss)
    return cell, loss


def test_dot_program_is_installed_here():
    assert shutil.which("dot") is not None      # CI installs graphviz; rendering tests need it


def test_render_svg_png_pdf_with_dot(tmp_path):
    cell, loss = _loss()
    text = tg.viz.to_dot(loss, params=cell, label="LSTM, 3 steps")
    svg = tg.viz.render(text, tmp_path / "g.svg")
    body = svg.read_text()
    assert "<svg" in body and "h_2" in body and "LSTM, 3 steps" in body
    png = tg.viz.render(text, tmp_path / "g.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = tg.viz.render(tg.viz.to_dot(loss, collapse=True), tmp_path / "c.pdf")
    assert pdf.read_bytes()[:4] == b"%PDF"
    dot = tg.viz.render(text, tmp_path / "g.dot")
    assert dot.read_text() == text


def test_digraph_renders_through_graphviz_package(tmp_path):
    _, loss = _loss(collapse_cell="rnn")
    g = tg.viz.draw_collapsed(loss)
    assert b"<svg" in g.pipe(format="svg")
    out = tg.viz.render(g, tmp_path / "d.png")        # a Digraph is accepted too
    assert out.stat().st_size > 1000


def test_missing_dot_raises_with_install_hints(tmp_path, monkeypatch):
    monkeypatch.setattr(render_mod.shutil, "which", lambda name: None)
    _, loss = _loss()
    with pytest.raises(tg.viz.GraphvizNotFoundError) as info:
        tg.viz.render(tg.viz.to_dot(loss), tmp_path / "g.svg")
    msg = str(info.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda-forge graphviz", "winget", "PATH"):
        assert hint in msg
    assert not (tmp_path / "g.svg").exists()
    # DOT text still works without the program
    assert tg.viz.render(tg.viz.to_dot(loss), tmp_path / "g.dot").exists()


def test_missing_dot_on_an_empty_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(tg.viz.GraphvizNotFoundError):
        tg.viz.find_dot()


def test_unknown_format_and_bad_dot_text(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'jpg'"):
        tg.viz.render("digraph G {}", tmp_path / "x.jpg")
    with pytest.raises(tg.viz.GraphvizRenderError, match="dot -Tsvg failed"):
        tg.viz.render("digraph G { a -> }", tmp_path / "x.svg")

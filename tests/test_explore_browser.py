"""The explorer page in a real browser (headless system Chromium, network blocked).

Set ``TINYGRAD_RNN_SCREENSHOTS=docs/img`` to keep the screenshots the docs show
(docs/drawing.md); otherwise they go to a temporary folder and are only checked for size.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from browser_support import open_offline
from tinygrad_rnn.cli.explore import build_page
from tinygrad_rnn.train.flow_record import append_snapshot

T, H, I, SEED = 100, 8, 4, 0
CELLS = [("lstm", 1.0, "LSTM, forget bias 1"), ("rnn", 0.0, "RNN (tanh)"),
         ("lstm", 0.0, "LSTM, forget bias 0"), ("gru", 0.0, "GRU")]


def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("TINYGRAD_RNN_SCREENSHOTS")
    return Path(where) if where else tmp_path_factory.mktemp("shots")


@pytest.fixture(scope="module")
def compare_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = build_page("lstm:1", "rnn,lstm,gru", T, H, I, 1, 0.0, SEED)
    return page.save(tmp_path_factory.mktemp("explore") / "compare.html")


def _expected_flows() -> dict[str, dict[str, np.ndarray]]:
    """The same cells on the same input, measured by tg.viz.gradient_flow (hooks, no page)."""
    from tinygrad_rnn.cli.graph import make_cell
    tg.manual_seed(SEED)
    x = tg.randn(T, 1, I)
    out = {}
    for kind, fb, label in CELLS:
        tg.manual_seed(SEED + 1)
        out[label] = tg.viz.gradient_flow(make_cell(kind, I, H, fb), x).norms
    return out


def test_offline_counts_and_gradient_norms(browser, compare_page):
    off = open_offline(browser, compare_page, wait_for="body[data-ready]")
    page = off.page
    assert off.blocked == [] and off.console_errors == []
    expected = _expected_flows()
    for _, _, label in CELLS:
        steps = page.locator(f'[data-step][data-cell="{label}"]')
        assert steps.count() == T
        shown = np.array([float(v) for v in steps.evaluate_all(
            "els => els.map(e => e.getAttribute('data-grad-norm'))")])
        np.testing.assert_allclose(shown, expected[label]["h"], rtol=1e-6)
        order = steps.evaluate_all("els => els.map(e => +e.getAttribute('data-step'))")
        assert order == list(range(T))


def test_fits_1280_wide_and_screenshot(browser, compare_page, tmp_path_factory):
    off = open_offline(browser, compare_page, 1280, 800, wait_for="body[data-ready]")
    page = off.page
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1] == 1280, f"horizontal scrolling: content {width[0]} px in a {width[1]} px window"
    out = shots_dir(tmp_path_factory) / "explorer_timelines.png"
    page.screenshot(path=str(out))
    assert out.stat().st_size > 10_000


def test_click_a_step_opens_its_gates_and_hover_fills_details(browser, compare_page, tmp_path_factory):
    off = open_offline(browser, compare_page, 1280, 800, wait_for="body[data-ready]")
    page = off.page
    assert page.locator("#step-graph").is_hidden()
    page.click('[data-step="60"][data-cell="LSTM, forget bias 1"]')
    graph = page.locator("#step-graph")
    graph.wait_for(state="visible")
    text = graph.inner_text()
    for gate in ("i = sigmoid", "f = sigmoid", "g = tanh", "o = sigmoid", "c_t = ", "h_t = "):
        assert gate in text, f"{gate!r} missing from the step graph"
    assert "weight_hh" in text and "h_t-1" in text
    nodes = page.locator("#step-graph [data-node]")
    assert nodes.count() > 20
    # hover the forget gate: the panel names it, its shape, its gradient and its equation
    f_node = page.locator("#step-graph g.node", has_text="f = sigmoid")
    f_node.hover()
    details = page.locator("#details").inner_text()
    assert "sigmoid" in details and f"1×{H}" in details and "f_t = σ(" in details
    grad = page.locator("#details .grad-norm").inner_text()
    assert float(grad) > 0
    page.locator("#step-graph").scroll_into_view_if_needed()
    out = shots_dir(tmp_path_factory) / "explorer_step.png"
    page.screenshot(path=str(out))
    assert out.stat().st_size > 10_000
    # the same gates, in the same order, at another step
    first = page.locator("#step-graph g.node text").all_inner_texts()
    page.click('[data-step="20"][data-cell="LSTM, forget bias 1"]')
    page.wait_for_function("document.querySelector('#step-graph').dataset.openStep === '20'")
    assert page.locator("#step-graph g.node text").all_inner_texts() == first


def _x_ticks(page) -> list[str]:
    """The chart's step labels, left to right (the y labels read 1e-5, the legend words)."""
    texts = page.locator("#chart svg text").all_text_contents()
    return [t for t in texts if t.isdigit()]


def _small_page(tmp_path: Path, cell, T: int, name: str) -> Path:
    tg.manual_seed(0)
    _, last = tg.viz.unroll_cell(cell, tg.randn(T, 1, cell.input_size), scope="cell")
    explorer = tg.viz.explore(tg.viz.default_loss(cell, last), params=cell, label=name)
    return explorer.save(tmp_path / f"{name}.html")


def test_chart_steps_read_as_round_numbers_from_first_to_last(browser, compare_page, tmp_path):
    off = open_offline(browser, compare_page, 1280, 800, wait_for="body[data-ready]")
    # T = 100: steps 0..99, labelled every 20 and at the last step (not 0, 25, 50, 74, 99)
    assert _x_ticks(off.page) == ["0", "20", "40", "60", "80", "99"]
    assert off.page.locator("#chart text.xtick").all_text_contents() == _x_ticks(off.page)
    out = tmp_path / "explorer_chart.png"
    off.page.locator("#chart").screenshot(path=str(out))
    assert out.stat().st_size > 5_000
    for T, expected in ((1, ["0"]), (2, ["0", "1"]), (3, ["0", "1", "2"]), (12, ["0", "2", "4", "6", "8", "11"])):
        path = _small_page(tmp_path, tg.nn.GRUCell(2, 3), T, f"gru{T}")
        ticks = _x_ticks(open_offline(browser, path, wait_for="body[data-ready]").page)
        assert ticks == expected, (T, ticks)
        assert len(set(ticks)) == len(ticks)


def _hover_gate(page, lane: str, step: int, gate: str) -> str:
    page.click(f'[data-step="{step}"][data-cell="{lane}"]')
    page.wait_for_function(f"document.querySelector('#step-graph').dataset.openStep === '{step}'")
    page.locator("#step-graph g.node", has_text=f"{gate} = sigmoid").first.hover()
    return page.locator("#details").inner_text()


def test_equation_panel_shows_what_each_cell_computes(browser, compare_page, tmp_path):
    page = open_offline(browser, compare_page, 1280, 800, wait_for="body[data-ready]").page
    # no peepholes: no w_c terms (the cell's source comment names them for peepholes=True)
    details = _hover_gate(page, "LSTM, forget bias 1", 60, "f")
    assert "f_t = σ(a_f + forget_bias)" in details and "w_c" not in details, details
    out = tmp_path / "explorer_equation.png"
    page.locator("#details").screenshot(path=str(out))
    assert out.stat().st_size > 2_000
    details = _hover_gate(page, "LSTM, forget bias 0", 60, "f")     # its own cell: no forget bias term
    assert "f_t = σ(a_f)" in details and "forget_bias" not in details, details
    details = _hover_gate(page, "LSTM, forget bias 0", 60, "o")
    assert "o_t = σ(a_o)" in details and "w_co" not in details, details
    # with peepholes the terms are there
    path = _small_page(tmp_path, tg.nn.LSTMCell(2, 3, peepholes=True), 4, "peepholes")
    page = open_offline(browser, path, 1280, 800, wait_for="body[data-ready]").page
    details = _hover_gate(page, "peepholes", 2, "f")
    assert "f_t = σ(a_f + w_cf ⊙ c_{t−1})" in details, details
    details = _hover_gate(page, "peepholes", 2, "o")
    assert "o_t = σ(a_o + w_co ⊙ c_t)" in details, details
    out = tmp_path / "explorer_equation_peepholes.png"
    page.locator("#details").screenshot(path=str(out))


def test_hovering_a_step_highlights_it_everywhere(browser, compare_page):
    page = open_offline(browser, compare_page, wait_for="body[data-ready]").page
    page.hover('[data-step="42"][data-cell="GRU"]')
    lit = page.locator(".step.hl").evaluate_all("els => els.map(e => e.dataset.step)")
    assert lit == ["42"] * len(CELLS)
    assert page.locator("#chart .cursor").get_attribute("visibility") == "visible"
    assert "t = 42" in page.locator("#details").inner_text()


def test_jupyter_repr_is_the_same_page(browser, tmp_path):
    tg.manual_seed(0)
    cell = tg.nn.GRUCell(2, 3)
    _, last = tg.viz.unroll_cell(cell, tg.randn(7, 1, 2), scope="gru")
    explorer = tg.viz.explore(tg.viz.default_loss(cell, last), params=cell, label="GRU")
    wrapper = tmp_path / "notebook.html"
    wrapper.write_text(f"<html><body>{explorer._repr_html_()}</body></html>", encoding="utf-8")
    off = open_offline(browser, wrapper)
    frame = off.page.frame_locator("iframe")
    frame.locator("body[data-ready]").wait_for()
    assert frame.locator('[data-step][data-cell="GRU"]').count() == 7
    assert off.blocked == []


def test_training_slider_moves_through_snapshots(browser, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    T_run = 30
    for k, step in enumerate((0, 50, 100)):
        # later snapshots carry more gradient back: the colours must change with the slider
        h = [10.0 ** (-(T_run - t) * 0.3 / (k + 1)) for t in range(T_run)]
        append_snapshot(run, step, "lstm", {"h": h, "c": h, "f": [0.5 + 0.1 * k] * T_run, "loss": 1.0 / (k + 1)})
    (run / "metrics.jsonl").write_text("".join(f'{{"step": {s}, "loss": {1 / (1 + s)}}}\n' for s in range(0, 101, 10)))
    path = tg.viz.explore_run(run).save(tmp_path / "train.html")
    page = open_offline(browser, path, wait_for="body[data-ready]").page
    slider = page.locator("input#training-step[type=range]")
    assert slider.get_attribute("max") == "2"
    last = float(page.locator('[data-step="0"]').get_attribute("data-grad-norm"))
    slider.fill("0")
    first = float(page.locator('[data-step="0"]').get_attribute("data-grad-norm"))
    assert first == pytest.approx(10.0 ** (-T_run * 0.3)) and last == pytest.approx(10.0 ** (-T_run * 0.1))
    assert "training step 0" in page.locator("#training label").inner_text()
    page.hover('[data-step="3"]')
    assert "mean forget gate f = 0.5" in page.locator("#details").inner_text()

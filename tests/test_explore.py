"""The explorer page without a browser: its data, its errors, the CLI, and --record-flow.

The page itself (clicks, hovers, offline, layout) is tested in headless Chromium in
test_explore_browser.py.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.cli.main import main
from tinygrad_rnn.train.flow_record import FLOW_FILE, read_flow
from tinygrad_rnn.viz.explore_model import cell_equations, generic_name, op_text


def lstm_loss(T: int = 6, H: int = 4, forget_bias: float = 0.0, seed: int = 0):
    tg.manual_seed(seed)
    cell = tg.nn.LSTMCell(3, H, forget_bias=forget_bias)
    x = tg.randn(T, 2, 3)
    _, last = tg.viz.unroll_cell(cell, x, scope="lstm")
    return cell, x, tg.viz.default_loss(cell, last)


def page_data(page: tg.viz.Explorer) -> dict:
    text = page.html()
    m = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_timeline_norms_are_the_gradient_flow():
    cell, x, loss = lstm_loss(T=8)
    page = tg.viz.explore(loss, params=cell)      # runs backward_with_grads itself
    lane = page_data(page)["lanes"][0]
    assert lane["parts"] == ["h", "c"] and lane["steps"] == list(range(8))
    tg.manual_seed(0)
    cell2 = tg.nn.LSTMCell(3, 4)
    flow = tg.viz.gradient_flow(cell2, x)
    for part in ("h", "c"):
        np.testing.assert_allclose(lane["norms"][part], flow.norms[part], rtol=1e-6)


def test_step_template_names_the_gates_and_equations():
    cell, _, loss = lstm_loss(T=4, forget_bias=1.0)
    data = page_data(tg.viz.explore(loss, params=cell))
    lane = data["lanes"][0]
    # steps 1..T-1 share one structure; step 0 reads the initial state instead
    assert len(set(lane["templates"][1:])) == 1
    nodes = data["templates"][lane["templates"][2]]["nodes"]
    named = [n["name"] for n in nodes if n["kind"] in ("tensor", "output") and n["name"]]
    assert named == ["i", "f", "g", "c_{t}", "o", "h_{t}"]
    by_name = {n["name"]: n for n in nodes}
    assert by_name["f"]["op"] == "sigmoid" and by_name["f"]["eq"].startswith("f_t = σ(")
    assert "· + 1" in [n["op"] for n in nodes]            # the forget bias, as arithmetic
    stubs = [n["name"] for n in nodes if n["kind"] == "param"]
    assert sorted(stubs) == ["bias_hh", "bias_ih", "weight_hh", "weight_ih"]
    assert {n["name"] for n in nodes if n["kind"] == "from"} == {"h_{t-1}", "c_{t-1}"}
    # one number row per node, per step: [grad norm, min, mean, max]
    assert all(len(row) == 4 for row in lane["stats"][2]) and len(lane["stats"][2]) == len(nodes)


def test_gru_one_minus_z_reads_as_arithmetic():
    tg.manual_seed(0)
    cell = tg.nn.GRUCell(2, 3)
    _, last = tg.viz.unroll_cell(cell, tg.randn(3, 1, 2), scope="gru")
    data = page_data(tg.viz.explore(tg.viz.default_loss(cell, last), params=cell))
    ops = [n["op"] for t in data["templates"] for n in t["nodes"]]
    assert "1 − ·" in ops and not any(o.startswith("sub(") for o in ops)


def test_compare_aligns_runs_and_labels_must_differ():
    _, _, a = lstm_loss(T=5)
    _, _, b = lstm_loss(T=5, forget_bias=1.0)
    data = page_data(tg.viz.explore(a, label="LSTM", compare={"LSTM fb 1": b}))
    assert [lane["label"] for lane in data["lanes"]] == ["LSTM", "LSTM fb 1"]
    _, _, c = lstm_loss(T=5)
    with pytest.raises(ValueError, match="labels must differ"):
        tg.viz.explore(c, label="x", compare=[("x", c)])


def test_plain_backward_is_refused_with_the_fix():
    _, _, loss = lstm_loss()
    loss.backward()
    with pytest.raises(ValueError, match="backward_with_grads"):
        tg.viz.explore(loss)
    with pytest.raises(TypeError, match="explore"):
        tg.viz.explore([1.0])


def test_page_is_self_contained_and_repr_is_the_same_page(tmp_path: Path):
    cell, _, loss = lstm_loss()
    page = tg.viz.explore(loss, params=cell, title="a <title> & more")
    text = page.html()
    # nothing is fetched: no src/href to another place, no CSS import
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', text)
    assert "@import" not in text and "{{" not in text.split("<script")[0]
    assert "svg-pan-zoom v3.6.2" in text
    assert "&lt;title&gt;" in text.split("</title>")[0]
    path = page.save(tmp_path / "p.html")
    assert path.read_text(encoding="utf-8") == text
    repr_html = page._repr_html_()
    srcdoc = re.search(r'srcdoc="(.*?)" style', repr_html, re.S).group(1)
    assert html.unescape(srcdoc) == text
    with pytest.raises(ValueError, match=r"\.html"):
        page.save(tmp_path / "p.png")


def test_cell_equations_come_from_the_cell_source():
    eqs = cell_equations(tg.nn.GRUCell)
    assert eqs["z"].startswith("z_t = σ(") and eqs["h"].startswith("h_t = (1 − z_t)")
    assert generic_name("h_11", 12) == "h_{t-1}" and generic_name("x_12", 12) == "x_{t}"
    assert generic_name("h_3", 12) == "h_3"
    assert op_text("sub", ["1", "·"]) == "1 − ·" and op_text("tanh", ["·"]) == "tanh"


def test_cell_equations_are_what_that_cell_computes():
    plain = cell_equations(tg.nn.LSTMCell(2, 3))
    assert plain["i"] == "i_t = σ(a_i)" and plain["f"] == "f_t = σ(a_f)" and plain["o"] == "o_t = σ(a_o)"
    assert plain["c"] == "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t"          # not the TF1 clip remark under it
    assert plain["h"] == "h_t = o_t ⊙ tanh(c_t)"
    peep = cell_equations(tg.nn.LSTMCell(2, 3, peepholes=True, forget_bias=1.0))
    assert peep["f"] == "f_t = σ(a_f + forget_bias + w_cf ⊙ c_{t−1})" and peep["o"] == "o_t = σ(a_o + w_co ⊙ c_t)"
    old = cell_equations(tg.nn.LSTMCell(2, 3, forget_gate=False))
    assert "f" not in old and old["c"] == "c_t = c_{t−1} + i_t ⊙ g_t" and old["*"].startswith("[a_i | a_g | a_o] = ")
    clipped = cell_equations(tg.nn.LSTMCell(2, 4, proj_size=2, cell_clip=3.0, proj_clip=1.0))
    assert clipped["c"] == "c_t = clip(f_t ⊙ c_{t−1} + i_t ⊙ g_t, ±cell_clip)"
    assert clipped["h"] == "h_t = clip(W_hr·(o_t ⊙ tanh(c_t)), ±proj_clip)"
    # the GRU's candidate: the branch the cell takes (PyTorch's reset-after by default)
    assert cell_equations(tg.nn.GRUCell(2, 3))["n"] == "n_t = tanh(i_n + r_t ⊙ (W_hn·h + b_hn))"
    assert cell_equations(tg.nn.GRUCell(2, 3, reset_after=False))["n"] == "n_t = tanh(i_n + W_hn·(r_t ⊙ h))"
    assert cell_equations(tg.nn.RNNCell(2, 3, nonlinearity="relu"))["h"] == "h_t = relu(a_t)"
    assert cell_equations(tg.nn.LSTMCell(2, 3, recurrent_activation="hard_sigmoid"))["i"] == "i_t = hard_sigmoid(a_i)"
    # the class: every comment as written
    assert "w_cf ⊙ c_{t−1}" in cell_equations(tg.nn.LSTMCell)["f"]


def test_each_lane_of_a_page_shows_its_own_cells_equations():
    tg.manual_seed(0)
    x = tg.randn(3, 1, 2)
    runs, cells = [], []
    for label, cell in (("plain", tg.nn.LSTMCell(2, 3)), ("peep", tg.nn.LSTMCell(2, 3, peepholes=True))):
        _, last = tg.viz.unroll_cell(cell, x, scope="lstm")
        loss = tg.viz.default_loss(cell, last)
        tg.viz.backward_with_grads(loss)
        runs.append((label, loss))
        cells.append(cell)
    data = page_data(tg.viz.explore(runs[0][1], label="plain", compare=runs[1:], params=cells))
    eqs = {lane["label"]: {n["name"]: n.get("eq") for n in data["templates"][lane["templates"][1]]["nodes"]}
           for lane in data["lanes"]}
    assert eqs["plain"]["f"] == "f_t = σ(a_f)" and eqs["peep"]["f"] == "f_t = σ(a_f + w_cf ⊙ c_{t−1})"


def test_cli_explore_writes_the_page_and_refuses_bad_input(tmp_path: Path, capsys):
    out = tmp_path / "flow.html"
    assert main(["explore", "--cell", "lstm:1", "--compare", "rnn,gru", "--steps", "6",
                 "--hidden", "4", "--out", str(out)]) == 0
    data = page_data_from_file(out)
    assert [lane["label"] for lane in data["lanes"]] == ["LSTM, forget bias 1", "RNN (tanh)", "GRU"]
    assert all(len(lane["steps"]) == 6 for lane in data["lanes"])
    assert main(["explore", "--out", str(tmp_path / "x.png")]) == 2
    assert main(["explore", "--cell", "lstm", "--compare", "lstm", "--out", str(out)]) == 2
    assert main(["explore", "--run", str(tmp_path / "nothing"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--out must end in .html" in err and "same cell twice" in err and "record-flow" in err


@pytest.mark.parametrize("argv, message", [
    (["--cell", "lstm:x"], "explore: --cell: forget bias in 'lstm:x' is not a number"),
    (["--cell", "cnn"], "explore: --cell: unknown cell 'cnn'"),
    (["--compare", "rnn,gru:1"], "explore: --compare: only lstm takes a forget bias (got 'gru:1')"),
    (["--compare", "lstm:1,lstm:?"], "explore: --compare: forget bias in 'lstm:?' is not a number"),
])
def test_cli_explore_cell_errors_name_the_option_typed(argv, message, tmp_path: Path, capsys):
    out = tmp_path / "x.html"
    assert main(["explore", *argv, "--steps", "2", "--hidden", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "--cells" not in err, err
    assert not out.exists()


def page_data_from_file(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def _weights(run_dir: Path) -> dict:
    state = tg.checkpoint.load(str(run_dir / "checkpoint.npz"))["model"]
    return {k: v.numpy() if hasattr(v, "numpy") else np.asarray(v) for k, v in state.items()}


def test_record_flow_snapshots_without_changing_training(tmp_path: Path):
    common = ["train", "adding", "--T", "20", "--steps", "12", "--hidden", "6", "--batch", "8",
              "--no-progress", "--eval-every", "12", "--seed", "3"]
    assert main(common + ["--out", str(tmp_path / "plain")]) == 0
    assert main(common + ["--out", str(tmp_path / "rec"), "--record-flow", "4"]) == 0
    plain, rec = _weights(tmp_path / "plain"), _weights(tmp_path / "rec")
    assert plain.keys() == rec.keys() and plain
    for k in plain:
        np.testing.assert_array_equal(plain[k], rec[k])
    snaps = read_flow(tmp_path / "rec" / FLOW_FILE)
    assert [s["step"] for s in snaps] == [0, 4, 8, 12]
    lane = snaps[-1]["lanes"]["lstm, unit forget bias True"]     # train's LSTM default: forget-gate bias from 1
    # the 1997 adding problem pads sequences of T to T + T/10 steps: the longest decides
    assert len(lane["h"]) == len(lane["c"]) == len(lane["f"]) >= 20
    assert all(0.0 < f < 1.0 for f in lane["f"][:20]) and max(lane["h"]) > 0
    page = tg.viz.explore_run(tmp_path / "rec")
    data = page_data(page)
    assert data["mode"] == "training" and len(data["training"]["snapshots"]) == 4
    assert data["training"]["loss"] and data["lanes"][0]["label"] == "lstm, unit forget bias True"


def test_step_drawing_puts_the_gates_in_the_cells_order():
    """i, f, g, o left to right in the LSTM's step drawing (r before z for the GRU), every step."""
    from tinygrad_rnn.viz.render import GraphvizNotFoundError, find_dot
    try:
        find_dot()
    except GraphvizNotFoundError:
        pytest.skip("Graphviz's dot program is not installed")

    def gate_x(svg: str, label: str) -> float:
        m = re.search(r'<text[^>]*x="([\d.\-]+)"[^>]*>' + re.escape(label) + "<", svg)
        assert m, f"{label!r} not drawn"
        return float(m.group(1))

    cell, _, loss = lstm_loss(T=5, forget_bias=1.0)
    data = page_data(tg.viz.explore(loss, params=cell))
    for tpl in data["templates"]:
        xs = [gate_x(tpl["svg"], g) for g in ("i = sigmoid", "f = sigmoid", "g = tanh", "o = sigmoid")]
        assert xs == sorted(xs), xs
    tg.manual_seed(0)
    gru = tg.nn.GRUCell(2, 3)
    _, last = tg.viz.unroll_cell(gru, tg.randn(4, 1, 2), scope="gru")
    data = page_data(tg.viz.explore(tg.viz.default_loss(gru, last), params=gru))
    layouts = []
    for tpl in data["templates"]:
        xs = [gate_x(tpl["svg"], g) for g in ("r = sigmoid", "z = sigmoid", "n = tanh")]
        assert xs[0] < xs[1], xs            # n waits for r, so only the two gates side by side
        layouts.append(xs)
    assert layouts[1:] == layouts[2:] + layouts[-1:]     # every step after the first alike

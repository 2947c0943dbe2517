"""Drawings that fit a screen: parameter stubs, a fixed gate order, steps that stack,
op labels that read as math, one step cut out with ``subgraph``, and measured PNG sizes."""
from __future__ import annotations

import re
import shutil
import struct

import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.viz.dot import DotOptions, graph_to_dot
from tinygrad_rnn.viz.graph import INPUT, OP, PARAMETER


def _unrolled(kind: str = "lstm", T: int = 3, H: int = 3, I: int = 2, seed: int = 0):
    tg.manual_seed(seed)
    cell = {"lstm": tg.nn.LSTMCell, "gru": tg.nn.GRUCell, "rnn": tg.nn.RNNCell}[kind](I, H)
    _, last = tg.viz.unroll_cell(cell, tg.randn(T, 1, I), scope=kind)
    loss = tg.viz.default_loss(cell, last)
    loss.name = "loss"
    tg.viz.backward_with_grads(loss)
    return cell, loss


def _step_blocks(text: str) -> dict[int, str]:
    """The DOT text of each ``t=N`` cluster (its own lines, nested clusters included)."""
    blocks = {}
    for m in re.finditer(r'label="t=(\d+)"', text):
        body, depth = [], 1
        for line in text[m.end():].splitlines()[1:]:
            depth += line.count("{") - line.count("}")
            if depth <= 0:
                break
            body.append(line)
        blocks[int(m.group(1))] = "\n".join(body)
    return blocks


def _node_ids_in(block: str) -> list[str]:
    return re.findall(r"^\t*(\w+) \[label=", block, flags=re.M)


def test_subgraph_of_one_step_has_the_previous_state_as_an_input():
    cell, loss = _unrolled("lstm", T=3)
    g = tg.viz.build_graph(loss, params=cell)
    step = [n.id for n in g.nodes if n.scope[-1:] == ("t=1",)]
    sub = tg.viz.subgraph(g, step)
    h0, c0 = sub.find("h_0"), sub.find("c_0")
    assert h0.kind == INPUT and c0.kind == INPUT           # they come from step 0
    assert h0.scope == c0.scope == ("lstm", "layer0", "forward", "t=1")   # drawn inside the step
    assert g.find("h_0").kind != INPUT                      # the original graph is untouched
    assert {n.name for n in sub.nodes if n.kind == PARAMETER} == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    ids = {n.id for n in sub.nodes}
    assert all(e.src in ids and e.dst in ids for e in sub.edges)
    assert not any(n.name in ("h_2", "c_2", "h_-1") for n in sub.nodes)   # nothing from step 2
    # every op of the step keeps all its inputs
    n_inputs = {n.id: sum(1 for e in g.edges if e.dst == n.id) for n in g.ops()}
    for op in sub.ops():
        assert sum(1 for e in sub.edges if e.dst == op.id) == n_inputs[op.id]
    assert sub.roots == [g.find("h_1").id]                 # nothing inside consumes h_1
    text = graph_to_dot(sub, DotOptions(params="stubs"))
    assert text.startswith("digraph G {") and "h_1 = o ⊙ ·" in text and "W_hhᵀ" in text
    with pytest.raises(KeyError, match="subgraph: no node with id 'nope'"):
        tg.viz.subgraph(g, ["nope"])


def _png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")


def test_stubs_one_per_use_and_no_edge_from_a_shared_parameter_node():
    T = 3
    cell, loss = _unrolled("lstm", T=T)
    text = tg.viz.to_dot(loss, module=cell)                    # params="stubs" by default
    g = tg.viz.build_graph(loss, params=cell)
    param_ids = {n.id for n in g.nodes if n.kind == PARAMETER}
    # no edge leaves a parameter node itself; its stubs (t<k>s<j>) feed the ops instead
    sources = re.findall(r"^\t+(\w+) -> ", text, flags=re.M)
    assert not param_ids & set(sources)
    assert not any(re.search(rf"^\t+{p} \[label=", text, flags=re.M) for p in param_ids)
    blocks = _step_blocks(text)
    assert sorted(blocks) == list(range(T))
    for t, block in blocks.items():
        for stub in ("W_ihᵀ", "W_hhᵀ", "b_ih", "b_hh"):        # every step has its own
            assert block.count(f'label="{stub}"') == 1, (t, stub)
    shared = tg.viz.to_dot(loss, module=cell, params="shared")
    w_hh = g.find("weight_hh").id
    assert len(re.findall(rf"^\t+{w_hh} -> ", shared, flags=re.M)) == T   # one node, T edges
    hidden = tg.viz.to_dot(loss, module=cell, params="hidden")
    assert hidden == tg.viz.to_dot(loss, module=cell, hide_params=True)   # the old spelling
    assert "weight_hh" not in hidden and 'label="b_hh"' not in hidden
    node_lines = [l for l in hidden.splitlines() if "[label=" in l and not l.strip().startswith("graph")]
    assert not [l for l in node_lines if 'color="#1b7837"' in l]       # no parameter outline drawn
    assert tg.viz.to_dot(loss, params=cell) == text               # params=<Module> still names them


def test_bad_params_options_are_clear_errors():
    cell, loss = _unrolled("rnn", T=2)
    with pytest.raises(ValueError, match="params must be one of stubs, shared, hidden"):
        tg.viz.to_dot(loss, params="some")
    with pytest.raises(ValueError, match="hide_params=True contradicts params='stubs'"):
        tg.viz.to_dot(loss, params="stubs", hide_params=True)
    with pytest.raises(ValueError, match="steps_per_row must be a positive integer"):
        tg.viz.to_dot(loss, collapse=True, steps_per_row=0)
    with pytest.raises(ValueError, match="tensors must be one of named, all"):
        tg.viz.to_dot(loss, tensors="some")


@pytest.mark.parametrize("kind,gates", [("lstm", ["i", "f", "g", "o", "c", "h"]),
                                        ("gru", ["r", "z", "n", "h"])])
def test_gates_are_written_in_one_fixed_order_every_step(kind, gates):
    T = 4
    cell, loss = _unrolled(kind, T=T)
    text = tg.viz.to_dot(loss, module=cell)
    for t, block in _step_blocks(text).items():
        found = re.findall(r'label="([a-z])(?:_\d+)? = ', block)
        assert found == gates, (t, found)
    # the out-edges keep that order in the layout
    assert 'graph [ordering="out"]' in text


def test_one_minus_z_reads_as_math():
    cell, loss = _unrolled("gru", T=2)
    text = tg.viz.to_dot(loss, module=cell)
    assert text.count('label="1 − z"') == 2 and "sub(1)" not in text
    g = tg.viz.build_graph(loss)
    subs = [n for n in g.ops() if n.name == "sub"]
    assert {n.label for n in subs} == {"1 − z"}
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    labels = [n.label for n in tg.viz.build_graph(((a - 3.0) * 2.0 / a).sum()).ops()]
    assert labels == ["a − 3", "· ⊙ 2", "· ÷ a", "sum"]


def test_steps_stack_instead_of_running_on():
    cell, loss = _unrolled("rnn", T=3)
    g = tg.viz.build_graph(loss)
    h0, h1 = g.find("h_0").id, g.find("h_1").id
    # default: h_0 enters step 1 as a small node of its own; no edge leaves h_0 for another step
    text = tg.viz.to_dot(loss, module=cell)
    assert not re.findall(rf"^\t({h0}|{h1}) -> ", text, flags=re.M)
    blocks = _step_blocks(text)
    assert re.search(rf'^\t*{h0}e0 \[label="h_0"', blocks[1], flags=re.M)
    assert re.search(rf'^\t*{h1}e0 \[label="h_1"', blocks[2], flags=re.M)
    assert re.search(rf"^\t{h0}e0 -> ", text, flags=re.M)
    # states="edges": the real edges, which do not push the next step to the right
    opts = DotOptions(states="edges")
    edges = graph_to_dot(tg.viz.build_graph(loss, params=cell), opts)
    cross = [l for l in edges.splitlines() if re.match(rf"\t({h0}|{h1}) -> ", l)]
    assert cross and all('constraint="false"' in l for l in cross)


def test_collapsed_view_wraps_rows_with_a_label_on_every_row():
    T, per_row = 23, 10
    cell, loss = _unrolled("lstm", T=T)
    text = tg.viz.to_dot(loss, collapse=True, steps_per_row=per_row)
    rows = re.findall(r"^\t\{rank=same; (.*)\}$", text, flags=re.M)
    assert len(rows) == 3
    col = tg.viz.collapse(tg.viz.build_graph(loss, hide_params=True))
    step_of = {b.id: b.step for b in col.boxes}
    for r, row in enumerate(rows):
        ids = row.split("; ")
        assert ids[0] == f"row{r}"                                 # the label leads the row
        steps = [step_of[i] for i in ids[1:] if step_of.get(i) is not None]
        assert steps == list(range(r * per_row, min(T, (r + 1) * per_row)))
        label = re.search(rf"^\t+row{r} \[label=<(.*)>\]$", text, flags=re.M).group(1)
        assert "<B>lstm</B>" in label and f"t = {r * per_row}…{min(T, (r + 1) * per_row) - 1}" in label
    # the state crosses to the next row as a dashed edge: h and c at both wraps
    wraps = re.findall(r'label="([hc]_\d+)".*style="dashed"', text)
    assert sorted(wraps) == ["c_19", "c_9", "h_19", "h_9"]


def test_collapsed_view_keeps_separate_losses_separate():
    roots = []
    for kind in ("rnn", "lstm"):
        _, loss = _unrolled(kind, T=4)
        roots.append(loss)
    g = tg.viz.build_graph(roots, hide_params=True)
    col = tg.viz.collapse(g)
    outside = [b for b in col.boxes if b.step is None]
    assert len(outside) == 2 and all(b.ops == ["sum"] for b in outside)
    text = tg.viz.collapsed_to_dot(g)
    rows = re.findall(r"^\t\{rank=same; (.*)\}$", text, flags=re.M)
    # each loss sits at the end of its own cell's row
    for row, root in zip(rows, g.roots):
        assert row.split("; ")[-1] == root


@needs_dot
@pytest.mark.parametrize("argv,max_w,max_h", [
    (["--cell", "gru", "--steps", "5"], 2500, 2500),
    (["--cell", "lstm", "--steps", "3", "--hidden", "3"], 2500, 2500),
    (["--cell", "rnn", "--steps", "50", "--collapse"], 2000, 2500),
])
def test_rendered_png_fits(tmp_path, argv, max_w, max_h):
    from tinygrad_rnn.cli.main import main
    out = tmp_path / "g.png"
    assert main(["graph", *argv, "--out", str(out)]) == 0
    w, h = _png_size(out)
    assert w <= max_w and h <= max_h, (argv, w, h)
    assert w >= 600 and h >= 200                               # a real picture, not an empty one


def test_states_edges_option_reaches_to_dot():
    cell, loss = _unrolled("rnn", T=2)
    h0 = tg.viz.build_graph(loss).find("h_0").id
    assert re.search(rf"^\t{h0} -> .*constraint=\"false\"", tg.viz.to_dot(loss, states="edges"), flags=re.M)
    with pytest.raises(ValueError, match="states must be one of stubs, edges"):
        tg.viz.to_dot(loss, states="wires")


def test_parameter_stub_names():
    from tinygrad_rnn.viz.labels import short_param_name
    assert [short_param_name(n) for n in ("weight_hh", "bias_ih", "weight", "l1.weight", "rnn.cell.bias_hh",
                                          "weight_ci", "U (weight_ih)")] == \
        ["W_hh", "b_ih", "W", "l1.W", "cell.b_hh", "W_ci", "U (weight_ih)"]
    l1, l2 = tg.nn.Linear(3, 4), tg.nn.Linear(4, 1)
    loss = l2(l1(tg.randn(2, 3)).tanh()).sum()
    tg.viz.backward_with_grads(loss)
    text = tg.viz.to_dot(loss, module={"l1.weight": l1.weight, "l1.bias": l1.bias,
                                       "l2.weight": l2.weight, "l2.bias": l2.bias})
    for stub in ("l1.Wᵀ", "l1.b", "l2.Wᵀ", "l2.b"):              # two layers, told apart
        assert text.count(f'label="{stub}"') == 1


@needs_dot
def test_three_cells_of_fifty_steps_collapsed_fit_a_screen(tmp_path):
    # the shape of `make demo`'s rnn_vs_lstm_collapsed.png (7 145 x 493 px before rows wrapped)
    tg.manual_seed(0)
    x = tg.randn(50, 1, 4)
    roots = []
    for scope, cell in (("RNN (tanh)", tg.nn.RNNCell(4, 4)), ("LSTM", tg.nn.LSTMCell(4, 4)),
                        ("LSTM, forget bias 1", tg.nn.LSTMCell(4, 4, forget_bias=1.0))):
        _, last = tg.viz.unroll_cell(cell, x, scope=scope)
        loss = cell.output(last).sum()
        loss.name = f"L ({scope})"
        tg.viz.backward_with_grads(loss)
        roots.append(loss)
    out = tg.viz.render(tg.viz.to_dot(roots, collapse=True, label="three cells, T = 50"), tmp_path / "c.png")
    w, h = _png_size(out)
    assert w <= 2000 and h <= 2000, (w, h)
    assert h > w / 2                                           # rows, not one long strip


def test_collapsed_layers_are_joined_row_to_row_not_step_to_step():
    tg.manual_seed(0)
    T = 8
    layer = tg.nn.LSTM(3, 4, num_layers=2)
    out, _ = layer(tg.randn(T, 1, 3))
    loss = out.sum()
    tg.viz.backward_with_grads(loss)
    text = tg.viz.to_dot(loss, collapse=True, steps_per_row=4)
    rows = re.findall(r"^\t\{rank=same; (.*)\}$", text, flags=re.M)
    assert len(rows) == 4                                   # 2 layers x 2 rows
    # layer 0 row r feeds layer 1 row r: one dotted edge per pair of rows, between their labels
    between = re.findall(r'^\t(row\d) -> (row\d) \[label="(h_\d+…h_\d+)"', text, flags=re.M)
    assert sorted(between) == [("row0", "row2", "h_0…h_3"), ("row1", "row3", "h_4…h_7")]
    assert len(re.findall(r'style="dotted"', text)) <= 2 + 2   # and at most one edge per row into the output


@needs_dot
def test_size_scales_a_wide_drawing_down_to_fit(tmp_path):
    cell, loss = _unrolled("lstm", T=3)
    wide = tg.viz.render(tg.viz.to_dot(loss, module=cell, rankdir="TB"), tmp_path / "wide.png")
    w, h = _png_size(wide)
    assert w > 1000
    text = tg.viz.to_dot(loss, module=cell, rankdir="TB", size="8,30")
    assert re.search(r'^\tgraph \[rankdir="TB".* size="8,30"\]$', text, flags=re.M)
    w8, h8 = _png_size(tg.viz.render(text, tmp_path / "fit.png"))
    assert 8 * 96 - 10 <= w8 <= 8 * 96 and h8 < h               # 96 px per inch, scaled as a whole
    collapsed = tg.viz.to_dot(loss, collapse=True, size="5")    # the collapsed view takes it too
    assert 'size="5"' in collapsed
    for bad in ("8,", "wide", "-3", "0,4", 8):
        with pytest.raises(ValueError, match=r'size must be Graphviz\'s "W,H" or "W" in inches'):
            tg.viz.to_dot(loss, size=bad)

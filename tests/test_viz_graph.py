"""The graph model, DOT text, clusters, collapsed view and gradient heat of tinygrad_rnn.viz."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn.viz import heat
from tinygrad_rnn.viz.collapse import CELL_STATE_COLOR, collapse
from tinygrad_rnn.viz.graph import INPUT, INTERMEDIATE, OP, OUTPUT, PARAMETER


def _unrolled_lstm(T: int = 3, H: int = 3, I: int = 2, seed: int = 0, dtype: str = "float32"):
    tg.manual_seed(seed)
    cell = tg.nn.LSTMCell(I, H, dtype=dtype)
    x = tg.randn(T, 2, I, dtype=dtype)
    states, last = tg.viz.unroll_cell(cell, x, scope="lstm")
    loss = last[0].sum()
    loss.name = "loss"
    return cell, x, states, loss


def test_small_graph_nodes_edges_and_argument_indices():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    b = tg.Tensor([3.0, 4.0], name="b")
    y = (a * b + a).sum()
    g = tg.viz.build_graph(y)
    kinds = [n.kind for n in g.nodes]
    assert kinds.count(OP) == 3 and len(g.tensors()) == 5
    assert [n.name for n in g.ops()] == ["mul", "add", "sum"]
    assert g.find("a").kind == PARAMETER and g.find("b").kind == INPUT
    assert g.by_id[g.roots[0]].kind == OUTPUT
    assert len(g.edges) == 8
    a_id, mul_id, add_id = g.find("a").id, g.find("mul").id, g.find("add").id
    assert {(e.src, e.dst, e.arg) for e in g.edges if e.src == a_id} == {(a_id, mul_id, 0), (a_id, add_id, 1)}
    sum_in = [e for e in g.edges if e.dst == g.find("sum").id]
    assert len(sum_in) == 1 and sum_in[0].arg is None      # one input: no index drawn


def test_same_tensor_twice_gives_two_edges():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    g = tg.viz.build_graph(a + a)
    assert sorted(e.arg for e in g.edges if e.src == g.find("a").id) == [0, 1]


def test_deterministic_dot_text_across_two_runs_and_no_id_based_names():
    texts = []
    for _ in range(2):
        cell, _, _, loss = _unrolled_lstm(seed=3)
        tg.viz.backward_with_grads(loss)
        texts.append(tg.viz.to_dot(loss, params=cell))
    assert texts[0] == texts[1]
    ids = [i for i in re.findall(r"^\t+(\w+) \[label", texts[0], flags=re.M) if i != "graph"]
    # t<k> tensor, f<k> op, t<k>s<j>: the j-th per-use stub of parameter t<k>, t<k>e<j>: the
    # j-th step that reads state t<k>
    assert ids and all(re.fullmatch(r"[tf]\d+([se]\d+)?", i) for i in ids)
    assert max(int(n) for i in ids for n in re.findall(r"\d+", i)) < 1000   # counters, not addresses


def test_clusters_per_layer_direction_and_step():
    T = 4
    cell, _, states, loss = _unrolled_lstm(T=T)
    text = tg.viz.to_dot(loss, params=cell)
    labels = re.findall(r'subgraph cluster_\d+ \{\n\t*graph \[label="([^"]+)"', text)
    assert labels[:3] == ["lstm", "layer0", "forward"]
    assert sorted(labels[3:]) == sorted(f"t={t}" for t in range(T))
    g = tg.viz.build_graph(loss)
    h2 = g.find("h_2")
    assert h2.scope == ("lstm", "layer0", "forward", "t=2")
    assert g.find("x_1").scope == ("lstm", "layer0", "forward", "t=1")   # leaf placed in its step
    # the h_2 node is written inside the t=2 cluster
    block = text.split('label="t=2"')[1].split("subgraph")[0]
    assert f"{h2.id} [label=" in block


def test_hide_params_and_param_names():
    cell, _, _, loss = _unrolled_lstm()
    g = tg.viz.build_graph(loss, params=cell)
    names = {n.name for n in g.nodes if n.kind == PARAMETER}
    assert names == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    hidden = tg.viz.build_graph(loss, hide_params=True)
    assert not [n for n in hidden.nodes if n.kind == PARAMETER]
    assert len(hidden.nodes) == len(g.nodes) - 4


def test_backward_with_grads_keeps_every_gradient_and_frees_the_graph():
    _, _, _, loss = _unrolled_lstm()
    tg.viz.backward_with_grads(loss)
    g = tg.viz.build_graph(loss)
    assert all(n.grad_norm is not None for n in g.nodes if n.kind in (INTERMEDIATE, OUTPUT, PARAMETER))
    with pytest.raises(tg.GraphFreedError):
        loss.backward()


def test_node_gradient_norms_equal_pytorch():
    T, H, I = 4, 3, 2
    cell, x, states, loss = _unrolled_lstm(T=T, H=H, I=I, dtype="float64")
    ref = torch.nn.LSTMCell(I, H).double()
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.copy_(torch.from_numpy(dict(cell.named_parameters())[name].numpy()))
    xt = torch.from_numpy(x.numpy())
    h = c = torch.zeros(2, H, dtype=torch.float64)
    hs, cs = [], []
    for t in range(T):
        h, c = ref(xt[t], (h, c))
        h.retain_grad(); c.retain_grad()
        hs.append(h); cs.append(c)
    h.sum().backward()
    tg.viz.backward_with_grads(loss)
    text = tg.viz.to_dot(loss, params=cell)
    g = tg.viz.build_graph(loss, params=cell)
    for t in range(T):
        for name, ref_t in ((f"h_{t}", hs[t]), (f"c_{t}", cs[t])):
            node = g.find(name)
            want = float(ref_t.grad.norm())
            assert node.grad_norm == pytest.approx(want, rel=1e-10)
            # the label and the fill colour written in the DOT text follow that norm
            line = next(l for l in text.splitlines() if l.strip().startswith(f"{node.id} [label="))
            assert f"|grad| {want:.1e}" in line
            assert f'fillcolor="{heat.heat_color(want)}"' in line
    w = g.find("weight_hh")
    assert w.grad_norm == pytest.approx(float(ref.weight_hh.grad.norm()), rel=1e-10)


def test_edge_gradients_are_what_each_op_sent():
    a = tg.Tensor(np.array([1.0, -2.0]), requires_grad=True, dtype="float64", name="a")
    b = tg.Tensor(np.array([3.0, 4.0]), dtype="float64")
    loss = ((a * b).sum() + (a * 5.0).sum())
    tg.viz.backward_with_grads(loss)
    g = tg.viz.build_graph(loss)
    a_edges = sorted(e.grad_norm for e in g.edges if e.src == g.find("a").id)
    assert a_edges == pytest.approx(sorted([float(np.linalg.norm([3.0, 4.0])), float(np.linalg.norm([5.0, 5.0]))]))
    assert g.find("a").grad_norm == pytest.approx(float(np.linalg.norm([8.0, 9.0])))
    text = tg.viz.to_dot(loss)
    assert f"penwidth=\"{heat.edge_width(5.0)}\"" in text


def test_heat_scale_is_fixed_clipped_and_monotonic():
    pale, dark = heat.heat_color(1e-8), heat.heat_color(1.0)
    assert heat.heat_color(1e-12) == pale and heat.heat_color(0.0) == pale
    assert heat.heat_color(1e3) == dark
    lum = [sum(int(heat.heat_color(10.0 ** e)[i:i + 2], 16) for i in (1, 3, 5)) for e in np.linspace(-8, 0, 17)]
    assert all(x > y for x, y in zip(lum, lum[1:]))
    assert [lab for lab, _ in heat.legend_ticks()][0] == "1e-8"


def test_collapsed_view_boxes_links_and_cell_state_path():
    T = 5
    _, _, _, loss = _unrolled_lstm(T=T)
    tg.viz.backward_with_grads(loss)
    g = tg.viz.build_graph(loss, hide_params=True)
    col = collapse(g)
    steps = [b for b in col.boxes if b.step is not None]
    assert sorted(b.step for b in steps) == list(range(T))
    assert len(col.boxes) == T + 1                     # T steps + the loss's sum
    for b in steps:
        assert [n for n, _ in b.states] == [f"h_{b.step}", f"c_{b.step}"]
        assert dict(b.states)[f"h_{b.step}"] == pytest.approx(g.find(f"h_{b.step}").grad_norm)
    names = sorted(l.name for l in col.links)
    assert names.count("") == 1                       # the sum box -> the root
    assert sorted(n for n in names if n.startswith("c_")) == [f"c_{t}" for t in range(T - 1)]
    assert sorted(n for n in names if n.startswith("h_")) == [f"h_{t}" for t in range(T)]
    text = tg.viz.to_dot(loss, collapse=True)
    c_lines = [l for l in text.splitlines() if f'color="{CELL_STATE_COLOR}"' in l and "->" in l]
    # one row (T <= 10): each c edge runs from the c row of one box to the c row of the next
    assert len(c_lines) == T - 1 and all(re.search(r"b\d+:c:e -> b\d+:c:w", l) for l in c_lines)
    assert text.count("<TD PORT=\"h\"") == T and text.count("<TD PORT=\"c\"") == T


def test_collapsed_rnn_box_colour_fades_back_in_time():
    tg.manual_seed(0)
    cell = tg.nn.RNNCell(3, 8, dtype="float64")
    _, last = tg.viz.unroll_cell(cell, tg.randn(30, 1, 3, dtype="float64"))
    loss = last.sum()
    tg.viz.backward_with_grads(loss)
    col = collapse(tg.viz.build_graph(loss, hide_params=True))
    norms = [dict(b.states)[f"h_{b.step}"] for b in sorted((b for b in col.boxes if b.step is not None), key=lambda b: b.step)]
    assert norms[0] < 1e-3 * norms[-1]                 # untrained tanh RNN: the gradient vanishes


def test_bad_options_give_clear_errors():
    _, _, _, loss = _unrolled_lstm()
    with pytest.raises(ValueError, match="rankdir"):
        tg.viz.to_dot(loss, rankdir="XY")
    with pytest.raises(TypeError, match="roots"):
        tg.viz.to_dot([1, 2])


def test_digraph_source_is_the_dot_text():
    _, _, _, loss = _unrolled_lstm()
    g = tg.viz.draw(loss, rankdir="TB", show_values=True)
    assert g.source == tg.viz.to_dot(loss, rankdir="TB", show_values=True)


def test_import_and_dot_text_without_graphviz_or_matplotlib():
    code = ("import sys; sys.modules['graphviz'] = None; sys.modules['matplotlib'] = None\n"
            "import tinygrad_rnn as tg\n"
            "x = tg.Tensor([1.0, 2.0], requires_grad=True)\n"
            "y = (x * x).sum(); text = tg.viz.to_dot(y)\n"
            "assert text.startswith('digraph G {')\n"
            "try:\n    tg.viz.draw(y)\nexcept ImportError as e:\n    print('IMPORT', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "IMPORT" in out and "pip install graphviz" in out

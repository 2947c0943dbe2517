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

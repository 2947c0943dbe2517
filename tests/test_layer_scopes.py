"""Time steps visible in the graph: every op a layer records sits in the scope path
(name, "layer{l}", "forward"|"backward", "t={t}") and the step tensors are named x_t, h_t, c_t."""
from __future__ import annotations

import re

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.tensor import Tensor

T, B, I, H = 4, 2, 3, 5
STEP = re.compile(r"t=(\d+)")


def graph(*roots: Tensor) -> list[Tensor]:
    """Every tensor reachable from ``roots`` through ``_ctx.parents`` (iteratively)."""
    seen, order, stack = set(), [], list(roots)
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        order.append(t)
        if t._ctx is not None:
            stack.extend(p for p in t._ctx.parents if isinstance(p, Tensor))
    return order


def recorded(nodes):
    return [t for t in nodes if t._ctx is not None]


def named(nodes, name):
    return [t for t in recorded(nodes) if t.name == name]


def test_lstm_scopes_cover_every_layer_direction_and_step():
    lstm = tg.nn.LSTM(I, H, num_layers=2, bidirectional=True)
    x = tg.randn(T, B, I, requires_grad=True)
    out, (h_n, c_n) = lstm(x)
    nodes = graph(out, h_n, c_n)
    steps = set()
    for t in recorded(nodes):
        scope = t._ctx.scope
        assert scope[0] == "lstm", scope
        if len(scope) >= 4:
            name, layer, direction, step = scope[:4]
            assert re.fullmatch(r"layer[01]", layer) and direction in ("forward", "backward"), scope
            assert STEP.fullmatch(step), scope
            steps.add(scope[:4])
    want = {("lstm", f"layer{l}", d, f"t={t}") for l in range(2) for d in ("forward", "backward") for t in range(T)}
    assert steps == want
    # the cells' gates are drawn inside each step
    for scope in want:
        gates = {t.name for t in recorded(nodes) if t._ctx.scope == scope}
        assert {"i", "f", "g", "o"} <= gates, (scope, gates)


def test_state_and_input_names_and_original_time_index():
    lstm = tg.nn.LSTM(I, H, num_layers=2, bidirectional=True)
    x = tg.randn(T, B, I, requires_grad=True)
    out, _ = lstm(x)
    nodes = graph(out)
    for t in range(T):
        for layer in range(2):
            for d in ("forward", "backward"):
                scope = ("lstm", f"layer{layer}", d, f"t={t}")
                for n in ("h", "c"):
                    found = [s for s in named(nodes, f"{n}_{t}") if s._ctx.scope == scope]
                    assert len(found) == 1, (scope, n)
                xs = [s for s in named(nodes, f"x_{t}") if s._ctx.scope == scope]
                assert len(xs) == 1, scope
                if layer == 0:   # the slice of the input at its own t, in both directions
                    assert xs[0].op == "index"
                    np.testing.assert_array_equal(xs[0].numpy(), x.numpy()[t])
                else:            # [forward | backward] outputs of layer 0 at t
                    assert xs[0].shape == (B, 2 * H)


def test_backward_direction_reads_from_its_later_step():
    gru = tg.nn.GRU(I, H, bidirectional=True)
    out, _ = gru(tg.randn(T, B, I, requires_grad=True))
    nodes = graph(out)
    h2 = [s for s in named(nodes, "h_2") if s._ctx.scope[2] == "backward"][0]
    # walk back from h_2 until other named states are met: they must be the backward h_3
    frontier, met = list(h2._ctx.parents), []
    while frontier:
        p = frontier.pop()
        if not isinstance(p, Tensor):
            continue
        if p.name and p.name.startswith("h_"):
            met.append((p.name, p._ctx.scope if p._ctx else None))
            continue
        if p._ctx is not None:
            frontier.extend(p._ctx.parents)
    assert met and all(m == ("h_3", ("gru", "layer0", "backward", "t=3")) for m in met), met


def test_scopes_survive_backward_and_padding_masks_stay_in_steps():
    rnn = tg.nn.RNN(I, H, bidirectional=True, name="encoder")
    out, h_n = rnn(tg.randn(T, B, I, requires_grad=True), lengths=[T, 2])
    out.sum().backward()
    nodes = graph(out, h_n)
    wheres = [t for t in recorded(nodes) if t.op == "where"]
    assert wheres and all(len(t._ctx.scope) == 4 for t in wheres)
    assert all(t._ctx.scope[0] == "encoder" for t in recorded(nodes))
    assert named(nodes, "h_3")[0]._ctx.freed   # freed by backward, still drawable


def test_recurrent_scope_names():
    cell = tg.nn.LSTMCell(I, H)
    out = tg.nn.Recurrent(cell, go_backwards=True)(tg.randn(B, T, I, requires_grad=True))
    scopes = {t._ctx.scope[:4] for t in recorded(graph(out)) if len(t._ctx.scope) >= 4}
    assert scopes == {("lstmcell", "layer0", "backward", f"t={t}") for t in range(T)}
    out = tg.nn.Recurrent(cell, name="decoder")(tg.randn(B, T, I, requires_grad=True))
    assert {t._ctx.scope[:3] for t in recorded(graph(out)) if len(t._ctx.scope) >= 3} == \
        {("decoder", "layer0", "forward")}


def test_bidirectional_wrapper_scopes():
    bi = tg.nn.Bidirectional(tg.nn.Recurrent(tg.nn.GRUCell(I, H), return_sequences=True))
    out = bi(tg.randn(B, T, I, requires_grad=True))
    dirs = {t._ctx.scope[:3] for t in recorded(graph(out)) if len(t._ctx.scope) >= 3}
    assert dirs == {("grucell", "layer0", "forward"), ("grucell", "layer0", "backward")}

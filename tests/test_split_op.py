"""split/chunk as ONE op with several outputs (``ops.shape.Split``, a ``MultiFunction``).

Checked against PyTorch's split/chunk in float64: first and second order, outputs left unused,
outputs used twice, hooks and retain_grad on an output, freed graphs; the drawings show one
split node; an LSTM step records no more ops than the same step in PyTorch's autograd.
"""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.autograd import backward, consumer_counts

torch = pytest.importorskip("torch")

rng = np.random.default_rng(7)
A = rng.standard_normal((3, 10))


def _loss(parts, lib_tanh):
    """Uses piece 0 twice (in one op and in two), piece 1 once, leaves the others unused."""
    p0, p1 = parts[0], parts[1]
    return (p0 * p0 * p1).sum() + (lib_tanh(p1) * p0).sum() + (p0 * 2.0).sum()


def _pair(split_tg, split_torch):
    x = tg.tensor(A, dtype=tg.float64, requires_grad=True)
    xt = torch.tensor(A, requires_grad=True)
    return x, xt, split_tg(x), split_torch(xt)


CASES = [
    ("chunk4", lambda t: t.chunk(4, dim=1), lambda t: t.chunk(4, dim=1)),     # 3, 3, 3, 1
    ("split3", lambda t: t.split(3, dim=1), lambda t: t.split(3, dim=1)),
    ("sections", lambda t: t.split([2, 2, 0, 6], dim=1), lambda t: t.split([2, 2, 0, 6], dim=1)),
    ("rows", lambda t: t.split(1, dim=0), lambda t: t.split(1, dim=0)),
]


@pytest.mark.parametrize("name,split_tg,split_torch", CASES, ids=[c[0] for c in CASES])
def test_split_first_and_second_order_match_torch(name, split_tg, split_torch):
    x, xt, parts, parts_t = _pair(split_tg, split_torch)
    assert len(parts) == len(parts_t)
    assert all(p.op == "split" and p._ctx is parts[0]._ctx for p in parts)   # one node
    for p, q in zip(parts, parts_t):
        np.testing.assert_array_equal(p.numpy(), q.detach().numpy())
    y, yt = _loss(parts, tg.Tensor.tanh), _loss(parts_t, torch.tanh)
    (gx,) = tg.grad(y, x, create_graph=True)
    (gxt,) = torch.autograd.grad(yt, xt, create_graph=True)
    np.testing.assert_allclose(gx.numpy(), gxt.detach().numpy(), rtol=1e-12, atol=1e-12)
    # second order: d/dx of sum(g²) goes back through the recorded split backward
    (hx,) = tg.grad((gx * gx).sum(), x)
    (hxt,) = torch.autograd.grad((gxt * gxt).sum(), xt)
    np.testing.assert_allclose(hx.numpy(), hxt.numpy(), rtol=1e-12, atol=1e-12)


def test_unused_pieces_get_zero_gradient_and_backward_accumulates():
    x = tg.tensor(A, dtype=tg.float64, requires_grad=True)
    a, b, c, d = x.chunk(4, dim=1)
    (b * 3.0).sum().backward()
    expected = np.zeros_like(A)
    expected[:, 3:6] = 3.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    # only the last piece, then a second backward adds to .grad
    x.chunk(4, dim=1)[3].sum().backward()
    expected[:, 9:] += 1.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_pieces_used_by_two_ops_and_as_roots():
    x = tg.tensor(A, dtype=tg.float64, requires_grad=True)
    xt = torch.tensor(A, requires_grad=True)
    outs = []
    for lib, t in (("tg", x), ("torch", xt)):
        a, b = t.split([4, 6], dim=1)
        tanh = torch.tanh if lib == "torch" else tg.Tensor.tanh
        outs.append((a.sum() * b.sum() + tanh(a).sum(), b))
    # two roots: a scalar and a piece itself (with its own seed gradient)
    seed = rng.standard_normal((3, 6))
    backward([outs[0][0], outs[0][1]], [None, tg.tensor(seed, dtype=tg.float64)])
    torch.autograd.backward([outs[1][0], outs[1][1]], [None, torch.tensor(seed)])
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_hooks_and_retain_grad_on_a_piece():
    x = tg.tensor(A, dtype=tg.float64, requires_grad=True)
    a, b = x.split(5, dim=1)
    b.retain_grad()
    seen = []
    a.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 2.0)
    (a.sum() + (b * b).sum()).backward()
    np.testing.assert_array_equal(seen[0], np.ones((3, 5)))
    np.testing.assert_allclose(b.grad.numpy(), 2 * A[:, 5:])
    np.testing.assert_allclose(x.grad.numpy(), np.concatenate([np.full((3, 5), 2.0), 2 * A[:, 5:]], 1))


def test_one_consumer_for_the_input_and_freed_once():
    x = tg.tensor(A, dtype=tg.float64, requires_grad=True)
    a, b, c = x.split([3, 3, 4], dim=1)
    y = (a * b).sum() + c.sum()
    counts = consumer_counts(y)
    assert counts[id(x)] == 1                      # the split is one consumer of x
    assert counts[id(a._ctx)] == 3                 # its three outputs lead to y
    y.backward()
    assert a._ctx.freed
    with pytest.raises(tg.errors.GraphFreedError):
        y.backward()


def test_no_grad_and_values():
    with tg.no_grad():
        parts = tg.tensor(A, dtype=tg.float64, requires_grad=True).chunk(3, dim=1)
    assert all(p._ctx is None and not p.requires_grad for p in parts)
    np.testing.assert_array_equal(np.concatenate([p.numpy() for p in parts], 1), A)


def test_drawing_shows_one_split_node_with_its_outputs():
    tg.manual_seed(0)
    lstm = tg.nn.LSTM(2, 3)
    out, _ = lstm(tg.randn(2, 1, 2))
    loss = out[-1].sum()
    tg.viz.backward_with_grads(loss)
    graph = tg.viz.build_graph(loss, params=lstm)
    splits = [n for n in graph.ops() if n.name == "split"]
    in_steps = [n for n in graph.ops() if any(s.startswith("t=") for s in n.scope)]
    assert len(splits) == 2 and not [n for n in in_steps if n.name == "index"]
    for s in splits:
        made = [e.dst for e in graph.edges if e.src == s.id]
        assert len(made) == 4                      # a_i, a_f, a_g, a_o from one node
        assert {graph.by_id[m].shape for m in made} == {(1, 3)}
    fed = [e for e in graph.edges if e.dst in {s.id for s in splits}]
    assert len(fed) == 2 and all(e.grad_norm is not None and e.grad_norm > 0 for e in fed)
    dot = tg.viz.graph_to_dot(graph)
    assert dot.count('label="split"') == 2 and 'label="[' not in dot   # no index nodes


def _tg_step_ops(H: int = 5) -> dict[str, int]:
    tg.manual_seed(0)
    cell = tg.nn.LSTMCell(4, H)
    h, c = cell(tg.randn(3, 4))
    seen, stack, counts = set(), [h], {}
    while stack:
        t = stack.pop()
        if t._ctx is None or id(t._ctx) in seen:
            continue
        seen.add(id(t._ctx))
        counts[t._ctx.name] = counts.get(t._ctx.name, 0) + 1
        stack.extend(p for p in t._ctx.parents if isinstance(p, tg.Tensor))
    return counts


def _torch_step_nodes(H: int = 5) -> int:
    """The torch-primitive step of ``tinygrad-rnn bench lstm`` (one step from zeros)."""
    torch.manual_seed(0)
    w_ih = torch.randn(4 * H, 4, requires_grad=True)
    w_hh = torch.randn(4 * H, H, requires_grad=True)
    b_ih = torch.randn(4 * H, requires_grad=True)
    b_hh = torch.randn(4 * H, requires_grad=True)
    x, h = torch.randn(3, 4), torch.zeros(3, H)
    c = torch.zeros_like(h)
    z = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    i, f, g, o = z.chunk(4, 1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    seen, stack = set(), [h.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen or type(fn).__name__ == "AccumulateGrad":
            continue
        seen.add(fn)
        stack.extend(nxt for nxt, _ in fn.next_functions)
    return len(seen)


def test_an_lstm_step_records_no_more_ops_than_pytorch():
    ops = _tg_step_ops()
    assert ops.get("split") == 1 and "index" not in ops
    assert sum(ops.values()) <= _torch_step_nodes()
    assert sum(ops.values()) <= 17                 # what the step records now: keep it so

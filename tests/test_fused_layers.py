"""Layers with ``fused=True`` compute what the step-by-step cells compute, under every layer
option: stacked, bidirectional, batch_first, lengths, dropout, initial states, no bias."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg

T, B, I, H = 6, 3, 4, 5
LAYERS = {"rnn": tg.nn.RNN, "lstm": tg.nn.LSTM, "gru": tg.nn.GRU}
OPTIONS = [
    dict(),
    dict(num_layers=3),
    dict(bidirectional=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(bias=False),
    dict(num_layers=2, dropout=0.5),
    dict(lengths=[6, 2, 4]),
    dict(num_layers=2, bidirectional=True, lengths=[3, 6, 1], hx=True),
]


def _run(kind: str, fused: bool, options: dict, extra: dict):
    opts = dict(options)
    lengths, given_hx = opts.pop("lengths", None), opts.pop("hx", False)
    tg.manual_seed(0)
    layer = LAYERS[kind](I, H, fused=fused, **opts, **extra).double()
    D = 2 if opts.get("bidirectional") else 1
    L = opts.get("num_layers", 1)
    rng = np.random.default_rng(1)
    shape = (B, T, I) if opts.get("batch_first") else (T, B, I)
    x = tg.Tensor(rng.standard_normal(shape), requires_grad=True)
    hx = None
    if given_hx:
        parts = tuple(tg.Tensor(rng.standard_normal((D * L, B, H)), requires_grad=True)
                      for _ in range(2 if kind == "lstm" else 1))
        hx = parts if kind == "lstm" else parts[0]
    tg.manual_seed(2)     # the dropout masks come from here: same draws on both paths
    out, state = layer(x, hx, lengths=lengths)
    # the equality test below means nothing unless this run really took the path it claims
    assert any(name.endswith("_sequence") for name in _op_names(out)) == fused
    parts = state if isinstance(state, tuple) else (state,)
    loss = (out * tg.Tensor(rng.standard_normal(out.shape))).sum()
    for p in parts:
        loss = loss + (p * p).sum()
    loss.backward()
    grads = [x.grad.numpy()] + [p.grad.numpy() for p in layer.parameters()]
    if given_hx:
        grads += [p.grad.numpy() for p in (hx if isinstance(hx, tuple) else (hx,))]
    return out.numpy(), [p.numpy() for p in parts], grads


def _op_names(root: tg.Tensor) -> set[str]:
    seen, stack, names = set(), [root], set()
    while stack:
        t = stack.pop()
        if id(t) in seen or t._ctx is None:
            continue
        seen.add(id(t))
        names.add(t._ctx.name)
        stack.extend(p for p in t._ctx.parents if isinstance(p, tg.Tensor))
    return names


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "default")
def test_fused_layer_equals_primitive_layer(kind, options):
    out_p, state_p, grads_p = _run(kind, False, options, {})
    out_f, state_f, grads_f = _run(kind, True, options, {})
    np.testing.assert_allclose(out_f, out_p, atol=1e-12, rtol=0)
    for a, b in zip(state_f, state_p):
        np.testing.assert_allclose(a, b, atol=1e-12, rtol=0)
    assert len(grads_f) == len(grads_p)
    for a, b in zip(grads_f, grads_p):
        np.testing.assert_allclose(a, b, atol=1e-12, rtol=0)


def test_fused_lstm_keeps_tensorflow_forget_bias():
    for options in (dict(), dict(bidirectional=True, lengths=[6, 1, 3])):
        out_p, state_p, grads_p = _run("lstm", False, options, dict(forget_bias=1.0))
        out_f, state_f, grads_f = _run("lstm", True, options, dict(forget_bias=1.0))
        np.testing.assert_allclose(out_f, out_p, atol=1e-12)
        for a, b in zip(grads_f, grads_p):
            np.testing.assert_allclose(a, b, atol=1e-12)


def test_fused_relu_rnn_equals_primitive():
    out_p, _, grads_p = _run("rnn", False, dict(num_layers=2), dict(nonlinearity="relu"))
    out_f, _, grads_f = _run("rnn", True, dict(num_layers=2), dict(nonlinearity="relu"))
    np.testing.assert_allclose(out_f, out_p, atol=1e-12)
    for a, b in zip(grads_f, grads_p):
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("kind, options", [
    ("lstm", dict(peepholes=True)), ("lstm", dict(forget_gate=False)), ("lstm", dict(proj_size=2)),
    ("lstm", dict(recurrent_activation="hard_sigmoid")), ("gru", dict(reset_after=False)),
])
def test_fused_refuses_options_it_does_not_compute(kind, options):
    with pytest.raises(ValueError, match="fused=True"):
        LAYERS[kind](I, H, fused=True, **options)
    assert LAYERS[kind](I, H, fused="auto", **options).fused is False   # falls back to the cells


def test_fused_auto_takes_the_fused_op_where_there_is_one():
    assert LAYERS["lstm"](I, H, fused="auto").fused is True
    with pytest.raises(ValueError, match="'auto'"):
        LAYERS["gru"](I, H, fused="yes")


def test_fused_run_draws_one_op_per_direction():
    layer = tg.nn.LSTM(I, H, num_layers=2, bidirectional=True, fused=True)
    out, _ = layer(tg.randn(T, B, I))
    seen, stack = set(), [out]
    ops = []
    while stack:
        t = stack.pop()
        if id(t) in seen or t._ctx is None:
            continue
        seen.add(id(t))
        ops.append((t._ctx.name, t._ctx.scope))
        stack.extend(p for p in t._ctx.parents if isinstance(p, tg.Tensor))
    fused_ops = sorted(scope for name, scope in ops if name == "lstm_sequence")
    assert fused_ops == [("lstm", f"layer{l}", d) for l in (0, 1) for d in ("backward", "forward")]


def test_fused_layer_float32_stays_float32():
    layer = tg.nn.GRU(I, H, fused=True)
    out, h = layer(tg.randn(T, B, I))
    assert out.dtype == np.float32 and h.dtype == np.float32

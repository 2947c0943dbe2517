"""The fused path: whole-sequence ops and one-step pointwise ops against PyTorch, against
the primitive ops, and against central differences; the benchmark's NumPy reference against us."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn.bench import numpy_reference as ref
from tinygrad_rnn.fused import GRUSequence, LSTMSequence, RNNSequence
from tinygrad_rnn.fused.pointwise import GRUPointwise, LSTMPointwise

T, B, I, H = 5, 3, 4, 6
KINDS = ["lstm", "gru", "rnn_tanh", "rnn_relu"]


def _torch_layer(kind: str, bidirectional: bool) -> torch.nn.Module:
    torch.manual_seed(0)
    if kind == "lstm":
        return torch.nn.LSTM(I, H, bidirectional=bidirectional).double()
    if kind == "gru":
        return torch.nn.GRU(I, H, bidirectional=bidirectional).double()
    return torch.nn.RNN(I, H, nonlinearity=kind[4:], bidirectional=bidirectional).double()


def _run_fused(kind: str, x, h0, c0, params, mask, reverse):
    """Apply the sequence op; return (outputs (T,B,H), h_T, c_T or None)."""
    if kind == "lstm":
        o = LSTMSequence.apply(x, h0, c0, *params, mask=mask, reverse=reverse)
        return o[:T], o[T], o[T + 1]
    if kind == "gru":
        o = GRUSequence.apply(x, h0, *params, mask=mask, reverse=reverse)
    else:
        o = RNNSequence.apply(x, h0, *params, mask=mask, reverse=reverse, nonlinearity=kind[4:])
    return o[:T], o[T], None


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("lengths", [None, [5, 2, 4]])
def test_sequence_ops_match_pytorch_packed_sequences(kind, reverse, lengths):
    layer = _torch_layer(kind, bidirectional=reverse)
    sfx = "_l0_reverse" if reverse else "_l0"
    torch.manual_seed(1)
    x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2 if reverse else 1, B, H, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(2 if reverse else 1, B, H, dtype=torch.float64, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths or [T] * B, enforce_sorted=False)
    out, hn = layer(packed, (h0, c0) if kind == "lstm" else h0)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=T)
    hn, cn = hn if kind == "lstm" else (hn, None)
    d = 1 if reverse else 0
    w_out = torch.arange(H, dtype=torch.float64)
    loss = (out[..., d * H:(d + 1) * H] * w_out).sum() + (hn[d] ** 2).sum()
    if kind == "lstm":
        loss = loss + (cn[d] ** 3).sum()
    loss.backward()

    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    params = [tg.Tensor(getattr(layer, n + sfx).detach().numpy().copy(), requires_grad=True) for n in names]
    xt = tg.Tensor(x.detach().numpy().copy(), requires_grad=True)
    h0t = tg.Tensor(h0[d].detach().numpy().copy(), requires_grad=True)
    c0t = tg.Tensor(c0[d].detach().numpy().copy(), requires_grad=True)
    mask = None if lengths is None else np.arange(T)[:, None] < np.array(lengths)[None, :]
    outs, h_t, c_t = _run_fused(kind, xt, h0t, c0t, params, mask, reverse)
    ours = (outs * tg.arange(H, dtype="float64")).sum() + (h_t ** 2).sum()
    if c_t is not None:
        ours = ours + (c_t ** 3).sum()
    ours.backward()

    np.testing.assert_allclose(outs.numpy(), out[..., d * H:(d + 1) * H].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(h_t.numpy(), hn[d].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), x.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(h0t.grad.numpy(), h0.grad[d].numpy(), atol=1e-10)
    if kind == "lstm":
        np.testing.assert_allclose(c_t.numpy(), cn[d].detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(c0t.grad.numpy(), c0.grad[d].numpy(), atol=1e-10)
    for p, n in zip(params, names):
        np.testing.assert_allclose(p.grad.numpy(), getattr(layer, n + sfx).grad.numpy(), atol=1e-10, err_msg=n)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reverse", [False, True])
def test_sequence_ops_pass_gradcheck_with_mask(kind, reverse):
    rng = np.random.default_rng(3)
    Tg, Bg, Ig, Hg = 3, 2, 2, 3
    G = {"lstm": 4, "gru": 3}.get(kind, 1)
    mask = np.array([[True, True], [True, False], [True, False]])
    t = lambda *s: tg.Tensor(rng.standard_normal(s) * 0.5, requires_grad=True)  # noqa: E731
    x, h0, c0 = t(Tg, Bg, Ig), t(Bg, Hg), t(Bg, Hg)
    params = [t(G * Hg, Ig), t(G * Hg, Hg), t(G * Hg), t(G * Hg)]
    if kind == "lstm":
        fn = lambda x, h0, c0, *p: LSTMSequence.apply(x, h0, c0, *p, mask=mask, reverse=reverse)  # noqa: E731
        assert tg.gradcheck(fn, (x, h0, c0, *params))
    elif kind == "gru":
        fn = lambda x, h0, *p: GRUSequence.apply(x, h0, *p, mask=mask, reverse=reverse)  # noqa: E731
        assert tg.gradcheck(fn, (x, h0, *params))
    else:
        fn = lambda x, h0, *p: RNNSequence.apply(x, h0, *p, mask=mask, reverse=reverse,  # noqa: E731
                                                 nonlinearity=kind[4:])
        assert tg.gradcheck(fn, (x, h0, *params))


def test_sequence_op_without_biases_gradchecks():
    rng = np.random.default_rng(4)
    t = lambda *s: tg.Tensor(rng.standard_normal(s) * 0.5, requires_grad=True)  # noqa: E731
    args = (t(3, 2, 2), t(2, 3), t(2, 3), t(12, 2), t(12, 3))
    assert tg.gradcheck(lambda *a: LSTMSequence.apply(*a), args)


def _primitive_lstm_pointwise(a, c, H):
    i, f, g, o = a[:, :H].sigmoid(), a[:, H:2 * H].sigmoid(), a[:, 2 * H:3 * H].tanh(), a[:, 3 * H:].sigmoid()
    c_new = f * c + i * g
    return tg.stack([o * c_new.tanh(), c_new])


def test_lstm_pointwise_equals_primitive_ops_and_gradchecks():
    rng = np.random.default_rng(5)
    a = tg.Tensor(rng.standard_normal((B, 4 * H)) * 2, requires_grad=True)
    c = tg.Tensor(rng.standard_normal((B, H)), requires_grad=True)
    np.testing.assert_allclose(LSTMPointwise.apply(a, c).numpy(), _primitive_lstm_pointwise(a, c, H).numpy(), atol=1e-13)
    assert tg.gradcheck(lambda a, c: LSTMPointwise.apply(a, c), (a, c))


def test_gru_pointwise_equals_primitive_ops_and_gradchecks():
    rng = np.random.default_rng(6)
    gi, gh = (tg.Tensor(rng.standard_normal((B, 3 * H)), requires_grad=True) for _ in range(2))
    h = tg.Tensor(rng.standard_normal((B, H)), requires_grad=True)
    r = (gi[:, :H] + gh[:, :H]).sigmoid()
    z = (gi[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
    n = (gi[:, 2 * H:] + r * gh[:, 2 * H:]).tanh()
    np.testing.assert_allclose(GRUPointwise.apply(gi, gh, h).numpy(), ((1 - z) * n + z * h).numpy(), atol=1e-13)
    assert tg.gradcheck(lambda *a: GRUPointwise.apply(*a), (gi, gh, h))


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_benchmark_numpy_reference_gradients_match_ours(kind):
    """The hand-written NumPy yardstick of `tinygrad-rnn bench` must compute true gradients."""
    rng = np.random.default_rng(7)
    G = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    x, y = rng.standard_normal((T, B, I)), rng.standard_normal((B, 2))
    w_ih, w_hh = rng.standard_normal((G * H, I)) * 0.4, rng.standard_normal((G * H, H)) * 0.4
    b_ih, b_hh = rng.standard_normal(G * H) * 0.1, rng.standard_normal(G * H) * 0.1
    w_out, b_out = rng.standard_normal((2, H)), rng.standard_normal(2)
    if kind == "gru":
        loss, grads = ref.gru_step(x, y, w_ih, w_hh, b_ih, b_hh, w_out, b_out)
    else:
        loss, grads = (ref.lstm_step if kind == "lstm" else ref.rnn_step)(x, y, w_ih, w_hh, b_ih + b_hh, w_out, b_out)

    P = {n: tg.Tensor(v, requires_grad=True) for n, v in
         dict(w_ih=w_ih, w_hh=w_hh, b_ih=b_ih, b_hh=b_hh, w_out=w_out, b_out=b_out).items()}
    xt, h0 = tg.Tensor(x), tg.zeros(B, H, dtype="float64")
    args = (P["w_ih"], P["w_hh"], P["b_ih"], P["b_hh"])
    if kind == "lstm":
        h_T = LSTMSequence.apply(xt, h0, tg.zeros(B, H, dtype="float64"), *args)[T]
    elif kind == "gru":
        h_T = GRUSequence.apply(xt, h0, *args)[T]
    else:
        h_T = RNNSequence.apply(xt, h0, *args)[T]
    ours = ((h_T @ P["w_out"].T + P["b_out"] - tg.Tensor(y)) ** 2).mean()
    ours.backward()
    assert abs(ours.item() - loss) < 1e-12
    np.testing.assert_allclose(grads["weight_ih"], P["w_ih"].grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads["weight_hh"], P["w_hh"].grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads["w_out"], P["w_out"].grad.numpy(), atol=1e-12)
    if kind == "gru":
        np.testing.assert_allclose(grads["bias_ih"], P["b_ih"].grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(grads["bias_hh"], P["b_hh"].grad.numpy(), atol=1e-12)
    else:
        np.testing.assert_allclose(grads["bias"], P["b_ih"].grad.numpy(), atol=1e-12)

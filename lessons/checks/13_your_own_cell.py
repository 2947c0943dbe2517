"""Checks for lesson 13's exercises (run with ``tinygrad-rnn check 13``)."""
import numpy as np

import tinygrad_rnn as tg


def check_indrnn_cell(cls):
    tg.manual_seed(130)
    cell = cls(3, 4)
    names = [(n, tuple(p.shape)) for n, p in cell.named_parameters()]
    want = [("weight_ih", (4, 3)), ("weight_hh", (4,)), ("bias_ih", (4,))]
    if names != want:
        raise AssertionError(f"parameters should be {want} in that order, got {names}")
    u = cell.weight_hh.numpy()
    if not ((u >= 0) & (u < 1)).all():
        raise AssertionError(f"weight_hh should start uniform in [0, 1), got {np.round(u, 3)}")
    if np.abs(cell.bias_ih.numpy()).max() != 0:
        raise AssertionError("bias_ih should start at zeros")
    if list(dict(cls(3, 4, bias=False).named_parameters())) != ["weight_ih", "weight_hh"]:
        raise AssertionError("with bias=False there should be no bias_ih parameter")
    cell = cell.double()
    rng = np.random.default_rng(131)
    W, uu, b = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=4)
    cell.load_state_dict({"weight_ih": W, "weight_hh": uu, "bias_ih": b})
    x, h = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    got = cell(tg.tensor(x), tg.tensor(h))
    want_h = np.maximum(x @ W.T + uu * h + b, 0.0)
    if tuple(got.shape) != (5, 4) or not np.allclose(got.numpy(), want_h, atol=1e-12):
        raise AssertionError("one step differs from relu(W·x + u ⊙ h + b) computed in NumPy")
    xs = [tg.randn(2, 3, dtype=tg.float64, requires_grad=True) for _ in range(3)]
    h0 = tg.tensor(np.abs(rng.normal(size=(2, 4))) + 0.5, requires_grad=True)
    try:
        tg.gradcheck(lambda a, b_, c, d: cell(c, cell(b_, cell(a, d))), xs + [h0])
    except tg.GradcheckError as e:
        raise AssertionError(f"gradcheck of three unrolled steps failed: {e}") from None
    layer = tg.nn.RNN(3, 4, num_layers=2, bidirectional=True, cell=cls)
    out, h_n = layer(tg.randn(6, 2, 3))
    if tuple(out.shape) != (6, 2, 8) or tuple(h_n.shape) != (4, 2, 4):
        raise AssertionError(f"in a 2-layer bidirectional RNN: got output {tuple(out.shape)}, h_n {tuple(h_n.shape)}")


def check_indrnn_gradient_product(fn):
    rng = np.random.default_rng(132)
    T, B, H = 5, 3, 4
    u = rng.uniform(-1.2, 1.2, size=H)
    W = rng.normal(size=(H, 2))
    xs = rng.normal(size=(T, B, 2))
    h0 = rng.normal(size=(B, H))

    def run(h):
        pre = []
        for t in range(T):
            a = xs[t] @ W.T + u * h
            pre.append(a)
            h = np.maximum(a, 0.0)
        return h, np.stack(pre)

    _, pre = run(h0)
    got = np.asarray(fn(u, pre))
    if got.shape != (B, H):
        raise AssertionError(f"expected shape {(B, H)} (one diagonal per sequence), got {got.shape}")
    eps = 1e-6
    for k in range(H):   # central differences on unit k of h_0, for all sequences at once
        d = np.zeros((B, H))
        d[:, k] = eps
        slope = (run(h0 + d)[0][:, k] - run(h0 - d)[0][:, k]) / (2 * eps)
        if not np.allclose(got[:, k], slope, atol=1e-5):
            raise AssertionError(f"unit {k}: you return {np.round(got[:, k], 4)} but finite differences give "
                                 f"{np.round(slope, 4)}")


CHECKS = [
    ("1. an IndRNN cell", "IndRNNCell", check_indrnn_cell,
     "a = x @ self.weight_ih.T + self.weight_hh * h (+ self.bias_ih); return a.relu()"),
    ("2. the IndRNN's gradient through time", "indrnn_gradient_product", check_indrnn_gradient_product,
     "relu'(a) is 1 where a > 0 and 0 elsewhere; multiply u * relu'(a_t) over the T steps"),
]

"""Checks for lesson 5's exercises (run with ``tinygrad-rnn check 5``)."""
import math

import numpy as np

import tinygrad_rnn as tg


def check_lstm_step_numpy(fn):
    rng = np.random.default_rng(50)
    for B, I, H in ((2, 3, 4), (1, 5, 2)):
        w = {"weight_ih": rng.normal(0, 0.7, (4 * H, I)), "weight_hh": rng.normal(0, 0.7, (4 * H, H)),
             "bias_ih": rng.normal(0, 0.7, 4 * H), "bias_hh": rng.normal(0, 0.7, 4 * H)}
        x, h, c = rng.normal(size=(B, I)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
        got = fn(x.copy(), h.copy(), c.copy(), **{k: v.copy() for k, v in w.items()})
        if not (isinstance(got, tuple) and len(got) == 2):
            raise AssertionError(f"lstm_step_numpy should return a pair (h_new, c_new), got {type(got).__name__}")
        h_got, c_got = (np.asarray(v) for v in got)
        cell = tg.nn.LSTMCell(I, H, dtype=tg.float64)
        cell.load_state_dict(w)
        h_ref, c_ref = cell(tg.tensor(x, dtype=tg.float64), (tg.tensor(h, dtype=tg.float64), tg.tensor(c, dtype=tg.float64)))
        h_ref, c_ref = h_ref.numpy(), c_ref.numpy()
        for name, g, r in (("c_new", c_got, c_ref), ("h_new", h_got, h_ref)):
            if g.shape != r.shape:
                raise AssertionError(f"{name} has shape {g.shape}, expected {r.shape} for B={B}, H={H}")
            if not np.allclose(g, r, atol=1e-10):
                raise AssertionError(f"{name} differs from tg.nn.LSTMCell by up to {np.abs(g - r).max():.3g} "
                                     f"(B={B}, I={I}, H={H})")


def check_steps_until_forgotten(fn):
    for b, fraction in ((0.0, 0.01), (1.0, 0.01), (-1.0, 0.5), (3.0, 1e-3), (2.0, 0.25), (0.0, 0.5)):
        got = fn(b, fraction)
        if isinstance(got, float) and got.is_integer():
            got = int(got)
        if not isinstance(got, (int, np.integer)):
            raise AssertionError(f"steps_until_forgotten({b}, {fraction}) returned {got!r}; expected a whole number")
        f = 1.0 / (1.0 + math.exp(-b))
        ok = f ** got < fraction and (got == 0 or f ** (got - 1) >= fraction)
        if not ok:
            raise AssertionError(f"for b = {b} (f = σ(b) = {f:.4f}) and fraction {fraction} you returned {got}, "
                                 f"but f^{got} = {f ** got:.4g}; the answer is the first n with f^n below {fraction}")


def check_tf1_bias_to_pytorch(fn):
    rng = np.random.default_rng(51)
    H = 3
    tf_bias = rng.normal(size=4 * H)
    original = tf_bias.copy()
    for fb in (1.0, 0.0, 2.5):
        got = np.asarray(fn(tf_bias, fb), dtype=float)
        if not np.array_equal(tf_bias, original):
            raise AssertionError("tf1_bias_to_pytorch changed its input array; build a new one instead")
        if got.shape != (4 * H,):
            raise AssertionError(f"expected a bias of shape ({4 * H},), got {got.shape}")
        blocks = {"i": tf_bias[0:H], "f": tf_bias[2 * H:3 * H] + fb, "g": tf_bias[H:2 * H], "o": tf_bias[3 * H:]}
        for k, name in enumerate("ifgo"):
            if not np.allclose(got[k * H:(k + 1) * H], blocks[name]):
                raise AssertionError(f"with forget_bias = {fb}, block {k} of your result (rows {k * H}:{(k + 1) * H}) "
                                     f"should be gate {name} but holds {np.round(got[k * H:(k + 1) * H], 3)}")
    # the ported bias must give the same forget gate as TF1's formula σ(b_f + forget_bias)
    cell = tg.nn.LSTMCell(1, H, dtype=tg.float64)
    sd = cell.state_dict()
    sd["weight_ih"][:] = 0.0
    sd["weight_hh"][:] = 0.0
    sd["bias_ih"][:] = np.asarray(fn(tf_bias, 1.0), dtype=float)
    sd["bias_hh"][:] = 0.0
    cell.load_state_dict(sd)
    c0 = np.ones((1, H))
    _, c1 = cell(tg.zeros(1, 1, dtype=tg.float64), (tg.zeros(1, H, dtype=tg.float64), tg.tensor(c0)))
    sig = lambda a: 1.0 / (1.0 + np.exp(-a))
    want = sig(tf_bias[2 * H:3 * H] + 1.0) * c0 + sig(tf_bias[0:H]) * np.tanh(tf_bias[H:2 * H])
    if not np.allclose(c1.numpy(), want, atol=1e-12):
        raise AssertionError("a cell loaded with your bias does not compute TF1's c_t = σ(f + forget_bias)·c + σ(i)·tanh(j)")


CHECKS = [
    ("1. one LSTM step in NumPy", "lstm_step_numpy", check_lstm_step_numpy,
     "a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh, then np.split(a, 4, axis=1) gives i, f, g, o in that order"),
    ("2. steps until forgotten", "steps_until_forgotten", check_steps_until_forgotten,
     "f = 1 / (1 + exp(−b)); multiply a running product by f until it drops below the fraction, counting the steps"),
    ("3. TF1 bias to PyTorch layout", "tf1_bias_to_pytorch", check_tf1_bias_to_pytorch,
     "TF1 keeps the blocks as i, j, f, o and PyTorch as i, f, g, o (g is TF1's j); forget_bias goes into the forget block only"),
]

"""Checks for lesson 3's exercises (run with ``tinygrad-rnn check 3``).

The reference is the library: the same network built from tinygrad_rnn ops in float64,
differentiated by autograd, on sizes and numbers drawn fresh every run. The learner's functions
are NumPy only: they run with a watch on tinygrad_rnn (and torch, jax, …), and a gradient must
agree with autograd to 1e-10, which finite differences cannot reach.
"""
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng

RULE = "NumPy only: backpropagation through time by hand"


def _problem(r, T: int = 4):
    I, H, K = (int(v) for v in r.integers(2, 6, 3))
    U, W, V = (r.standard_normal(s) * 0.7 for s in ((H, I), (H, H), (K, H)))
    xs = r.standard_normal((T, I))
    ys = [int(v) for v in r.integers(0, K, T)]
    return U, W, V, xs, ys


def _library(U, W, V, xs, ys):
    """States, probabilities and gradients from tinygrad_rnn (autograd, float64)."""
    tU, tW, tV = (tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in (U, W, V))
    s = tg.zeros(W.shape[0], dtype=tg.float64)
    states, probs, E = [s], [], None
    for t in range(len(xs)):
        s = (tU @ tg.tensor(xs[t], dtype=tg.float64) + tW @ s).tanh()
        logp = (tV @ s).log_softmax(axis=0)
        states.append(s)
        probs.append(logp.exp())
        E_t = -logp[ys[t]]
        E = E_t if E is None else E + E_t
    E.backward()
    return (np.stack([x.numpy() for x in states]), np.stack([p.numpy() for p in probs]),
            (tU.grad.numpy(), tW.grad.numpy(), tV.grad.numpy()))


def check_rnn_forward(fn):
    r = rng()
    for T in (int(r.integers(2, 4)), int(r.integers(5, 9))):
        U, W, V, xs, ys = _problem(r, T=T)
        out = by_hand(fn, U, W, V, xs, what=RULE)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise AssertionError("rnn_forward should return a pair (states, probs)")
        states, probs = (np.asarray(a) for a in out)
        want_states, want_probs, _ = _library(U, W, V, xs, ys)
        sizes = {"T": T, "U": U.shape, "V": V.shape}
        if states.shape != want_states.shape:
            raise AssertionError(f"states should have shape (T + 1, H) = {want_states.shape}, got {states.shape} "
                                 f"(remember states[0] = s_0 = 0)")
        for t in range(T + 1):
            assert_close(f"states[{t}]", states[t], want_states[t], sizes)
        assert_close("probs (the softmax outputs; each row sums to 1)", probs, want_probs, sizes)


def check_bptt(fn):
    r = rng()
    for T in (int(r.integers(2, 4)), int(r.integers(6, 10))):
        U, W, V, xs, ys = _problem(r, T=T)
        got = by_hand(fn, U, W, V, xs, ys, what=RULE)
        if not (isinstance(got, tuple) and len(got) == 3):
            raise AssertionError("bptt should return a tuple (dU, dW, dV)")
        _, _, want = _library(U, W, V, xs, ys)
        for name, g, w in zip(("dU", "dW", "dV"), got, want):
            assert_close(name, g, w, {"T": T, "U": U.shape, "ys": ys})


CHECKS = [
    ("1. the RNN forward pass", "rnn_forward", check_rnn_forward, [
        "states has T + 1 rows: row 0 is the zero start state, row t is s_t, made from xs[t − 1] and row t − 1",
        "one loop over t = 1 … T: the state first, then the scores V s_t, then a softmax of the scores",
        "softmax: e = np.exp(scores − scores.max()); e / e.sum()",
    ]),
    ("2. backpropagation through time", "bptt", check_bptt, [
        "run your forward pass first; then walk t = T … 1, carrying the gradient that flows into s_t from the future",
        "the gradient reaching s_t has two parts: Vᵀ g_t from its own loss and Wᵀ δ_(t+1) from the next step; tanh "
        "multiplies it by (1 − s_t²)",
        "each weight's gradient is a sum over t of outer products: np.outer(δ_t, s_(t−1)) for W, np.outer(δ_t, x_t) "
        "for U, np.outer(g_t, s_t) for V",
    ]),
]

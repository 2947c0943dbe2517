"""Checks for lesson 3's exercises (run with ``tinygrad-rnn check 3``).

The reference is the library: the same network built from tinygrad_rnn ops in float64,
differentiated by autograd.
"""
import numpy as np

import tinygrad_rnn as tg


def _problem(seed: int, T: int = 4, I: int = 3, H: int = 5, K: int = 4):
    rng = np.random.default_rng(seed)
    U, W, V = (rng.standard_normal(s) * 0.7 for s in ((H, I), (H, H), (K, H)))
    xs = rng.standard_normal((T, I))
    ys = [int(v) for v in rng.integers(0, K, T)]
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
    for seed, T in ((0, 3), (1, 6)):
        U, W, V, xs, ys = _problem(seed, T=T)
        out = fn(U, W, V, xs)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise AssertionError("rnn_forward should return a pair (states, probs)")
        states, probs = (np.asarray(a) for a in out)
        want_states, want_probs, _ = _library(U, W, V, xs, ys)
        if states.shape != want_states.shape:
            raise AssertionError(f"states should have shape (T + 1, H) = {want_states.shape}, got {states.shape} "
                                 f"(remember states[0] = s_0 = 0)")
        if probs.shape != want_probs.shape:
            raise AssertionError(f"probs should have shape (T, K) = {want_probs.shape}, got {probs.shape}")
        if not np.allclose(states, want_states, atol=1e-10):
            bad = int(np.abs(states - want_states).max(axis=1).argmax())
            raise AssertionError(f"states[{bad}] is wrong (T = {T}); s_t = tanh(U x_t + W s_(t-1)) with x_t = xs[t-1]")
        if not np.allclose(probs, want_probs, atol=1e-10):
            raise AssertionError("the states are right but the softmax outputs are not; each row of probs must sum to 1")


def check_bptt(fn):
    for seed, T in ((2, 3), (3, 7)):
        U, W, V, xs, ys = _problem(seed, T=T)
        got = fn(U, W, V, xs, ys)
        if not (isinstance(got, tuple) and len(got) == 3):
            raise AssertionError("bptt should return a tuple (dU, dW, dV)")
        _, _, want = _library(U, W, V, xs, ys)
        for name, g, w in zip(("dU", "dW", "dV"), got, want):
            g = np.asarray(g)
            if g.shape != w.shape:
                raise AssertionError(f"{name} should have shape {w.shape}, got {g.shape}")
            if not np.allclose(g, w, atol=1e-9):
                raise AssertionError(f"{name} differs from autograd by up to {np.abs(g - w).max():.3g} (T = {T})")


CHECKS = [
    ("1. the RNN forward pass", "rnn_forward", check_rnn_forward,
     "states = np.zeros((T + 1, H)); for t in 1..T: states[t] = np.tanh(U @ xs[t-1] + W @ states[t-1])"),
    ("2. backpropagation through time", "bptt", check_bptt,
     "go backwards from t = T; the state's gradient has two parts, Vᵀ g_t from its own loss and Wᵀ δ_(t+1) "
     "from the next step"),
]

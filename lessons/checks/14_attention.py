"""Checks for lesson 14's exercises (run with ``tinygrad-rnn check 14``).

Every run draws fresh sizes, lengths and inputs (the seed is printed; ``--seed`` repeats a
run). The first two exercises are NumPy only: they run with a watch on tinygrad_rnn, which says
so if it is used inside them (``Tensor.softmax``, for instance). The third is built from tensor
ops on purpose, and its gradient is checked with ``tg.gradcheck``.
"""
import math

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import by_hand, rng


def _attention_loop(scores_fn, enc):
    """Weights and context computed one position at a time, with plain Python floats."""
    N, B, H = enc.shape
    weights = np.zeros((N, B))
    context = np.zeros((B, H))
    for b in range(B):
        scores = [scores_fn(j, b) for j in range(N)]
        top = max(scores)
        ex = [math.exp(e - top) for e in scores]
        for j in range(N):
            weights[j, b] = ex[j] / sum(ex)
            context[b] += weights[j, b] * enc[j, b]
    return weights, context


def check_additive_attention(fn):
    r = rng()
    N, B, H, A = (int(k) for k in (r.integers(2, 8), r.integers(1, 5), r.integers(1, 6), r.integers(1, 8)))
    s, enc = r.normal(size=(B, H)), r.normal(size=(N, B, H))
    W_s, W_h, v = r.normal(size=(A, H)), r.normal(size=(A, H)), r.normal(size=A)
    got = by_hand(fn, s, enc, W_s, W_h, v)
    if not (isinstance(got, tuple) and len(got) == 2):
        raise AssertionError("return a pair (weights, context)")
    w, c = (np.asarray(g) for g in got)
    want_w, want_c = _attention_loop(lambda j, b: float(v @ np.tanh(W_s @ s[b] + W_h @ enc[j, b])), enc)
    if w.shape != (N, B) or c.shape != (B, H):
        raise AssertionError(f"expected weights {(N, B)} and context {(B, H)}, got {w.shape} and {c.shape}")
    if not np.allclose(w, want_w, atol=1e-10):
        raise AssertionError(f"the weights are wrong (N = {N}, B = {B}, H = {H}, A = {A}); by up to "
                             f"{np.abs(w - want_w).max():.3g}; do the weights of each sequence b sum to 1 over j?")
    if not np.allclose(c, want_c, atol=1e-10):
        raise AssertionError(f"the weights are right but the context is off by up to {np.abs(c - want_c).max():.3g}")
    big = by_hand(fn, s * 1e3, enc * 1e3, W_s, W_h, v * 1e3)
    if not np.isfinite(np.asarray(big[0])).all():
        raise AssertionError("with very large scores the weights are not finite: subtract the maximum first")


def check_masked_attention(fn):
    r = rng()
    N, B = int(r.integers(3, 9)), int(r.integers(2, 6))
    scores = r.normal(size=(N, B)) * 3
    lengths = [int(n) for n in r.integers(1, N + 1, size=B)]
    lengths[int(r.integers(B))] = N                    # one sequence fills the whole padded length
    w = np.asarray(by_hand(fn, scores.copy(), list(lengths)))
    if w.shape != (N, B):
        raise AssertionError(f"expected shape {(N, B)}, got {w.shape}")
    for b, n in enumerate(lengths):
        if np.any(w[n:, b] != 0):
            raise AssertionError(f"sequence {b} (length {n}) gives weight to padded positions {list(range(n, N))}")
        ex = np.array([math.exp(e) for e in scores[:n, b]])
        if not np.allclose(w[:n, b], ex / ex.sum(), atol=1e-12):
            raise AssertionError(f"sequence {b} (length {n}): the weights on its real positions are not a softmax of them")
    w2 = np.asarray(by_hand(fn, np.full((N, B), 800.0), list(lengths)))
    if not np.isfinite(w2).all():
        raise AssertionError("with scores of 800 the result is not finite: subtract the maximum before exp")


def check_dot_attention(fn):
    r = rng()
    N, B, H = int(r.integers(2, 6)), int(r.integers(1, 4)), int(r.integers(1, 5))
    s_np, enc_np = r.normal(size=(B, H)), r.normal(size=(N, B, H))
    s = tg.tensor(s_np, requires_grad=True)
    enc = tg.tensor(enc_np, requires_grad=True)
    got = fn(s, enc)
    if not (isinstance(got, tuple) and len(got) == 2 and all(isinstance(g, tg.Tensor) for g in got)):
        raise AssertionError("return a pair of Tensors (weights, context)")
    w, c = got
    want_w, want_c = _attention_loop(lambda j, b: float(s_np[b] @ enc_np[j, b]), enc_np)
    if tuple(w.shape) != (N, B) or not np.allclose(w.numpy(), want_w, atol=1e-10):
        raise AssertionError(f"weights should be softmax over j of sᵀh_j, shape {(N, B)}")
    if tuple(c.shape) != (B, H) or not np.allclose(c.numpy(), want_c, atol=1e-10):
        raise AssertionError(f"context should be Σ_j α_j h_j, shape {(B, H)}")
    try:
        tg.gradcheck(lambda a, b: fn(a, b)[1], [s, enc])
    except tg.GradcheckError as e:
        raise AssertionError(f"the gradient through your attention is wrong or cut: {e}") from None


CHECKS = [
    ("1. additive attention in NumPy", "additive_attention", check_additive_attention, [
        "three steps: a score e_j for every position j and sequence b (shape (N, B)), a softmax over j, "
        "a weighted sum of the h_j",
        "s @ W_s.T is (B, A) and enc @ W_h.T is (N, B, A): add them with broadcasting, tanh, then @ v",
        "softmax over axis 0 (the positions), after subtracting each column's maximum; context = "
        "Σ_j α_j h_j needs the weights with a trailing axis of length 1",
    ]),
    ("2. attention over a padded batch", "masked_attention", check_masked_attention, [
        "a padded position must end with weight exactly 0: what score gives exp(score) = 0?",
        "a (N, B) mask from np.arange(N) and the lengths says which positions are real; np.where puts −inf "
        "elsewhere",
        "then the same stable softmax over axis 0 as in exercise 1",
    ]),
    ("3. dot-product attention with tensors", "dot_attention", check_dot_attention, [
        "the score of position j is the dot product of s and h_j: multiply, then sum over the feature axis",
        "(enc * s) broadcasts s over the positions; Tensor.softmax(axis) normalises over j",
        "the context needs the weights as (N, B, 1) against enc (N, B, H): unsqueeze, multiply, sum over axis 0",
    ]),
]

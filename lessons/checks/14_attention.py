"""Checks for lesson 14's exercises (run with ``tinygrad-rnn check 14``)."""
import math

import numpy as np

import tinygrad_rnn as tg


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
    rng = np.random.default_rng(140)
    N, B, H, A = 5, 3, 4, 6
    s, enc = rng.normal(size=(B, H)), rng.normal(size=(N, B, H))
    W_s, W_h, v = rng.normal(size=(A, H)), rng.normal(size=(A, H)), rng.normal(size=A)
    got = fn(s, enc, W_s, W_h, v)
    if not (isinstance(got, tuple) and len(got) == 2):
        raise AssertionError("return a pair (weights, context)")
    w, c = (np.asarray(g) for g in got)
    want_w, want_c = _attention_loop(lambda j, b: float(v @ np.tanh(W_s @ s[b] + W_h @ enc[j, b])), enc)
    if w.shape != (N, B) or c.shape != (B, H):
        raise AssertionError(f"expected weights {(N, B)} and context {(B, H)}, got {w.shape} and {c.shape}")
    if not np.allclose(w, want_w, atol=1e-10):
        raise AssertionError("the weights are wrong: e_j = v·tanh(W_s s + W_h h_j), softmax over j (axis 0)")
    if not np.allclose(c, want_c, atol=1e-10):
        raise AssertionError("the weights are right but the context is not: Σ_j α_j h_j")
    big = fn(s * 1e3, enc * 1e3, W_s, W_h, v * 1e3)
    if not np.isfinite(np.asarray(big[0])).all():
        raise AssertionError("with very large scores the weights are not finite: subtract the maximum first")


def check_masked_attention(fn):
    rng = np.random.default_rng(141)
    N, B = 6, 4
    scores = rng.normal(size=(N, B)) * 3
    lengths = [6, 1, 3, 5]
    w = np.asarray(fn(scores.copy(), lengths))
    if w.shape != (N, B):
        raise AssertionError(f"expected shape {(N, B)}, got {w.shape}")
    for b, n in enumerate(lengths):
        if np.any(w[n:, b] != 0):
            raise AssertionError(f"sequence {b} (length {n}) gives weight to padded positions {list(range(n, N))}")
        ex = np.array([math.exp(e) for e in scores[:n, b]])
        if not np.allclose(w[:n, b], ex / ex.sum(), atol=1e-12):
            raise AssertionError(f"sequence {b} (length {n}): the weights on its real positions are not a softmax of them")
    w2 = np.asarray(fn(np.full((N, B), 800.0), lengths))
    if not np.isfinite(w2).all():
        raise AssertionError("with scores of 800 the result is not finite: subtract the maximum before exp")


def check_dot_attention(fn):
    rng = np.random.default_rng(142)
    N, B, H = 4, 2, 3
    s_np, enc_np = rng.normal(size=(B, H)), rng.normal(size=(N, B, H))
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
    ("1. additive attention in NumPy", "additive_attention", check_additive_attention,
     "scores = np.tanh((s @ W_s.T)[None] + enc @ W_h.T) @ v has shape (N, B); softmax over axis 0"),
    ("2. attention over a padded batch", "masked_attention", check_masked_attention,
     "np.where(np.arange(N)[:, None] < lengths, scores, -np.inf), then a stable softmax over axis 0"),
    ("3. dot-product attention with tensors", "dot_attention", check_dot_attention,
     "weights = (enc * s).sum(2).softmax(0); context = (weights.unsqueeze(2) * enc).sum(0)"),
]

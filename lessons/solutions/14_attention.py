"""Solutions to lesson 14's exercises (one way to do each)."""
import numpy as np

import tinygrad_rnn as tg  # noqa: F401


def additive_attention(s, enc, W_s, W_h, v):
    scores = np.tanh((s @ W_s.T)[None] + enc @ W_h.T) @ v          # (N, B)
    e = np.exp(scores - scores.max(0, keepdims=True))
    weights = e / e.sum(0, keepdims=True)
    return weights, (weights[:, :, None] * enc).sum(0)


def masked_attention(scores, lengths):
    scores = np.asarray(scores, dtype=float)
    real = np.arange(scores.shape[0])[:, None] < np.asarray(lengths)[None, :]
    masked = np.where(real, scores, -np.inf)
    e = np.exp(masked - masked.max(0, keepdims=True))
    return e / e.sum(0, keepdims=True)


def dot_attention(s, enc):
    weights = (enc * s).sum(2).softmax(0)                          # (N, B)
    return weights, (weights.unsqueeze(2) * enc).sum(0)

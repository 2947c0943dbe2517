"""Exercises for lesson 14: attention.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 14``.
Exercises 1 and 2 are NumPy only (the check watches for tinygrad_rnn inside them, and says so);
exercise 3 is built from tensor ops on purpose.
"""
import numpy as np  # noqa: F401  (you will need it)

import tinygrad_rnn as tg  # noqa: F401  (for exercise 3)


def additive_attention(s, enc, W_s, W_h, v):
    """Bahdanau's attention for a batch, in NumPy.

    s (B, H) decoder states; enc (N, B, H) encoder states h_0 … h_{N−1}; W_s (A, H), W_h (A, H),
    v (A,). Return ``(weights, context)``: weights (N, B) with
    α_j = softmax over j of e_j = vᵀ tanh(W_s·s + W_h·h_j), and context (B, H) = Σ_j α_j h_j.
    Subtract the largest score before exponentiating, so that large scores do not overflow.
    """
    # TODO: scores (N, B), a stable softmax over axis 0, then the weighted sum
    raise NotImplementedError


def masked_attention(scores, lengths):
    """Attention weights for a padded batch.

    ``scores`` (N, B) are the e_j; sequence b is real for j < lengths[b] and padding after.
    Return weights (N, B): a softmax over the real positions of each sequence, and exactly 0
    at the padded ones (the context must never see padding).
    """
    # TODO: set padded scores to -inf (or leave them out), then a stable softmax over axis 0
    raise NotImplementedError


def dot_attention(s, enc):
    """Luong's dot-product attention with tg tensors: e_j = sᵀ h_j.

    ``s`` is a Tensor (B, H), ``enc`` a Tensor (N, B, H). Return ``(weights, context)`` as
    Tensors, weights (N, B) = softmax over j, context (B, H) = Σ_j α_j h_j, built from tensor
    ops so that gradients flow back to ``s`` and ``enc``.
    """
    # TODO: (enc * s).sum(2) gives the scores; then .softmax(0); then a weighted sum over axis 0
    raise NotImplementedError

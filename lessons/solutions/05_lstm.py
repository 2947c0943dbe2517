"""Solutions to lesson 5's exercises (one way of many). Check them with ``tinygrad-rnn check 5 --solutions``."""
import math

import numpy as np


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def lstm_step_numpy(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step in plain NumPy, PyTorch layout (blocks i, f, g, o). Returns (h_new, c_new)."""
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh      # (B, 4H)
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    return h_new, c_new


def steps_until_forgotten(forget_preactivation: float, fraction: float) -> int:
    """Smallest n with σ(b)ⁿ < fraction."""
    f = 1.0 / (1.0 + math.exp(-forget_preactivation))
    n, kept = 0, 1.0
    while kept >= fraction:          # a loop avoids the rounding traps of ceil(log(...))
        kept *= f
        n += 1
    return n


def tf1_bias_to_pytorch(tf_bias, forget_bias: float):
    """TF1 blocks i, j, f, o (+ constant forget_bias) -> PyTorch blocks i, f, g, o."""
    b_i, b_j, b_f, b_o = np.split(np.asarray(tf_bias, dtype=float), 4)
    return np.concatenate([b_i, b_f + forget_bias, b_j, b_o])

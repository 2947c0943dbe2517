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


def lstm_step_backward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, dh_new, dc_new):
    """One LSTM step's gradients by hand: the six δ equations, then the linear map's."""
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    tc = np.tanh(f * c + i * g)
    d_o = dh_new * tc * o * (1 - o)                       # h_new = o ⊙ tanh(c_new)
    d_c = dc_new + dh_new * o * (1 - tc ** 2)             # c_new feeds the belt and h_new
    d_f = d_c * c * f * (1 - f)                           # c_new = f ⊙ c + i ⊙ g
    d_i = d_c * g * i * (1 - i)
    d_g = d_c * i * (1 - g ** 2)
    d_c_old = d_c * f
    da = np.concatenate([d_i, d_f, d_g, d_o], axis=1)     # (B, 4H), blocks i, f, g, o
    return {"x": da @ weight_ih, "h": da @ weight_hh, "c": d_c_old,
            "weight_ih": da.T @ x, "weight_hh": da.T @ h, "bias_ih": da.sum(0), "bias_hh": da.sum(0)}


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

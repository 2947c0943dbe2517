"""Hand-written NumPy recurrent nets with hand-written backpropagation through time.

This is the yardstick of ``tinygrad-rnn bench``: what a careful person writes without any
framework — the input projection for all steps hoisted into one product, one recurrent
product per step, weight gradients as one product after the loop. It is kept independent of
the library on purpose (the tests check its gradients against ours).

Each ``*_step`` function runs forward + backward of a model "layer → linear head on the last
hidden state → mean squared error" and returns the loss and the gradients, in PyTorch's
parameter layout.
"""
from __future__ import annotations

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * z) + 0.5


def lstm_step(x, y, w_ih, w_hh, b, w_out, b_out):
    """x (T, B, I), y (B, O); LSTM (gates i, f, g, o; b = b_ih + b_hh) then a linear head."""
    T, B, I = x.shape
    H = w_hh.shape[1]
    xz = (x.reshape(T * B, I) @ w_ih.T + b).reshape(T, B, 4 * H)
    hs = np.zeros((T + 1, B, H), x.dtype)
    cs = np.zeros((T + 1, B, H), x.dtype)
    gates = np.empty((T, B, 4 * H), x.dtype)
    for t in range(T):
        z = xz[t] + hs[t] @ w_hh.T
        i, f, g, o = _sigmoid(z[:, :H]), _sigmoid(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), _sigmoid(z[:, 3 * H:])
        cs[t + 1] = f * cs[t] + i * g
        hs[t + 1] = o * np.tanh(cs[t + 1])
        gates[t] = np.concatenate([i, f, g, o], axis=1)
    pred = hs[T] @ w_out.T + b_out
    diff = pred - y
    loss = float((diff ** 2).mean())
    dpred = 2 * diff / diff.size
    dw_out, db_out = dpred.T @ hs[T], dpred.sum(0)
    dh, dc = dpred @ w_out, np.zeros((B, H), x.dtype)
    dz = np.empty_like(gates)
    for t in range(T - 1, -1, -1):
        i, f, g, o = (gates[t, :, k * H:(k + 1) * H] for k in range(4))
        tc = np.tanh(cs[t + 1])
        dc = dc + dh * o * (1 - tc ** 2)
        dz[t] = np.concatenate([dc * g * i * (1 - i), dc * cs[t] * f * (1 - f),
                                dc * i * (1 - g ** 2), dh * tc * o * (1 - o)], axis=1)
        dh = dz[t] @ w_hh
        dc = dc * f
    dzf = dz.reshape(T * B, 4 * H)
    grads = {"weight_ih": dzf.T @ x.reshape(T * B, I), "weight_hh": dzf.T @ hs[:T].reshape(T * B, H),
             "bias": dzf.sum(0), "w_out": dw_out, "b_out": db_out}
    return loss, grads


def gru_step(x, y, w_ih, w_hh, b_ih, b_hh, w_out, b_out):
    """x (T, B, I), y (B, O); PyTorch's GRU (r, z, n; reset after the product) then a linear head."""
    T, B, I = x.shape
    H = w_hh.shape[1]
    gi = (x.reshape(T * B, I) @ w_ih.T + b_ih).reshape(T, B, 3 * H)
    hs = np.zeros((T + 1, B, H), x.dtype)
    saved = []
    for t in range(T):
        gh = hs[t] @ w_hh.T + b_hh
        r = _sigmoid(gi[t, :, :H] + gh[:, :H])
        z = _sigmoid(gi[t, :, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[t, :, 2 * H:] + r * gh[:, 2 * H:])
        hs[t + 1] = (1 - z) * n + z * hs[t]
        saved.append((r, z, n, gh[:, 2 * H:]))
    pred = hs[T] @ w_out.T + b_out
    diff = pred - y
    loss = float((diff ** 2).mean())
    dpred = 2 * diff / diff.size
    dw_out, db_out = dpred.T @ hs[T], dpred.sum(0)
    dh = dpred @ w_out
    dgi = np.empty((T, B, 3 * H), x.dtype)
    dgh = np.empty((T, B, 3 * H), x.dtype)
    for t in range(T - 1, -1, -1):
        r, z, n, hn = saved[t]
        dan = dh * (1 - z) * (1 - n ** 2)
        dar = dan * hn * r * (1 - r)
        daz = dh * (hs[t] - n) * z * (1 - z)
        dgi[t] = np.concatenate([dar, daz, dan], axis=1)
        dgh[t] = np.concatenate([dar, daz, dan * r], axis=1)
        dh = dh * z + dgh[t] @ w_hh
    gif, ghf = dgi.reshape(T * B, -1), dgh.reshape(T * B, -1)
    grads = {"weight_ih": gif.T @ x.reshape(T * B, I), "weight_hh": ghf.T @ hs[:T].reshape(T * B, H),
             "bias_ih": gif.sum(0), "bias_hh": ghf.sum(0), "w_out": dw_out, "b_out": db_out}
    return loss, grads


def rnn_step(x, y, w_ih, w_hh, b, w_out, b_out):
    """x (T, B, I), y (B, O); tanh RNN then a linear head."""
    T, B, I = x.shape
    H = w_hh.shape[1]
    xz = (x.reshape(T * B, I) @ w_ih.T + b).reshape(T, B, H)
    hs = np.zeros((T + 1, B, H), x.dtype)
    for t in range(T):
        hs[t + 1] = np.tanh(xz[t] + hs[t] @ w_hh.T)
    pred = hs[T] @ w_out.T + b_out
    diff = pred - y
    loss = float((diff ** 2).mean())
    dpred = 2 * diff / diff.size
    dw_out, db_out = dpred.T @ hs[T], dpred.sum(0)
    dh = dpred @ w_out
    da = np.empty((T, B, H), x.dtype)
    for t in range(T - 1, -1, -1):
        da[t] = dh * (1 - hs[t + 1] ** 2)
        dh = da[t] @ w_hh
    daf = da.reshape(T * B, H)
    grads = {"weight_ih": daf.T @ x.reshape(T * B, I), "weight_hh": daf.T @ hs[:T].reshape(T * B, H),
             "bias": daf.sum(0), "w_out": dw_out, "b_out": db_out}
    return loss, grads

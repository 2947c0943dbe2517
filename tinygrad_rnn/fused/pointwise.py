"""One step's gate math as a single op: everything after the matrix products.

The primitive LSTM cell records about a dozen elementwise ops per step (four activations,
three products, a sum, a tanh, ...). These ops do the same arithmetic in one recorded op with
a hand-derived backward, so a cell that uses them records two matrix products, one add and
one pointwise op per step. They work in every layer (any mask, dropout or direction), since
the layer only sees a cell.

On NumPy they are a handful of array expressions; on CuPy the forward and the backward are
each one elementwise kernel (``_cuda_kernels``), instead of a dozen kernel launches per step.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import xp_of
from ..tensor import Function
from .sequence import quiet_overflow, sigmoid_


class LSTMPointwise(Function):
    """(a (B, 4H) pre-activations in gate order i, f, g, o;  c_{t−1} (B, H)) -> (2, B, H) = [h_t, c_t]

    forward:  i, f, o = σ(a_i, a_f, a_o);  g = tanh(a_g);  c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
    backward: δc = δc_t + δh_t ⊙ o ⊙ (1 − tanh² c_t)
              δa = [δc·g·i(1−i), δc·c_{t−1}·f(1−f), δc·i·(1−g²), δh_t·tanh(c_t)·o(1−o)]
              δc_{t−1} = δc ⊙ f
    """
    name = "lstm_pointwise"
    once_differentiable = True   # array-only backward: create_graph=True needs the per-step cells

    @quiet_overflow
    def forward(self, a: Any, c: Any) -> Any:
        xp = xp_of(a)
        if xp is not np:
            from ._cuda_kernels import lstm_forward
            out, self.acts = lstm_forward(a, c)
            self.c = c
            return out
        H = c.shape[1]
        acts = a.copy()
        sigmoid_(acts[:, :2 * H])
        xp.tanh(acts[:, 2 * H:3 * H], out=acts[:, 2 * H:3 * H])
        sigmoid_(acts[:, 3 * H:])
        i, f, g, o = acts[:, :H], acts[:, H:2 * H], acts[:, 2 * H:3 * H], acts[:, 3 * H:]
        out = xp.empty((2,) + c.shape, dtype=a.dtype)
        xp.add(f * c, i * g, out=out[1])
        xp.multiply(o, xp.tanh(out[1]), out=out[0])
        self.acts, self.c, self.c_new = acts, c, out[1]
        return out

    def backward(self, grad: Any) -> tuple:
        xp = xp_of(grad)
        if xp is not np:
            from ._cuda_kernels import lstm_backward
            return lstm_backward(grad, self.acts, self.c)
        acts, c = self.acts, self.c
        H = c.shape[1]
        i, f, g, o = acts[:, :H], acts[:, H:2 * H], acts[:, 2 * H:3 * H], acts[:, 3 * H:]
        dh, dc = grad[0], grad[1]
        tc = xp.tanh(self.c_new)
        dc = dc + dh * o * (1 - tc * tc)
        da = xp.empty_like(acts)
        da[:, :H] = dc * g * i * (1 - i)
        da[:, H:2 * H] = dc * c * f * (1 - f)
        da[:, 2 * H:3 * H] = dc * i * (1 - g * g)
        da[:, 3 * H:] = dh * tc * o * (1 - o)
        return da, dc * f


class GRUPointwise(Function):
    """(gi = x W_ihᵀ + b_ih (B, 3H), gh = h W_hhᵀ + b_hh (B, 3H), h_{t−1} (B, H)) -> h_t (B, H)

    forward:  r = σ(gi_r + gh_r);  z = σ(gi_z + gh_z);  n = tanh(gi_n + r ⊙ gh_n);  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
    backward: δa_n = δh(1 − z)(1 − n²);  δr = δa_n ⊙ gh_n ⊙ r(1 − r);  δz = δh ⊙ (h_{t−1} − n) ⊙ z(1 − z)
              δgi = [δr, δz, δa_n];  δgh = [δr, δz, δa_n ⊙ r];  δh_{t−1} = δh ⊙ z
    """
    name = "gru_pointwise"
    once_differentiable = True   # array-only backward: create_graph=True needs the per-step cells

    @quiet_overflow
    def forward(self, gi: Any, gh: Any, h: Any) -> Any:
        xp = xp_of(gi)
        H = h.shape[1]
        rz = gi[:, :2 * H] + gh[:, :2 * H]
        sigmoid_(rz)
        r, z = rz[:, :H], rz[:, H:]
        n = xp.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        self.rz, self.n, self.hn, self.h = rz, n, gh[:, 2 * H:], h
        return n + z * (h - n)

    def backward(self, dh: Any) -> tuple:
        xp = xp_of(dh)
        rz, n, hn, h = self.rz, self.n, self.hn, self.h
        H = h.shape[1]
        r, z = rz[:, :H], rz[:, H:]
        da_n = dh * (1 - z) * (1 - n * n)
        dgi = xp.empty((h.shape[0], 3 * H), dtype=dh.dtype)
        dgi[:, :H] = da_n * hn * r * (1 - r)
        dgi[:, H:2 * H] = dh * (h - n) * z * (1 - z)
        dgi[:, 2 * H:] = da_n
        dgh = dgi.copy()
        dgh[:, 2 * H:] = da_n * r
        return dgi, dgh, dh * z

"""One step's gate math as a single op: everything after the matrix products.

The primitive LSTM cell records about a dozen elementwise ops per step (four activations,
three products, a sum, a tanh, ...). These ops do the same arithmetic in one recorded op with
a hand-derived backward, so a cell that uses them records two matrix products, one add and
one pointwise op per step. They work in every layer (any mask, dropout or direction), since
the layer only sees a cell.

The arithmetic is the step functions of ``steps.py``, the same ones the whole-sequence ops
run at every step: array expressions on NumPy (compiled loops when numba is installed), and
on CuPy one elementwise kernel each way for the LSTM instead of a dozen kernel launches.
"""
from __future__ import annotations

from typing import Any

from ..backend import xp_of
from ..tensor import Function
from . import steps
from .sequence import quiet_overflow


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
        acts = xp.ascontiguousarray(a).copy()      # becomes the gate values
        out = xp.empty((2,) + c.shape, dtype=a.dtype)
        tanh_c = xp.empty_like(c)
        steps.lstm_forward(acts, c, out[0], out[1], tanh_c)
        self.acts, self.c, self.tanh_c = acts, c, tanh_c
        return out

    def backward(self, grad: Any) -> tuple:
        da = xp_of(grad).empty_like(self.acts)
        dc_prev = steps.lstm_backward(self.acts, self.c, self.tanh_c, grad[0], grad[1], da)
        return da, dc_prev


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
        B, H = h.shape
        rz = xp.empty((B, 2 * H), dtype=gi.dtype)
        n = xp.empty((B, H), dtype=gi.dtype)
        hn = xp.empty((B, H), dtype=gi.dtype)
        out = steps.gru_forward(gi, gh, h, rz, n, hn)
        self.rz, self.n, self.hn, self.h = rz, n, hn, h
        return out

    def backward(self, dh: Any) -> tuple:
        xp = xp_of(dh)
        B, H = self.h.shape
        dgi = xp.empty((B, 3 * H), dtype=dh.dtype)
        dgh = xp.empty((B, 3 * H), dtype=dh.dtype)
        dh_z = steps.gru_backward(self.rz, self.n, self.hn, self.h, dh, dgi, dgh)
        return dgi, dgh, dh_z

"""Whole-sequence ops: a layer direction's full time loop as ONE recorded op.

The primitive path records about twenty ops per LSTM step, each paying Python dispatch
and small-array NumPy calls. These ops run the same equations as plain array code with a
hand-derived backward (backpropagation through time), in the shape a hand-written NumPy
LSTM takes:

* the input projection ``x W_ihᵀ + b`` for all T steps is one matrix product;
* each step does one ``h W_hhᵀ`` product and its gate math in place, with the step functions
  of ``steps.py`` (the one derivation of each step, compiled by numba when installed);
* the weight gradients are one product each after the backward loop
  (``∂L/∂W_hh = Σ_t δz_tᵀ h_{t−1}`` is ``δZᵀ H_prev`` over the stacked steps).

Every matrix product goes through :func:`tinygrad_rnn.threads.matmul`: by default a big one
(an LSTM step's from H ≈ 360 at batch 32, the input projection and the weight gradients of
all steps) is cut into blocks by its shape and shared between the cores (``blocks.py``), with
the same bits on any number of them.

Each op takes the sequence ``x`` (T, B, I), the initial state(s) (B, H), the cell's
parameters in PyTorch's layout, an optional ``mask`` (T, B) of valid steps (padded batches:
a masked step leaves the state unchanged and outputs zeros, exactly as packed sequences) and
``reverse`` (walk t = T−1 … 0). The output packs everything into one array, which the layer
slices: rows ``0..T−1`` are the outputs h_t, then the final h (and, for the LSTM, the final c).

They compute exactly what the cells in ``tinygrad_rnn.nn`` compute; the tests check both
paths agree to 1e−12 in float64 and gradcheck these backward passes.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from ..backend import xp_of
from ..threads import matmul
from . import steps
from ..tensor import Function


def quiet_overflow(forward: Callable) -> Callable:
    """Silence NumPy's overflow warning once around a whole forward pass, not per σ call."""
    @functools.wraps(forward)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore"):
            return forward(*args, **kwargs)
    return wrapped


def _order(T: int, reverse: bool) -> range:
    return range(T - 1, -1, -1) if reverse else range(T)


def _project(x: Any, w_ih: Any, bias: Any) -> Any:
    """x W_ihᵀ (+ bias) for all steps at once: (T, B, I) -> (T, B, G·H)."""
    T, B, I = x.shape
    z = matmul(x.reshape(T * B, I), w_ih.T).reshape(T, B, w_ih.shape[0])
    if bias is not None:
        z += bias
    return z


def _weight_grads(dz: Any, inputs: Any, T: int, B: int) -> Any:
    """Σ_t δz_tᵀ · input_t as one product over the stacked steps: (G·H, K)."""
    # explicit widths, not -1: with an empty batch (B = 0) NumPy cannot infer them
    return matmul(dz.reshape(T * B, dz.shape[-1]).T, inputs.reshape(T * B, inputs.shape[-1]))


class LSTMSequence(Function):
    """PyTorch's LSTM over a whole sequence (gates i, f, g, o).

    forward: a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh; i, f, o = σ(a_i, a_f, a_o); g = tanh(a_g);
             c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
    backward, per step (δh, δc arriving from later steps and the outputs):
             δo = δh ⊙ tanh c_t;  δc += δh ⊙ o ⊙ (1 − tanh² c_t)
             δi = δc ⊙ g;  δg = δc ⊙ i;  δf = δc ⊙ c_{t−1};  δc_{t−1} = δc ⊙ f
             δa = [δi·i(1−i), δf·f(1−f), δg·(1−g²), δo·o(1−o)];  δh_{t−1} = δa W_hh
    Returns (T + 2, B, H): outputs, final h, final c.
    """
    name = "lstm_sequence"
    once_differentiable = True   # array-only backward: create_graph=True needs the per-step cells

    @quiet_overflow
    def forward(self, x: Any, h0: Any, c0: Any, w_ih: Any, w_hh: Any, b_ih: Any = None,
                b_hh: Any = None, mask: Any = None, reverse: bool = False) -> Any:
        xp = xp_of(x)
        T, B, _ = x.shape
        H = h0.shape[1]
        acts = _project(x, w_ih, None if b_ih is None else b_ih + b_hh)   # becomes the gate values
        h_prev = xp.empty((T, B, H), dtype=x.dtype)
        c_prev = xp.empty((T, B, H), dtype=x.dtype)
        tanh_c = xp.empty((T, B, H), dtype=x.dtype)
        out = xp.zeros((T + 2, B, H), dtype=x.dtype)
        h, c = h0, c0
        w_hh_t = w_hh.T
        for t in _order(T, reverse):
            a = acts[t]
            a += matmul(h, w_hh_t)
            h_prev[t], c_prev[t] = h, c
            h_new, c_new = xp.empty_like(h0), xp.empty_like(c0)
            steps.lstm_forward(a, c, h_new, c_new, tanh_c[t])   # a becomes the gate values
            if mask is None:
                h, c = h_new, c_new
                out[t] = h_new
            else:
                m = mask[t][:, None]
                h, c = xp.where(m, h_new, h), xp.where(m, c_new, c)
                out[t] = h_new * m
        out[T], out[T + 1] = h, c
        self.saved = (x, w_ih, w_hh, acts, h_prev, c_prev, tanh_c, mask, reverse)
        return out

    def backward(self, g_out: Any) -> tuple:
        x, w_ih, w_hh, acts, h_prev, c_prev, tanh_c, mask, reverse = self.saved
        xp = xp_of(g_out)
        T, B, _ = x.shape
        dh, dc = g_out[T].copy(), g_out[T + 1].copy()
        da_all = xp.empty_like(acts)
        for t in reversed(_order(T, reverse)):
            dh_new = dh + g_out[t]
            if mask is not None:
                m = mask[t][:, None]
                keep = ~m                       # masked rows pass the state gradient straight on
                dh_pass, dc_pass = dh * keep, dc * keep
                dh_new, dc = dh_new * m, dc * m
            dc = steps.lstm_backward(acts[t], c_prev[t], tanh_c[t], dh_new, dc, da_all[t])   # δc_{t−1}
            dh = matmul(da_all[t], w_hh)
            if mask is not None:
                dh += dh_pass
                dc += dc_pass
        need = self.needs
        dx = matmul(da_all.reshape(T * B, da_all.shape[-1]), w_ih).reshape(x.shape) if need[0] else None
        dw_ih = _weight_grads(da_all, x, T, B) if need[3] else None
        dw_hh = _weight_grads(da_all, h_prev, T, B) if need[4] else None
        db = da_all.sum(axis=(0, 1)) if len(need) > 5 and (need[5] or need[6]) else None
        return (dx, dh, dc, dw_ih, dw_hh) + ((db, db) if len(need) > 5 else ())


class GRUSequence(Function):
    """PyTorch's GRU (reset applied after the recurrent product, gates r, z, n).

    forward: [i_r|i_z|i_n] = x W_ihᵀ + b_ih;  [h_r|h_z|h_n] = h W_hhᵀ + b_hh
             r = σ(i_r + h_r);  z = σ(i_z + h_z);  n = tanh(i_n + r ⊙ h_n);  h' = (1 − z) ⊙ n + z ⊙ h
    backward: δn = δh'(1 − z);  δz = δh'(h − n);  δh = δh' z + δ[h_r|h_z|h_n] W_hh
              δa_n = δn(1 − n²);  δr = δa_n ⊙ h_n;  δh_n = δa_n ⊙ r
              δ[i_r|i_z|i_n] = [δr·r(1−r), δz·z(1−z), δa_n];  δ[h_r|h_z|h_n] = [.., .., δh_n]
    Returns (T + 1, B, H): outputs, final h.
    """
    name = "gru_sequence"
    once_differentiable = True   # array-only backward: create_graph=True needs the per-step cells

    @quiet_overflow
    def forward(self, x: Any, h0: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None,
                mask: Any = None, reverse: bool = False) -> Any:
        xp = xp_of(x)
        T, B, _ = x.shape
        H = h0.shape[1]
        gi = _project(x, w_ih, b_ih)
        rz = xp.empty((T, B, 2 * H), dtype=x.dtype)
        n_all = xp.empty((T, B, H), dtype=x.dtype)
        hn_all = xp.empty((T, B, H), dtype=x.dtype)
        h_prev = xp.empty((T, B, H), dtype=x.dtype)
        out = xp.zeros((T + 1, B, H), dtype=x.dtype)
        h = h0
        w_hh_t = w_hh.T
        for t in _order(T, reverse):
            gh = matmul(h, w_hh_t)
            if b_hh is not None:
                gh += b_hh
            h_prev[t] = h
            h_new = steps.gru_forward(gi[t], gh, h, rz[t], n_all[t], hn_all[t])
            if mask is None:
                h = h_new
                out[t] = h_new
            else:
                m = mask[t][:, None]
                h = xp.where(m, h_new, h)
                out[t] = h_new * m
        out[T] = h
        self.saved = (x, w_ih, w_hh, rz, n_all, hn_all, h_prev, mask, reverse)
        return out

    def backward(self, g_out: Any) -> tuple:
        x, w_ih, w_hh, rz, n_all, hn_all, h_prev, mask, reverse = self.saved
        xp = xp_of(g_out)
        T, B, _ = x.shape
        H = h_prev.shape[2]
        dh = g_out[T].copy()
        dgi = xp.empty((T, B, 3 * H), dtype=x.dtype)   # gradients of x W_ihᵀ + b_ih
        dgh = xp.empty((T, B, 3 * H), dtype=x.dtype)   # gradients of h W_hhᵀ + b_hh
        for t in reversed(_order(T, reverse)):
            dh_new = dh + g_out[t]
            if mask is not None:
                m = mask[t][:, None]
                dh_pass = dh * ~m
                dh_new = dh_new * m
            dh = steps.gru_backward(rz[t], n_all[t], hn_all[t], h_prev[t], dh_new, dgi[t], dgh[t])
            dh += matmul(dgh[t], w_hh)
            if mask is not None:
                dh += dh_pass
        need = self.needs
        dx = matmul(dgi.reshape(T * B, dgi.shape[-1]), w_ih).reshape(x.shape) if need[0] else None
        dw_ih = _weight_grads(dgi, x, T, B) if need[2] else None
        dw_hh = _weight_grads(dgh, h_prev, T, B) if need[3] else None
        if len(need) > 4:
            return dx, dh, dw_ih, dw_hh, dgi.sum(axis=(0, 1)), dgh.sum(axis=(0, 1))
        return dx, dh, dw_ih, dw_hh


class RNNSequence(Function):
    """The Elman RNN over a whole sequence: h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh).

    backward: δa_t = δh_t ⊙ act′;  δh_{t−1} = δa_t W_hh  (act′ = 1 − h² for tanh, [a > 0] for relu)
    Returns (T + 1, B, H): outputs, final h.
    """
    name = "rnn_sequence"
    once_differentiable = True   # array-only backward: create_graph=True needs the per-step cells

    def forward(self, x: Any, h0: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None,
                mask: Any = None, reverse: bool = False, nonlinearity: str = "tanh") -> Any:
        xp = xp_of(x)
        T, B, _ = x.shape
        a_all = _project(x, w_ih, None if b_ih is None else b_ih + b_hh)   # becomes h_t
        h_prev = xp.empty((T,) + h0.shape, dtype=x.dtype)
        out = xp.zeros((T + 1,) + h0.shape, dtype=x.dtype)
        h = h0
        w_hh_t = w_hh.T
        for t in _order(T, reverse):
            a = a_all[t]
            a += matmul(h, w_hh_t)
            if nonlinearity == "tanh":
                xp.tanh(a, out=a)
            else:
                xp.maximum(a, 0, out=a)
            h_prev[t] = h
            if mask is None:
                h = a
                out[t] = a
            else:
                m = mask[t][:, None]
                h = xp.where(m, a, h)
                out[t] = a * m
        out[T] = h
        self.saved = (x, w_ih, w_hh, a_all, h_prev, mask, reverse, nonlinearity)
        return out

    def backward(self, g_out: Any) -> tuple:
        x, w_ih, w_hh, h_all, h_prev, mask, reverse, nonlinearity = self.saved
        xp = xp_of(g_out)
        T, B, _ = x.shape
        dh = g_out[T].copy()
        da_all = xp.empty_like(h_all)
        for t in reversed(_order(T, reverse)):
            h = h_all[t]
            dh_new = dh + g_out[t]
            if mask is not None:
                m = mask[t][:, None]
                dh_pass = dh * ~m
                dh_new = dh_new * m
            da = xp.multiply(dh_new, (1 - h * h) if nonlinearity == "tanh" else (h > 0), out=da_all[t])
            dh = matmul(da, w_hh)
            if mask is not None:
                dh += dh_pass
        need = self.needs
        dx = matmul(da_all.reshape(T * B, da_all.shape[-1]), w_ih).reshape(x.shape) if need[0] else None
        dw_ih = _weight_grads(da_all, x, T, B) if need[2] else None
        dw_hh = _weight_grads(da_all, h_prev, T, B) if need[3] else None
        if len(need) > 4:
            db = da_all.sum(axis=(0, 1))
            return dx, dh, dw_ih, dw_hh, db, db
        return dx, dh, dw_ih, dw_hh

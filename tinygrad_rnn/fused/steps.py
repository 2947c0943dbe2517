"""One LSTM step and one GRU step, forward and backward: the gate math written once.

Everything after a step's matrix products lives here, as functions on arrays that write into
buffers the caller owns. The whole-sequence ops (``sequence.py``) call them once per step,
the one-step ops (``pointwise.py``) once; both therefore run the same derivation. Three
implementations compute the same formulas:

* NumPy/CuPy array expressions (:func:`lstm_forward_xp` …): the default and the reference;
* the backward steps as loops compiled by numba, used on CPU when numba is installed
  (``pip install "tinygrad_rnn[fast]"``): one pass over the (B, H) units instead of a dozen
  array calls per step (the forward stays NumPy: see the note above the numba code). They
  agree with NumPy to 1e−12 in float64 (tests/test_fused_steps.py); set
  ``TINYGRAD_RNN_STEP_KERNELS=numpy`` (or call :func:`use_numba(False)`) to keep NumPy;
* on CuPy (a real GPU), one CUDA elementwise kernel each way (``_cuda_kernels.py``), whose
  text is these formulas in C.

LSTM, gates i, f, g, o (a = [a_i | a_f | a_g | a_o], (B, 4H))::

    forward   i, f, o = σ(a_i, a_f, a_o);  g = tanh(a_g);  c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
    backward  δc = δc_t + δh_t ⊙ o ⊙ (1 − tanh² c_t)
              δa = [δc·g·i(1−i), δc·c_{t−1}·f(1−f), δc·i·(1−g²), δh_t·tanh(c_t)·o(1−o)];  δc_{t−1} = δc ⊙ f

GRU, gates r, z, n, reset after the product (gi = x W_ihᵀ + b_ih, gh = h W_hhᵀ + b_hh, (B, 3H))::

    forward   r = σ(gi_r + gh_r);  z = σ(gi_z + gh_z);  n = tanh(gi_n + r ⊙ gh_n);  h_t = n + z ⊙ (h_{t−1} − n)
    backward  δa_n = δh(1 − z)(1 − n²);  δgi = [δa_n·gh_n·r(1−r), δh·(h_{t−1} − n)·z(1−z), δa_n]
              δgh = [δgi_r, δgi_z, δa_n ⊙ r];  δh_{t−1} = δh ⊙ z + δgh W_hh  (the product is the caller's)
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..backend import xp_of
from ..ops.unary import sigmoid_unchecked

ENV = "TINYGRAD_RNN_STEP_KERNELS"


# ---- NumPy / CuPy: array expressions (the reference) ------------------------------------

def lstm_forward_xp(a: Any, c: Any, h_out: Any, c_out: Any, tanh_c: Any) -> None:
    """a (B, 4H) pre-activations, overwritten with the gate values [i | f | g | o];
    c (B, H) is c_{t−1}; writes c_t, tanh(c_t) and h_t into c_out, tanh_c, h_out."""
    xp = xp_of(a)
    H = c.shape[1]
    sigmoid_unchecked(a[:, :2 * H], out=a[:, :2 * H])
    xp.tanh(a[:, 2 * H:3 * H], out=a[:, 2 * H:3 * H])
    sigmoid_unchecked(a[:, 3 * H:], out=a[:, 3 * H:])
    i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    xp.multiply(f, c, out=c_out)
    c_out += i * g
    xp.tanh(c_out, out=tanh_c)
    xp.multiply(o, tanh_c, out=h_out)


def lstm_backward_xp(acts: Any, c: Any, tanh_c: Any, dh: Any, dc: Any, da: Any) -> Any:
    """acts (B, 4H) gate values, c = c_{t−1}, tanh_c = tanh(c_t); dh, dc the gradients reaching
    h_t and c_t. Writes δa (B, 4H) into da and returns δc_{t−1}."""
    H = c.shape[1]
    i, f, g, o = acts[:, :H], acts[:, H:2 * H], acts[:, 2 * H:3 * H], acts[:, 3 * H:]
    d = dc + dh * o * (1 - tanh_c * tanh_c)
    da[:, :H] = d * g * i * (1 - i)
    da[:, H:2 * H] = d * c * f * (1 - f)
    da[:, 2 * H:3 * H] = d * i * (1 - g * g)
    da[:, 3 * H:] = dh * tanh_c * o * (1 - o)
    return d * f


def gru_forward_xp(gi: Any, gh: Any, h: Any, rz: Any, n: Any, hn: Any) -> Any:
    """gi, gh (B, 3H), h = h_{t−1} (B, H). Writes [r | z] into rz (B, 2H), n and gh_n into
    n and hn (B, H); returns h_t (a new array)."""
    xp = xp_of(gi)
    H = h.shape[1]
    xp.add(gi[:, :2 * H], gh[:, :2 * H], out=rz)
    sigmoid_unchecked(rz, out=rz)
    hn[...] = gh[:, 2 * H:]
    xp.multiply(rz[:, :H], hn, out=n)
    n += gi[:, 2 * H:]
    xp.tanh(n, out=n)
    return n + rz[:, H:] * (h - n)


def gru_backward_xp(rz: Any, n: Any, hn: Any, h: Any, dh: Any, dgi: Any, dgh: Any) -> Any:
    """Saved [r | z], n, gh_n and h_{t−1}; dh reaches h_t. Writes δgi, δgh (B, 3H) and returns
    δh ⊙ z, the part of δh_{t−1} that does not go through W_hh."""
    H = h.shape[1]
    r, z = rz[:, :H], rz[:, H:]
    da_n = dh * (1 - z) * (1 - n * n)
    dgi[:, :H] = da_n * hn * r * (1 - r)
    dgi[:, H:2 * H] = dh * (h - n) * z * (1 - z)
    dgi[:, 2 * H:] = da_n
    dgh[:, :2 * H] = dgi[:, :2 * H]
    dgh[:, 2 * H:] = da_n * r
    return dh * z


# ---- numba: the backward formulas as loops over the (B, H) units ----------------------
# Only the backward steps are compiled. They are products and sums, a dozen array calls per
# step in NumPy, one pass here (measured 3–8× faster per step at H = 64…512). The forward
# steps are dominated by exp and tanh, which NumPy runs as vectorised (SIMD) loops and numba
# as one scalar libm call per element: compiled, they measured up to 3× *slower* in float32,
# so the forward always runs the array expressions.

def _compile_numba() -> dict | None:
    try:
        import numba
    except ImportError:
        return None
    jit = numba.njit(cache=True, fastmath=False, nogil=True)

    @jit
    def lstm_bwd(acts, c, tanh_c, dh, dc, da, dc_prev):
        B, H = c.shape
        for b in range(B):
            for j in range(H):
                i, f = acts[b, j], acts[b, H + j]
                g, o = acts[b, 2 * H + j], acts[b, 3 * H + j]
                tc, dhb = tanh_c[b, j], dh[b, j]
                d = dc[b, j] + dhb * o * (1 - tc * tc)
                da[b, j] = d * g * i * (1 - i)
                da[b, H + j] = d * c[b, j] * f * (1 - f)
                da[b, 2 * H + j] = d * i * (1 - g * g)
                da[b, 3 * H + j] = dhb * tc * o * (1 - o)
                dc_prev[b, j] = d * f

    @jit
    def gru_bwd(rz, n, hn, h, dh, dgi, dgh, dh_z):
        B, H = h.shape
        for b in range(B):
            for j in range(H):
                r, z, nn, d = rz[b, j], rz[b, H + j], n[b, j], dh[b, j]
                da_n = d * (1 - z) * (1 - nn * nn)
                dr = da_n * hn[b, j] * r * (1 - r)
                dz = d * (h[b, j] - nn) * z * (1 - z)
                dgi[b, j], dgi[b, H + j], dgi[b, 2 * H + j] = dr, dz, da_n
                dgh[b, j], dgh[b, H + j], dgh[b, 2 * H + j] = dr, dz, da_n * r
                dh_z[b, j] = d * z

    return {"lstm_bwd": lstm_bwd, "gru_bwd": gru_bwd}


_numba: dict | None = None
_numba_tried = False
_use_numba = os.environ.get(ENV, "auto").strip().lower() != "numpy"


def numba_kernels() -> dict | None:
    """The compiled step functions, or None when numba is not installed (compiled once, lazily)."""
    global _numba, _numba_tried
    if not _numba_tried:
        _numba_tried = True
        _numba = _compile_numba()
    return _numba


def use_numba(on: bool = True) -> bool:
    """Run the CPU backward steps with numba (when installed) or with NumPy; returns whether numba will run."""
    global _use_numba
    _use_numba = bool(on)
    return numba_available() and _use_numba


def numba_available() -> bool:
    """True when numba imports (the ``fast`` extra)."""
    return numba_kernels() is not None


def _nb(arrays: tuple) -> dict | None:
    """The numba kernels when they may run on these arrays: NumPy, one float dtype, C-contiguous
    (anything else runs the NumPy lines)."""
    if not _use_numba or type(arrays[0]) is not np.ndarray:
        return None
    k = numba_kernels()
    if k is None or arrays[0].dtype not in (np.float32, np.float64):
        return None
    dt = arrays[0].dtype
    # one compiled version per dtype: other layouts (strided views) would each compile anew
    if any(x.dtype != dt or not x.flags.c_contiguous for x in arrays):
        return None
    return k


def _is_cuda(xp: Any) -> bool:
    return getattr(xp, "__name__", "") == "cupy"


# ---- what the ops call --------------------------------------------------------------------

def lstm_forward(a: Any, c: Any, h_out: Any, c_out: Any, tanh_c: Any) -> None:
    """See :func:`lstm_forward_xp`; one CUDA kernel on CuPy."""
    if _is_cuda(xp_of(a)):
        from ._cuda_kernels import lstm_forward as cuda_forward
        cuda_forward(a, c, h_out, c_out, tanh_c)
    else:
        lstm_forward_xp(a, c, h_out, c_out, tanh_c)


def lstm_backward(acts: Any, c: Any, tanh_c: Any, dh: Any, dc: Any, da: Any) -> Any:
    """See :func:`lstm_backward_xp`; returns δc_{t−1}."""
    k = _nb((acts, c, tanh_c, dh, dc, da))
    xp = xp_of(acts)
    if k is not None:
        dc_prev = np.empty_like(c)
        k["lstm_bwd"](acts, c, tanh_c, dh, dc, da, dc_prev)
        return dc_prev
    if _is_cuda(xp):
        from ._cuda_kernels import lstm_backward as cuda_backward
        return cuda_backward(acts, c, tanh_c, dh, dc, da)
    return lstm_backward_xp(acts, c, tanh_c, dh, dc, da)


def gru_forward(gi: Any, gh: Any, h: Any, rz: Any, n: Any, hn: Any) -> Any:
    """See :func:`gru_forward_xp`; returns h_t."""
    return gru_forward_xp(gi, gh, h, rz, n, hn)


def gru_backward(rz: Any, n: Any, hn: Any, h: Any, dh: Any, dgi: Any, dgh: Any) -> Any:
    """See :func:`gru_backward_xp`; returns δh ⊙ z."""
    k = _nb((rz, n, hn, h, dh, dgi, dgh))
    if k is not None:
        dh_z = np.empty_like(h)
        k["gru_bwd"](rz, n, hn, h, dh, dgi, dgh, dh_z)
        return dh_z
    return gru_backward_xp(rz, n, hn, h, dh, dgi, dgh)

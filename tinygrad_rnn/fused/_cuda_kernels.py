"""CuPy elementwise kernels for :class:`~tinygrad_rnn.fused.pointwise.LSTMPointwise`.

One thread per (batch row, hidden unit) reads that unit's four gate pre-activations and
writes h_t, c_t and the gate values (forward), or the four gate gradients and δc_{t−1}
(backward): one kernel launch each way instead of a dozen. Compiled on first use.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

_FORWARD = r"""
const int b = i / H, j = i % H;
const ptrdiff_t k = (ptrdiff_t)b * 4 * H + j;
const T ig = 1 / (1 + exp(-a[k]));
const T fg = 1 / (1 + exp(-a[k + H]));
const T gg = tanh(a[k + 2 * H]);
const T og = 1 / (1 + exp(-a[k + 3 * H]));
cn = fg * c + ig * gg;
h = og * tanh(cn);
acts[k] = ig; acts[k + H] = fg; acts[k + 2 * H] = gg; acts[k + 3 * H] = og;
"""

_BACKWARD = r"""
const int b = i / H, j = i % H;
const ptrdiff_t k = (ptrdiff_t)b * 4 * H + j;
const T ig = acts[k], fg = acts[k + H], gg = acts[k + 2 * H], og = acts[k + 3 * H];
const T tc = tanh(fg * c + ig * gg);
const T dc = dc_in + dh * og * (1 - tc * tc);
da[k] = dc * gg * ig * (1 - ig);
da[k + H] = dc * c * fg * (1 - fg);
da[k + 2 * H] = dc * ig * (1 - gg * gg);
da[k + 3 * H] = dh * tc * og * (1 - og);
dc_prev = dc * fg;
"""


@lru_cache(maxsize=None)
def _kernels() -> tuple[Any, Any]:
    import cupy as cp
    fwd = cp.ElementwiseKernel("raw T a, T c, int32 H", "T h, T cn, raw T acts", _FORWARD,
                               "tinygrad_rnn_lstm_pointwise_forward")
    bwd = cp.ElementwiseKernel("raw T acts, T c, T dh, T dc_in, int32 H", "T dc_prev, raw T da",
                               _BACKWARD, "tinygrad_rnn_lstm_pointwise_backward")
    return fwd, bwd


def lstm_forward(a: Any, c: Any) -> tuple[Any, Any]:
    """a (B, 4H), c (B, H) -> (out (2, B, H) = [h, c_new], gate values (B, 4H))."""
    import cupy as cp
    fwd, _ = _kernels()
    a = cp.ascontiguousarray(a)
    out = cp.empty((2,) + c.shape, dtype=a.dtype)
    acts = cp.empty_like(a)
    fwd(a, c, c.shape[1], out[0], out[1], acts)
    return out, acts


def lstm_backward(grad: Any, acts: Any, c: Any) -> tuple[Any, Any]:
    """grad (2, B, H) = [δh, δc] -> (δa (B, 4H), δc_{t−1} (B, H))."""
    import cupy as cp
    _, bwd = _kernels()
    da = cp.empty_like(acts)
    dc_prev = cp.empty_like(c)
    bwd(acts, c, grad[0], grad[1], c.shape[1], dc_prev, da)
    return da, dc_prev

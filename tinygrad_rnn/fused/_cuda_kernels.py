"""CuPy elementwise kernels for one LSTM step (``steps.lstm_forward`` / ``steps.lstm_backward``).

One thread per (batch row, hidden unit) reads that unit's four gate pre-activations and
writes the gate values, c_t, tanh(c_t) and h_t (forward), or the four gate gradients and
δc_{t−1} (backward): one kernel launch each way instead of a dozen. The formulas are those of
``steps.py`` in C; the whole-sequence op runs them once per step, the one-step op once.
Compiled on first use. Only a run on a real GPU exercises this file (see docs/performance.md).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

# a is read in full before it is overwritten with the gate values (each thread owns its 4 entries)
_FORWARD = r"""
const int b = i / H, j = i % H;
const ptrdiff_t k = (ptrdiff_t)b * 4 * H + j;
const T ig = 1 / (1 + exp(-a[k]));
const T fg = 1 / (1 + exp(-a[k + H]));
const T gg = tanh(a[k + 2 * H]);
const T og = 1 / (1 + exp(-a[k + 3 * H]));
a[k] = ig; a[k + H] = fg; a[k + 2 * H] = gg; a[k + 3 * H] = og;
cn = fg * c + ig * gg;
tc = tanh(cn);
h = og * tc;
"""

_BACKWARD = r"""
const int b = i / H, j = i % H;
const ptrdiff_t k = (ptrdiff_t)b * 4 * H + j;
const T ig = acts[k], fg = acts[k + H], gg = acts[k + 2 * H], og = acts[k + 3 * H];
const T d = dc + dh * og * (1 - tc * tc);
da[k] = d * gg * ig * (1 - ig);
da[k + H] = d * c * fg * (1 - fg);
da[k + 2 * H] = d * ig * (1 - gg * gg);
da[k + 3 * H] = dh * tc * og * (1 - og);
dc_prev = d * fg;
"""


@lru_cache(maxsize=None)
def _kernels() -> tuple[Any, Any]:
    import cupy as cp
    fwd = cp.ElementwiseKernel("T c, int32 H", "T h, T cn, T tc, raw T a", _FORWARD,
                               "tinygrad_rnn_lstm_step_forward")
    bwd = cp.ElementwiseKernel("raw T acts, T c, T tc, T dh, T dc, int32 H", "T dc_prev, raw T da",
                               _BACKWARD, "tinygrad_rnn_lstm_step_backward")
    return fwd, bwd


def lstm_forward(a: Any, c: Any, h_out: Any, c_out: Any, tanh_c: Any) -> None:
    """a (B, 4H) C-contiguous, overwritten with the gate values; writes h_t, c_t, tanh(c_t)."""
    fwd, _ = _kernels()
    fwd(c, c.shape[1], h_out, c_out, tanh_c, a)


def lstm_backward(acts: Any, c: Any, tanh_c: Any, dh: Any, dc: Any, da: Any) -> Any:
    """Writes δa (B, 4H) into da (C-contiguous); returns δc_{t−1} (B, H)."""
    import cupy as cp
    _, bwd = _kernels()
    dc_prev = cp.empty_like(c)
    bwd(acts, c, tanh_c, dh, dc, c.shape[1], dc_prev, da)
    return dc_prev

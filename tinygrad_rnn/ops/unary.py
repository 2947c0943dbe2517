"""Elementwise math on one tensor: each op's derivative sits right under its forward.

Each backward runs on arrays, or on tensors when it is recorded (``create_graph=True``): the
input and result are ``self.inputs`` / ``self.output``, arrays or tensors (see
:class:`~tinygrad_rnn.tensor.Function`); masks stay arrays, their derivative being zero.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import xp_of
from ..tensor import Function


class Exp(Function):
    """y = eˣ;  y′ = eˣ = y"""
    name = "exp"

    def forward(self, x: Any) -> Any:
        return xp_of(x).exp(x)

    def backward(self, g: Any) -> Any:
        return g * self.output


class Log(Function):
    """y = ln x;  y′ = 1/x"""
    name = "log"

    def forward(self, x: Any) -> Any:
        return xp_of(x).log(x)

    def backward(self, g: Any) -> Any:
        (x,) = self.inputs
        return g / x


class Sqrt(Function):
    """y = √x;  y′ = 1/(2√x) = 0.5/y"""
    name = "sqrt"

    def forward(self, x: Any) -> Any:
        return xp_of(x).sqrt(x)

    def backward(self, g: Any) -> Any:
        return g * 0.5 / self.output


class Abs(Function):
    """y = |x|;  y′ = sign(x) (0 at x = 0, as PyTorch)"""
    name = "abs"

    def forward(self, x: Any) -> Any:
        self.x = x                          # an array either way: sign(x) is a constant
        return xp_of(x).abs(x)

    def backward(self, g: Any) -> Any:
        return g * xp_of(self.x).sign(self.x)


class Tanh(Function):
    """y = tanh x;  y′ = 1 − y²"""
    name = "tanh"

    def forward(self, x: Any) -> Any:
        return xp_of(x).tanh(x)

    def backward(self, g: Any) -> Any:
        y = self.output
        return g * (1 - y * y)


def sigmoid_array(x: Any, out: Any = None) -> Any:
    """σ(x) = 1/(1 + e⁻ˣ) on a raw array (shared by the op below and the fused kernels).

    For x below about −88 (float32) or −709 (float64) e⁻ˣ overflows to inf and the result is
    exactly 0, the correct limit, so NumPy's overflow warning is silenced rather than avoided.
    Accurate to a few ulps over the whole range; 8× faster than exp(−logaddexp(0, −x)).
    """
    with np.errstate(over="ignore"):
        return sigmoid_unchecked(x, out)


def sigmoid_unchecked(x: Any, out: Any = None) -> Any:
    """:func:`sigmoid_array` for callers that silence overflow once around a whole loop
    (the fused kernels: entering ``np.errstate`` costs more than σ of a small gate block)."""
    xp = xp_of(x)
    if out is None:
        out = xp.empty_like(x)   # an array even for 0-d x (NumPy would hand back a scalar)
    y = xp.negative(x, out=out)
    xp.exp(y, out=y)
    y += 1
    return xp.reciprocal(y, out=y)


class Sigmoid(Function):
    """y = σ(x) = 1/(1 + e⁻ˣ);  y′ = y(1 − y)"""
    name = "sigmoid"

    def forward(self, x: Any) -> Any:
        return sigmoid_array(x)

    def backward(self, g: Any) -> Any:
        y = self.output
        return g * y * (1 - y)


class Relu(Function):
    """y = max(x, 0);  y′ = 1 where x > 0, else 0"""
    name = "relu"

    def forward(self, x: Any) -> Any:
        self.mask = x > 0
        return x * self.mask

    def backward(self, g: Any) -> Any:
        return g * self.mask


class HardSigmoid(Function):
    """Keras 2's hard sigmoid: y = clip(0.2x + 0.5, 0, 1);  y′ = 0.2 where −2.5 < x < 2.5

    (Keras 3 and PyTorch's ``hardsigmoid`` use x/6 + 0.5 instead, linear on −3 < x < 3.)
    """
    name = "hard_sigmoid"

    def forward(self, x: Any) -> Any:
        z = 0.2 * x + 0.5
        self.inside = (z > 0) & (z < 1)
        return xp_of(x).clip(z, 0, 1)

    def backward(self, g: Any) -> Any:
        return g * self.inside * 0.2   # bool mask first: a float64 0.2·mask would upcast g


class Clip(Function):
    """y = min(max(x, lo), hi);  y′ = 1 where lo ≤ x ≤ hi (PyTorch's clamp), else 0"""
    name = "clip"

    def forward(self, x: Any, lo: float | None, hi: float | None) -> Any:
        xp = xp_of(x)
        inside = xp.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        self.inside = inside
        return xp.clip(x, lo, hi)

    def backward(self, g: Any) -> Any:
        return g * self.inside


class Cast(Function):
    """y = x in another float dtype;  the gradient is cast back to x's dtype."""
    name = "cast"

    def forward(self, x: Any, dtype: Any) -> Any:
        self.src = x.dtype
        return x.astype(dtype)

    def backward(self, g: Any) -> Any:
        return g.astype(self.src)

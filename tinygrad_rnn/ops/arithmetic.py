"""Arithmetic: the ops that combine two operands elementwise (with NumPy broadcasting).

Gradients come back in the broadcast shape; the backward walk sums them to each input's
shape (``tensor.unbroadcast``), so no op here repeats that. Each backward runs on arrays, or
on tensors when it is recorded (``create_graph=True``): see :class:`~tinygrad_rnn.tensor.Function`.
"""
from __future__ import annotations

from typing import Any

from ..backend import xp_of
from ..tensor import Function, Tensor


class Add(Function):
    """c = a + b;  ∂c/∂a = 1, ∂c/∂b = 1"""
    name = "add"

    def forward(self, a: Any, b: Any) -> Any:
        return a + b

    def backward(self, g: Any) -> tuple:
        return g, g


class Sub(Function):
    """c = a − b;  ∂c/∂a = 1, ∂c/∂b = −1"""
    name = "sub"

    def forward(self, a: Any, b: Any) -> Any:
        return a - b

    def backward(self, g: Any) -> tuple:
        return g, -g


class Mul(Function):
    """c = a · b;  ∂c/∂a = b, ∂c/∂b = a"""
    name = "mul"

    def forward(self, a: Any, b: Any) -> Any:
        return a * b

    def backward(self, g: Any) -> tuple:
        a, b = self.inputs
        return (g * b if self.needs[0] else None,
                g * a if self.needs[1] else None)


class Div(Function):
    """c = a / b;  ∂c/∂a = 1/b, ∂c/∂b = −a/b²"""
    name = "div"

    def forward(self, a: Any, b: Any) -> Any:
        return a / b

    def backward(self, g: Any) -> tuple:
        a, b = self.inputs
        ga = g / b
        return ga, (-ga * a / b if self.needs[1] else None)


class Neg(Function):
    """c = −a;  ∂c/∂a = −1"""
    name = "neg"

    def forward(self, a: Any) -> Any:
        return -a

    def backward(self, g: Any) -> Any:
        return -g


class Pow(Function):
    """c = aᵖ for a constant exponent p;  ∂c/∂a = p·aᵖ⁻¹"""
    name = "pow"

    def forward(self, a: Any, exponent: float) -> Any:
        self.p = exponent
        return a ** exponent

    def backward(self, g: Any) -> Any:
        if self.p == 0:   # a⁰ = 1 is constant: 0 everywhere, not 0·a⁻¹ = NaN at a = 0 (PyTorch gives 0)
            return g * 0.0
        (a,) = self.inputs
        return g * (self.p * a ** (self.p - 1))


class Maximum(Function):
    """c = max(a, b) elementwise; the gradient goes to the larger (split evenly on ties)."""
    name = "maximum"

    def forward(self, a: Any, b: Any) -> Any:
        xp = xp_of(a if not isinstance(a, (int, float)) else b)
        out = xp.maximum(a, b)
        self.wa = ((a > b) + 0.5 * (a == b)).astype(out.dtype)   # share of the gradient a gets
        return out

    def backward(self, g: Any) -> tuple:
        ga = g * self.wa
        return ga, g - ga


class Minimum(Function):
    """c = min(a, b) elementwise; the gradient goes to the smaller (split evenly on ties)."""
    name = "minimum"

    def forward(self, a: Any, b: Any) -> Any:
        xp = xp_of(a if not isinstance(a, (int, float)) else b)
        out = xp.minimum(a, b)
        self.wa = ((a < b) + 0.5 * (a == b)).astype(out.dtype)
        return out

    def backward(self, g: Any) -> tuple:
        ga = g * self.wa
        return ga, g - ga


class Where(Function):
    """c = a where cond else b;  ∂c/∂a = cond, ∂c/∂b = ¬cond (cond is a constant mask)."""
    name = "where"

    def forward(self, cond: Any, a: Any, b: Any) -> Any:
        xp = xp_of(cond)
        self.cond = cond
        return xp.where(cond, a, b)

    def backward(self, g: Any) -> tuple:
        zero = xp_of(self.cond).zeros((), dtype=g.dtype)
        return (None,
                _where(self.cond, g, zero) if self.needs[1] else None,
                _where(self.cond, zero, g) if self.needs[2] else None)


def _where(cond: Any, a: Any, b: Any) -> Any:
    """``where`` on arrays, or the recorded op when the gradient is a tensor (create_graph)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return Where.apply(cond, a, b)
    return xp_of(cond).where(cond, a, b)

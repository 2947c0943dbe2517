"""Arithmetic: the ops that combine two operands elementwise (with NumPy broadcasting).

Gradients come back in the broadcast shape; the backward walk sums them to each input's
shape (``tensor.unbroadcast``), so no op here repeats that.
"""
from __future__ import annotations

from typing import Any

from ..backend import xp_of
from ..tensor import Function


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
        self.a, self.b = a, b
        return a * b

    def backward(self, g: Any) -> tuple:
        return (g * self.b if self.needs[0] else None,
                g * self.a if self.needs[1] else None)


class Div(Function):
    """c = a / b;  ∂c/∂a = 1/b, ∂c/∂b = −a/b²"""
    name = "div"

    def forward(self, a: Any, b: Any) -> Any:
        self.a, self.b = a, b
        return a / b

    def backward(self, g: Any) -> tuple:
        ga = g / self.b
        return ga, (-ga * self.a / self.b if self.needs[1] else None)


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
        self.a, self.p = a, exponent
        return a ** exponent

    def backward(self, g: Any) -> Any:
        return g * (self.p * self.a ** (self.p - 1))


class Maximum(Function):
    """c = max(a, b) elementwise; the gradient goes to the larger (split evenly on ties)."""
    name = "maximum"

    def forward(self, a: Any, b: Any) -> Any:
        xp = xp_of(a if not isinstance(a, (int, float)) else b)
        out = xp.maximum(a, b)
        self.wa = (a > b) + 0.5 * (a == b)   # share of the gradient each side gets
        return out

    def backward(self, g: Any) -> tuple:
        ga = g * self.wa
        return ga.astype(g.dtype, copy=False), (g - ga).astype(g.dtype, copy=False)


class Minimum(Function):
    """c = min(a, b) elementwise; the gradient goes to the smaller (split evenly on ties)."""
    name = "minimum"

    def forward(self, a: Any, b: Any) -> Any:
        xp = xp_of(a if not isinstance(a, (int, float)) else b)
        out = xp.minimum(a, b)
        self.wa = (a < b) + 0.5 * (a == b)
        return out

    def backward(self, g: Any) -> tuple:
        ga = g * self.wa
        return ga.astype(g.dtype, copy=False), (g - ga).astype(g.dtype, copy=False)


class Where(Function):
    """c = a where cond else b;  ∂c/∂a = cond, ∂c/∂b = ¬cond (cond is a constant mask)."""
    name = "where"

    def forward(self, cond: Any, a: Any, b: Any) -> Any:
        xp = xp_of(cond)
        self.cond = cond
        return xp.where(cond, a, b)

    def backward(self, g: Any) -> tuple:
        xp = xp_of(g)
        zero = xp.zeros((), dtype=g.dtype)
        return (None,
                xp.where(self.cond, g, zero) if self.needs[1] else None,
                xp.where(self.cond, zero, g) if self.needs[2] else None)

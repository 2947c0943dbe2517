"""Softmax and log-softmax along one axis, both shifted by the maximum so exp never overflows."""
from __future__ import annotations

from typing import Any

from ..backend import xp_of
from ..tensor import Function, Tensor


class Softmax(Function):
    """yᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) with m = max x;  ∂L/∂x = y ⊙ (g − Σ g ⊙ y)"""
    name = "softmax"

    def forward(self, x: Any, axis: int) -> Any:
        xp = xp_of(x)
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        self.axis = axis
        return e / e.sum(axis=axis, keepdims=True)

    def backward(self, g: Any) -> Any:
        y = self.output
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """yᵢ = xᵢ − m − log Σⱼ e^(xⱼ − m);  ∂L/∂x = g − softmax(x) ⊙ Σ g"""
    name = "log_softmax"

    def forward(self, x: Any, axis: int) -> Any:
        xp = xp_of(x)
        shifted = x - x.max(axis=axis, keepdims=True)
        self.axis = axis
        return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(self, g: Any) -> Any:
        y = self.output
        softmax = y.exp() if isinstance(y, Tensor) else xp_of(y).exp(y)
        return g - softmax * g.sum(axis=self.axis, keepdims=True)

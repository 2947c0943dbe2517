"""Reductions over axes (``axis`` is None for all, or a sorted tuple of axes)."""
from __future__ import annotations

from typing import Any

from ..backend import xp_of
from ..errors import ShapeError
from ..tensor import Function, Tensor


def _keep(g: Any, shape: tuple, axis: tuple | None, keepdims: bool) -> Any:
    """Give a reduced gradient back its reduced axes (size 1) so it broadcasts over ``shape``."""
    if keepdims or axis is None and g.ndim == len(shape):
        return g
    if axis is None:
        return g.reshape((1,) * len(shape))
    full = list(g.shape)
    for ax in axis:
        full.insert(ax, 1)
    return g.reshape(full)


class Sum(Function):
    """y = Σ x over the axes;  ∂y/∂x = 1 for every summed element (the gradient is broadcast back)."""
    name = "sum"

    def forward(self, x: Any, axis: tuple | None, keepdims: bool) -> Any:
        self.shape, self.axis, self.keepdims = x.shape, axis, keepdims
        return x.sum(axis=axis, keepdims=keepdims)

    def backward(self, g: Any) -> Any:
        g = _keep(g, self.shape, self.axis, self.keepdims)
        return g.broadcast_to(self.shape) if isinstance(g, Tensor) else xp_of(g).broadcast_to(g, self.shape)


class _Extreme(Function):
    """y = max (or min) of x over the axes; the gradient goes to the extreme elements and is
    split evenly between ties (PyTorch's ``amax``/``amin``)."""
    reducer = "max"

    def forward(self, x: Any, axis: tuple | None, keepdims: bool) -> Any:
        if x.size == 0 or (axis is not None and any(x.shape[a] == 0 for a in axis)):
            raise ShapeError(f"{self.name}: cannot reduce an empty axis (shape {tuple(x.shape)}, axis {axis})")
        out = getattr(x, self.reducer)(axis=axis, keepdims=True)
        mask = x == out
        self.weight = mask / mask.sum(axis=axis, keepdims=True)
        self.weight = self.weight.astype(x.dtype, copy=False)
        self.shape, self.axis, self.keepdims = x.shape, axis, keepdims
        return out if keepdims else out.reshape([n for i, n in enumerate(x.shape)
                                                 if axis is not None and i not in axis])

    def backward(self, g: Any) -> Any:
        return _keep(g, self.shape, self.axis, self.keepdims) * self.weight


class Max(_Extreme):
    name = "max"
    reducer = "max"


class Min(_Extreme):
    name = "min"
    reducer = "min"

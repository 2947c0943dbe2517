"""Keras' weight constraints: after each optimizer update the weight is projected back.

``LSTM(8, kernel_constraint=max_norm(3))`` sets the kernel's ``constraint``; every
tinygrad_rnn optimizer applies a parameter's constraint to its new value right after the
update, as Keras optimizers do. A constraint maps an array to an array of the same shape
(NumPy or CuPy; a Tensor gives a Tensor).

``axis`` is the axis the norms run over, in the weight's own layout. Keras' kernels are
(inputs, units), so the default ``axis=0`` constrains the vector of weights *into* each
unit. (A PyTorch-layout ``weight_ih`` (G·H, I) needs ``axis=1`` for the same meaning.)

=========================================  ==============================================
Keras name                                 w ← ...  (n = ‖w‖₂ along axis, ε = 1e-7)
=========================================  ==============================================
``MaxNorm(max_value=2, axis=0)``           w · clip(n, 0, max_value) / (ε + n)
``MinMaxNorm(min_value=0, max_value=1,``   w · (rate·clip(n, min, max) + (1 − rate)·n) / (ε + n)
``rate=1, axis=0)``
``NonNeg()``                               w · [w ≥ 0]
``UnitNorm(axis=0)``                       w / (ε + n)
=========================================  ==============================================

The lower-case names (``max_norm``, ``min_max_norm``, ``non_neg``, ``unit_norm``) are
Keras' aliases of the same classes.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, Union

from ..errors import ArgumentError
from .. import backend
from ..tensor import Tensor

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
           "non_neg", "unit_norm", "get", "EPSILON"]

EPSILON = 1e-7     # Keras' backend.epsilon(): keeps w / n finite for an all-zero vector

Axis = Union[int, Sequence[int]]


class Constraint:
    """Base class: ``new_w = constraint(w)``, applied by the optimizer after each update."""

    def __call__(self, w: Any) -> Any:
        if isinstance(w, Tensor):
            return Tensor(self.apply(backend.xp_of(w.data), w.data))
        return self.apply(backend.xp_of(w), w)

    def apply(self, xp: Any, w: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


def _axis(axis: Axis) -> Any:
    return tuple(axis) if isinstance(axis, (list, tuple)) else int(axis)


def _norms(xp: Any, w: Any, axis: Any) -> Any:
    return xp.sqrt(xp.sum(w * w, axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale every vector along ``axis`` whose L2 norm exceeds ``max_value`` to that norm
    (Srivastava et al. 2014's max-norm, used with dropout)."""

    def __init__(self, max_value: float = 2, axis: Axis = 0) -> None:
        if max_value <= 0:
            raise ArgumentError(f"MaxNorm: max_value must be positive, got {max_value!r}")
        self.max_value, self.axis = max_value, _axis(axis)

    def apply(self, xp: Any, w: Any) -> Any:
        n = _norms(xp, w, self.axis)
        desired = xp.clip(n, 0, self.max_value)
        return w * (desired / (EPSILON + n))

    def __repr__(self) -> str:
        return f"MaxNorm(max_value={self.max_value}, axis={self.axis})"


class MinMaxNorm(Constraint):
    """Move each vector's norm into [min_value, max_value]; ``rate`` < 1 moves it only that
    fraction of the way per update."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Axis = 0) -> None:
        if not 0 <= min_value <= max_value:
            raise ArgumentError(f"MinMaxNorm: need 0 <= min_value <= max_value, got {min_value!r}, {max_value!r}")
        if not 0 <= rate <= 1:
            raise ArgumentError(f"MinMaxNorm: rate must be in [0, 1], got {rate!r}")
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, _axis(axis)

    def apply(self, xp: Any, w: Any) -> Any:
        n = _norms(xp, w, self.axis)
        desired = self.rate * xp.clip(n, self.min_value, self.max_value) + (1 - self.rate) * n
        return w * (desired / (EPSILON + n))

    def __repr__(self) -> str:
        return (f"MinMaxNorm(min_value={self.min_value}, max_value={self.max_value}, rate={self.rate}, "
                f"axis={self.axis})")


class NonNeg(Constraint):
    """Set negative weights to zero."""

    def apply(self, xp: Any, w: Any) -> Any:
        return w * (w >= 0).astype(w.dtype)

    def __repr__(self) -> str:
        return "NonNeg()"


class UnitNorm(Constraint):
    """Scale every vector along ``axis`` to unit L2 norm."""

    def __init__(self, axis: Axis = 0) -> None:
        self.axis = _axis(axis)

    def apply(self, xp: Any, w: Any) -> Any:
        return w / (EPSILON + _norms(xp, w, self.axis))

    def __repr__(self) -> str:
        return f"UnitNorm(axis={self.axis})"


max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

ConstraintSpec = Union[Constraint, Callable[[Any], Any], str, None]


def get(spec: ConstraintSpec, what: str = "constraint") -> Callable[[Any], Any] | None:
    """A constraint from a Keras name (``"max_norm"``, ``"non_neg"``, ...; default arguments),
    a callable, or None."""
    if spec is None or callable(spec):
        return spec
    names = {"max_norm": MaxNorm, "maxnorm": MaxNorm, "min_max_norm": MinMaxNorm, "minmaxnorm": MinMaxNorm,
             "non_neg": NonNeg, "nonneg": NonNeg, "unit_norm": UnitNorm, "unitnorm": UnitNorm}
    if isinstance(spec, str) and spec.lower() in names:
        return names[spec.lower()]()
    raise ArgumentError(f"unknown {what} {spec!r}: use one of {sorted(names)}, a Constraint or a callable")

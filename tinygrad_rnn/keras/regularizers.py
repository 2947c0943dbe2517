"""Keras' weight regularizers: a penalty added to the loss, ``l2(0.01)`` = 0.01·Σ w².

A layer built with ``kernel_regularizer=l2(1e-4)`` puts the penalty of its current weights
into ``layer.losses`` at every call; add them to the loss yourself (Keras' ``fit`` does)::

    y = layer(x)
    loss = task_loss(y) + sum(layer.losses)

===================  =======================================  =================
Keras name           penalty of a weight (or output) w        defaults
===================  =======================================  =================
``L1(l1)``/``l1``    l1 · Σ|w|                                l1 = 0.01
``L2(l2)``/``l2``    l2 · Σ w²                                l2 = 0.01
``L1L2(l1, l2)``     l1 · Σ|w| + l2 · Σ w²                    0, 0
``l1_l2(l1, l2)``    the same                                 0.01, 0.01
===================  =======================================  =================

Any callable ``Tensor -> scalar Tensor`` works as a regularizer too. An
``activity_regularizer`` penalises the layer's output instead, divided by the batch size,
as Keras does.
"""
from __future__ import annotations

from typing import Any, Callable, Union

from ..errors import ArgumentError
from ..tensor import Tensor

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get"]


class Regularizer:
    """Base class: ``penalty = regularizer(weight)``, a scalar Tensor in the graph."""

    def __call__(self, x: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError


def _factor(value: Any, name: str, who: str) -> float:
    value = 0.0 if value is None else value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        raise ArgumentError(f"{who}: {name} must be a non-negative number, got {value!r}")
    return float(value)


class L1L2(Regularizer):
    """l1 · Σ|w| + l2 · Σ w² (both 0 by default)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = _factor(l1, "l1", "L1L2"), _factor(l2, "l2", "L1L2")

    def __call__(self, x: Tensor) -> Tensor:
        penalty = (x.abs().sum() * self.l1) if self.l1 else None
        if self.l2:
            sq = (x * x).sum() * self.l2
            penalty = sq if penalty is None else penalty + sq
        return penalty if penalty is not None else x.sum() * 0.0

    def __repr__(self) -> str:
        return f"L1L2(l1={self.l1}, l2={self.l2})"


class L1(Regularizer):
    """l1 · Σ|w| (Tibshirani's lasso penalty); l1 = 0.01 by default."""

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _factor(0.01 if l1 is None else l1, "l1", "L1")

    def __call__(self, x: Tensor) -> Tensor:
        return x.abs().sum() * self.l1

    def __repr__(self) -> str:
        return f"L1(l1={self.l1})"


class L2(Regularizer):
    """l2 · Σ w² (weight decay as a loss term); l2 = 0.01 by default."""

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x: Tensor) -> Tensor:
        return (x * x).sum() * self.l2

    def __repr__(self) -> str:
        return f"L2(l2={self.l2})"


l1 = L1
l2 = L2


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:  # noqa: F811 (Keras' names)
    """Keras' shortcut: ``L1L2`` with both factors 0.01 by default."""
    return L1L2(l1=l1, l2=l2)


RegularizerSpec = Union[Regularizer, Callable[[Tensor], Tensor], str, None]


def get(spec: RegularizerSpec, what: str = "regularizer") -> Callable[[Tensor], Tensor] | None:
    """A regularizer from a name (``"l1"``, ``"l2"``, ``"l1_l2"``: Keras' defaults), a
    callable, or None."""
    if spec is None or callable(spec):
        return spec
    if isinstance(spec, str) and spec.lower() in ("l1", "l2", "l1_l2", "l1l2"):
        return {"l1": L1, "l2": L2, "l1_l2": l1_l2, "l1l2": l1_l2}[spec.lower()]()
    raise ArgumentError(f"unknown {what} {spec!r}: use 'l1', 'l2', 'l1_l2', a Regularizer or a callable")

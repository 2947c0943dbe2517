"""Keras' initializers, by name or as objects, for weights in **Keras layout**.

Keras keeps a recurrent layer's ``kernel`` as (inputs, G·units) and its
``recurrent_kernel`` as (units, G·units), and draws each whole matrix at once:

=================================  =====================================================
Keras name / class                 draws (shape (fan_in, fan_out) for a 2-D weight)
=================================  =====================================================
``"glorot_uniform"``               U(−ℓ, ℓ), ℓ = √(6 / (fan_in + fan_out))
``GlorotUniform()``
``"orthogonal"`` / ``Orthogonal``  a matrix with orthonormal rows (rows ≤ columns) or
                                   columns; for (units, G·units): R Rᵀ = I
``"zeros"``, ``"ones"``            constants; ``Constant(value)`` any constant
``"uniform"``/``RandomUniform``    U(−0.05, 0.05) (``Embedding``'s default)
``"normal"``/``RandomNormal``      N(0, 0.05²)
=================================  =====================================================

The numbers come from tinygrad_rnn's generator (``tg.manual_seed``), not TensorFlow's: the
distributions are Keras', the draws are not. Load a Keras model's weights with
``set_weights`` to get its numbers. Any callable ``fn(shape) -> array`` works as well.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import numpy as np

from ..errors import ArgumentError
from ..nn import init

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal", "GlorotUniform",
           "Orthogonal", "get"]


class Initializer:
    """Base class: ``initializer(shape) -> NumPy array`` of that shape (float64)."""

    def __call__(self, shape: Sequence[int]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class Zeros(Initializer):
    def __call__(self, shape: Sequence[int]) -> np.ndarray:
        return np.zeros(tuple(shape))


class Ones(Initializer):
    def __call__(self, shape: Sequence[int]) -> np.ndarray:
        return np.ones(tuple(shape))


class Constant(Initializer):
    def __init__(self, value: float = 0.0) -> None:
        self.value = float(value)

    def __call__(self, shape: Sequence[int]) -> np.ndarray:
        return np.full(tuple(shape), self.value)


class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05) -> None:
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape: Sequence[int]) -> np.ndarray:
        return init.uniform(shape, self.minval, self.maxval)


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05) -> None:
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Sequence[int]) -> np.ndarray:
        return init.normal(shape, self.mean, self.stddev)


class GlorotUniform(Initializer):
    """ℓ is symmetric in the two fans, so Keras' (in, out) and PyTorch's (out, in) agree."""

    def __call__(self, shape: Sequence[int]) -> np.ndarray:
        return init.glorot_uniform(shape)


class Orthogonal(Initializer):
    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Sequence[int]) -> np.ndarray:
        return init.orthogonal(shape, self.gain)


_BY_NAME: dict[str, Callable[[], Initializer]] = {
    "zeros": Zeros, "ones": Ones, "uniform": RandomUniform, "random_uniform": RandomUniform,
    "normal": RandomNormal, "random_normal": RandomNormal, "glorot_uniform": GlorotUniform,
    "orthogonal": Orthogonal,
}

InitializerSpec = Union[str, Callable[[Sequence[int]], Any], None]


def get(spec: InitializerSpec, what: str = "initializer") -> Callable[[Sequence[int]], Any]:
    """An initializer from a Keras name, an object/callable ``fn(shape) -> array``; None
    means zeros (Keras: a None bias initializer)."""
    if spec is None:
        return Zeros()
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec.lower() in _BY_NAME:
        return _BY_NAME[spec.lower()]()
    raise ArgumentError(f"unknown {what} {spec!r}: use one of {sorted(_BY_NAME)} or a callable shape -> array")

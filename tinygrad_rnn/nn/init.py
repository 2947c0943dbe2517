"""Initialisers: where a layer's first weights come from.

Every function here draws from :func:`tinygrad_rnn.backend.rng` (so ``tg.manual_seed``
fixes the result on every device) and works on shapes in **PyTorch layout**: a recurrent
cell's ``weight_ih`` is (G·H, I) and ``weight_hh`` is (G·H, H), G gates stacked by rows.

Two families:

* ``glorot_uniform(shape)``, ``orthogonal(shape)``, ``recurrent_default(shape, hidden_size)``, ...
  return a new NumPy array of ``shape`` (float64); cells call them through :func:`initial_value`.
* ``uniform_(t, a, b)``, ``zeros_(t)``, ``orthogonal_(t)``, ... (PyTorch's trailing-underscore
  names) overwrite an existing tensor in place, keeping its dtype and device.

The cells' ``kernel_initializer=``, ``recurrent_initializer=`` and ``bias_initializer=``
accept a name or a callable ``fn(shape) -> array`` (shape in PyTorch layout):

============================================  ==========================================
name                                          draws
============================================  ==========================================
``None``, ``"uniform"``, ``"default"``,       U(−1/√H, 1/√H), H = hidden size: what
``"pytorch_default"``, ``"recurrent_default"``  PyTorch's ``reset_parameters`` does for every
                                              recurrent weight and bias
``"glorot_uniform"`` / ``"xavier_uniform"``   U(−ℓ, ℓ), ℓ = √(6 / (fan_in + fan_out))
``"orthogonal"``                              a (semi-)orthogonal matrix
``"zeros"``, ``"ones"``                       constants
============================================  ==========================================

How this matches Keras. Keras keeps its kernel as (I, G·H) and its recurrent kernel as
(H, G·H), the transposes of our matrices, and initialises **each whole matrix at once**,
not gate by gate:

* ``glorot_uniform`` on the kernel uses fan_in = I and fan_out = G·H. ℓ is symmetric in the
  two fans, so drawing our (G·H, I) matrix with the same ℓ is the same distribution.
* ``orthogonal`` on the recurrent kernel makes its H rows orthonormal (R Rᵀ = I_H); the H×H
  block of one gate is *not* orthogonal by itself. Our (G·H, H) ``weight_hh`` is Rᵀ, so we
  make its H **columns** orthonormal: ``weight_hhᵀ · weight_hh = I_H``.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Sequence, Union

import numpy as np

from ..arguments import describe, finite_real
from ..errors import ArgumentError, ArgumentTypeError
from .. import backend
from ..dtypes import as_dtype, get_default_dtype
from ..errors import ShapeError
from ..tensor import Tensor, check_tensor

Shape = tuple[int, ...]
InitSpec = Union[str, Callable[[Shape], Any], None]

__all__ = ["uniform", "normal", "recurrent_default", "pytorch_default", "glorot_uniform",
           "xavier_uniform", "orthogonal", "zeros", "ones", "constant", "get", "initial_value",
           "uniform_", "normal_", "zeros_", "ones_", "constant_", "glorot_uniform_",
           "xavier_uniform_", "orthogonal_", "fans"]


# ---- functions that return a new host array -------------------------------------------

def uniform(shape: Sequence[int], low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Samples of U(low, high), shape ``shape``."""
    low, high = finite_real(low, "low", "uniform"), finite_real(high, "high", "uniform")
    if low > high:
        raise ArgumentError(f"uniform: low {low} is above high {high}")
    return backend.rng().uniform(low, high, size=tuple(shape))


def normal(shape: Sequence[int], mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    """Samples of N(mean, std²)."""
    mean, std = finite_real(mean, "mean", "normal"), finite_real(std, "std", "normal", low=0.0)
    return mean + std * backend.rng().standard_normal(tuple(shape))


def recurrent_default(shape: Sequence[int], hidden_size: int) -> np.ndarray:
    """PyTorch's recurrent initialisation: U(−k, k) with k = 1/√hidden_size, for every
    weight and bias of ``RNN``/``LSTM``/``GRU`` and their cells."""
    k = 1.0 / math.sqrt(hidden_size)
    return uniform(shape, -k, k)


pytorch_default = recurrent_default


def fans(shape: Sequence[int]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight in PyTorch layout (out, in, *kernel)."""
    shape = tuple(shape)
    if len(shape) < 2:
        raise ShapeError(f"init: fan_in and fan_out need at least 2 dimensions, got shape {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def glorot_uniform(shape: Sequence[int], gain: float = 1.0) -> np.ndarray:
    """Glorot & Bengio 2010 ("Xavier"): U(−ℓ, ℓ), ℓ = gain·√(6 / (fan_in + fan_out)).

    Keras' default ``kernel_initializer``. For a cell's (G·H, I) ``weight_ih`` the fans are
    I and G·H: one draw over the whole matrix, exactly as Keras draws its (I, G·H) kernel.
    """
    gain = finite_real(gain, "gain", "glorot_uniform", low=0.0)
    fan_in, fan_out = fans(shape)
    limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, -limit, limit)


xavier_uniform = glorot_uniform


def orthogonal(shape: Sequence[int], gain: float = 1.0) -> np.ndarray:
    """A random matrix with orthonormal columns (rows ≥ columns) or rows (rows < columns).

    Drawn as the Q of a QR decomposition of a Gaussian matrix, with Q's column signs fixed
    by R's diagonal so that the result is uniformly distributed (Saxe et al. 2014; the same
    recipe as PyTorch's ``orthogonal_``). Keras' default ``recurrent_initializer``: for a
    cell's (G·H, H) ``weight_hh`` the H columns are orthonormal over all G gates together.
    """
    shape = tuple(shape)
    gain = finite_real(gain, "gain", "orthogonal")
    if len(shape) < 2:
        raise ShapeError(f"orthogonal: needs at least 2 dimensions, got shape {shape}")
    rows, cols = shape[0], int(np.prod(shape[1:]))
    a = backend.rng().standard_normal((rows, cols))
    if rows < cols:
        a = a.T                               # QR wants a tall matrix
    q, r = np.linalg.qr(a)                    # q: (max, min) with orthonormal columns
    q = q * np.sign(np.diag(r))               # the sign fix makes the draw uniform (Haar)
    if rows < cols:
        q = q.T
    return gain * q.reshape(shape)


def zeros(shape: Sequence[int]) -> np.ndarray:
    """All zeros (Keras' default ``bias_initializer``)."""
    return np.zeros(tuple(shape))


def ones(shape: Sequence[int]) -> np.ndarray:
    """All ones."""
    return np.ones(tuple(shape))


def constant(shape: Sequence[int], value: float) -> np.ndarray:
    """Every element equal to ``value`` (NaN and inf too, as ``torch.nn.init.constant_``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"constant: value must be a number, got {describe(value)}")
    return np.full(tuple(shape), float(value))


# ---- initialisers given by name ----------------------------------------------------------

_BY_NAME: dict[str, Callable[[Shape, int], np.ndarray]] = {
    "uniform": recurrent_default,
    "default": recurrent_default,
    "pytorch_default": recurrent_default,
    "recurrent_default": recurrent_default,
    "glorot_uniform": lambda s, h: glorot_uniform(s),
    "xavier_uniform": lambda s, h: glorot_uniform(s),
    "orthogonal": lambda s, h: orthogonal(s),
    "zeros": lambda s, h: zeros(s),
    "ones": lambda s, h: ones(s),
}


def get(spec: InitSpec, hidden_size: int) -> Callable[[Shape], Any]:
    """Turn a name, a callable or ``None`` (PyTorch's default) into ``fn(shape) -> array``."""
    if spec is None:
        spec = "default"
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec.lower() in _BY_NAME:
        fn = _BY_NAME[spec.lower()]
        return lambda shape: fn(tuple(shape), hidden_size)
    raise ArgumentError(f"unknown initializer {spec!r}: use one of {sorted(_BY_NAME)} "
                     f"or a callable taking a shape and returning an array of that shape")


def initial_value(spec: InitSpec, shape: Sequence[int], hidden_size: int, dtype: Any = None,
                  device: str | None = None, what: str = "weight") -> Any:
    """Draw ``shape`` with initialiser ``spec`` and return a backend array of ``dtype`` on
    ``device`` (the defaults when None). ``what`` names the weight in error messages."""
    shape = tuple(shape)
    arr = get(spec, hidden_size)(shape)
    if isinstance(arr, Tensor):
        arr = arr.data
    arr = backend.to_numpy(arr) if backend.is_array(arr) else np.asarray(arr)
    if tuple(arr.shape) != shape:
        raise ShapeError(f"initializer {spec!r} for {what}: expected an array of shape {shape} "
                         f"(PyTorch layout), got {tuple(arr.shape)}")
    d = get_default_dtype() if dtype is None else as_dtype(dtype)
    return backend.to_device(arr.astype(d), backend.parse_device(device))


# ---- in-place versions (PyTorch's names) -------------------------------------------------

def _fill(t: Tensor, arr: np.ndarray) -> Tensor:
    t.data = backend.to_device(np.asarray(arr, dtype=t.dtype), t.device)
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill ``t`` with U(a, b) in place; returns ``t``."""
    return _fill(check_tensor("uniform_", "the tensor", t), uniform(t.shape, a, b))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill ``t`` with N(mean, std²) in place."""
    return _fill(check_tensor("normal_", "the tensor", t), normal(t.shape, mean, std))


def zeros_(t: Tensor) -> Tensor:
    """Fill ``t`` with zeros in place."""
    return _fill(check_tensor("zeros_", "the tensor", t), zeros(t.shape))


def ones_(t: Tensor) -> Tensor:
    """Fill ``t`` with ones in place."""
    return _fill(check_tensor("ones_", "the tensor", t), ones(t.shape))


def constant_(t: Tensor, value: float) -> Tensor:
    """Fill ``t`` with ``value`` in place."""
    return _fill(check_tensor("constant_", "the tensor", t), constant(t.shape, value))


def glorot_uniform_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Fill ``t`` (PyTorch layout) with Glorot-uniform values in place."""
    return _fill(check_tensor("glorot_uniform_", "the tensor", t), glorot_uniform(t.shape, gain))


xavier_uniform_ = glorot_uniform_


def orthogonal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """Fill ``t`` with a random (semi-)orthogonal matrix in place."""
    return _fill(check_tensor("orthogonal_", "the tensor", t), orthogonal(t.shape, gain))

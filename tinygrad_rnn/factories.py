"""Functions that make new tensors: constants, ranges and random draws.

Random factories draw from the generator seeded by :func:`tinygrad_rnn.manual_seed` on the
host and then move the numbers to ``device``, so a seed gives the same values everywhere.
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np

from .arguments import describe, is_int, real, size
from .errors import ArgumentError, ArgumentTypeError
from . import backend
from .dtypes import as_dtype, get_default_dtype
from .errors import ShapeError
from .tensor import Tensor, check_tensor


def _shape(op: str, shape: Sequence[Any]) -> tuple[int, ...]:
    """``zeros(2, 3)`` and ``zeros((2, 3))`` both give ``(2, 3)``; every length an int >= 0
    (a float such as 2.5 or 2.0 is refused, not truncated, as PyTorch does)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not is_int(n):
            raise ArgumentTypeError(f"{op}: a shape is a sequence of ints, got {describe(n)} in {shape!r}")
        if n < 0:
            raise ShapeError(f"{op}: negative dimension in shape {tuple(int(n) for n in shape)}")
    return tuple(int(n) for n in shape)


def _make(op: str, fill: Any, shape: tuple, dtype: Any, device: str | None, requires_grad: bool,
          name: str | None = None) -> Tensor:
    dev = backend.parse_device(device)
    d = get_default_dtype() if dtype is None else as_dtype(dtype)
    xp = backend.xp_for(dev)
    try:
        arr = fill(xp, shape, d)
    except MemoryError:
        need = float(np.prod(shape, dtype=np.float64)) * d.itemsize / 2**30
        raise ArgumentError(f"{op}: shape {shape} of {d} needs {need:.3g} GiB, more than this machine "
                            f"can give") from None
    return Tensor(arr, requires_grad=requires_grad, device=dev, name=name)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: str | None = None,
           name: str | None = None) -> Tensor:
    """A new tensor from numbers, lists, arrays, tensors or PyTorch tensors, always with its
    own memory, as ``torch.tensor`` does (``Tensor(array)`` shares an array's memory instead,
    as ``torch.from_numpy`` does)."""
    t = Tensor(data, dtype=dtype, device=device, name=name)
    if not isinstance(data, (bool, int, float, list, tuple)):   # an array-like: maybe shared
        t.data = t.data.copy()
    return t.requires_grad_(True) if requires_grad else t


def from_numpy(array: Any) -> Tensor:
    """A tensor sharing ``array``'s memory (NumPy, or CuPy on its GPU), as ``torch.from_numpy``:
    writing to one changes the other. ``tg.tensor(array)`` copies instead."""
    if not backend.is_array(array):
        raise ArgumentTypeError(f"from_numpy: expected a NumPy or CuPy array, got {type(array).__name__}")
    return Tensor(array)


def zeros(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False,
          name: str | None = None) -> Tensor:
    """A tensor of zeros, e.g. ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _make("zeros", lambda xp, s, d: xp.zeros(s, dtype=d), _shape("zeros", shape), dtype, device,
                 requires_grad, name)


def ones(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False,
          name: str | None = None) -> Tensor:
    """A tensor of ones."""
    return _make("ones", lambda xp, s, d: xp.ones(s, dtype=d), _shape("ones", shape), dtype, device,
                 requires_grad, name)


def full(shape: Sequence[int] | int, value: float, dtype: Any = None, device: str | None = None,
         requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A tensor of ``shape`` filled with ``value``."""
    if isinstance(value, (str, bytes, bool, np.bool_)) or not isinstance(value, (numbers.Number, np.generic)):
        raise ArgumentTypeError(f"full: fill value must be a number, got {describe(value)}")
    if not isinstance(shape, (tuple, list)):
        shape = (shape,)      # one length, checked by _shape
    s = _shape("full", tuple(shape))
    return _make("full", lambda xp, s, d: xp.full(s, value, dtype=d), s, dtype, device, requires_grad, name)


def randn(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False,
          name: str | None = None) -> Tensor:
    """Samples from the standard normal distribution N(0, 1)."""
    s = _shape("randn", shape)
    return _make("randn", lambda xp, s_, d: xp.asarray(backend.rng().standard_normal(s_).astype(d)),
                 s, dtype, device, requires_grad, name)


def rand(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False,
          name: str | None = None) -> Tensor:
    """Samples from the uniform distribution U[0, 1)."""
    s = _shape("rand", shape)
    return _make("rand", lambda xp, s_, d: xp.asarray(backend.rng().random(s_).astype(d)),
                 s, dtype, device, requires_grad, name)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           device: str | None = None, requires_grad: bool = False,
           name: str | None = None) -> Tensor:
    """Evenly spaced values in [start, stop); integers stay int64 unless ``dtype`` says otherwise."""
    if stop is None:
        start, stop = 0, start
    start = _bound(start, "start")
    stop = _bound(stop, "stop")
    step = _bound(step, "step")
    if step == 0:
        raise ShapeError("arange: step must not be zero")
    if (stop - start) * step < 0:   # NumPy would return an empty array; PyTorch refuses
        raise ArgumentError(f"arange: stop {stop} lies on the wrong side of start {start} for step {step}")
    is_int = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
    d = as_dtype(dtype) if dtype is not None else (np.dtype(np.int64) if is_int else get_default_dtype())
    dev = backend.parse_device(device)
    try:
        values = backend.xp_for(dev).arange(start, stop, step, dtype=d)
    except (ValueError, MemoryError):
        raise ArgumentError(f"arange: [{start}, {stop}) in steps of {step} has too many values") from None
    return Tensor(values, requires_grad=requires_grad, device=dev, name=name)


def _bound(value: Any, what: str) -> Any:
    """An arange bound or step: a finite int or float (ints are kept, so the result stays int64)."""
    if is_int(value):
        return value
    return real(value, what, "arange")


def eye(n: int, m: int | None = None, dtype: Any = None, device: str | None = None,
        requires_grad: bool = False, name: str | None = None) -> Tensor:
    """The n×m identity matrix (m defaults to n)."""
    n = size(n, "n", "eye")
    s = (n, n if m is None else size(m, "m", "eye"))
    return _make("eye", lambda xp, s_, d: xp.eye(s_[0], s_[1], dtype=d), s, dtype, device, requires_grad, name)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """Zeros with ``t``'s shape, dtype and device."""
    check_tensor("zeros_like", "t", t)
    return zeros(t.shape, dtype=t.dtype if dtype is None else dtype, device=t.device, requires_grad=requires_grad,
                 name=name)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """Ones with ``t``'s shape, dtype and device."""
    check_tensor("ones_like", "t", t)
    return ones(t.shape, dtype=t.dtype if dtype is None else dtype, device=t.device, requires_grad=requires_grad,
                 name=name)

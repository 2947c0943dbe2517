"""A stand-in for CuPy that behaves like it where host/device leaks happen, for CI without a GPU.

Device arrays are :class:`ndarray` objects of this module (not NumPy arrays) wrapping host
memory. Like CuPy's, they

* refuse implicit conversion to NumPy (``np.asarray(a)``, ``float(np.array(a))`` paths, passing
  one where NumPy needs a host array): ``TypeError`` with CuPy's message;
* refuse to be mixed with NumPy arrays in arithmetic and in this module's functions
  (``device + host``): ``TypeError``, as CuPy does;
* copy to the host only through ``.get()`` (or ``asnumpy``);
* answer NumPy's functions through ``__array_function__`` with this module's own (CuPy does
  the same), so ``np.concatenate([a, b])`` stays on the device.

``install(monkeypatch)`` makes ``tinygrad_rnn.backend`` treat this module as CuPy with one GPU
(device ``"cuda:0"``). What it cannot show: CUDA kernels (``fused/_cuda_kernels.py`` is only
compiled by real CuPy; here the array-expression steps run), real asynchronous execution,
device memory limits and speed. See docs/performance.md.
"""
from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

_MESSAGE = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
            "a NumPy array explicitly.")


class LeakError(TypeError):
    """A device array met host code (CuPy raises TypeError in the same places)."""


def _unwrap(x: Any, allow_host: bool = False) -> Any:
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray) and not allow_host:
        raise LeakError(f"Unsupported type {type(x)}: a NumPy (host) array was mixed with a device array")
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, allow_host) for v in x)
    return x


def _wrap(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return ndarray(x)
    if isinstance(x, np.generic):         # CuPy's reductions give 0-d device arrays, not scalars
        return ndarray(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


class Device:
    def __init__(self, id: int = 0) -> None:   # noqa: A002  (CuPy's name)
        self.id = id

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def synchronize(self) -> None:
        return None

    def __eq__(self, other: Any) -> bool:      # CuPy's devices compare by id
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


class ndarray(NDArrayOperatorsMixin):   # noqa: N801  (CuPy's name)
    """A device array: host memory behind CuPy's rules."""

    __slots__ = ("_a",)

    def __init__(self, a: np.ndarray) -> None:
        self._a = a

    # --- what CuPy refuses -----------------------------------------------------------
    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise LeakError(_MESSAGE)

    # --- what CuPy offers -------------------------------------------------------------
    def get(self) -> np.ndarray:
        return self._a.copy()

    @property
    def device(self) -> Device:
        return Device(0)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        ins = [_unwrap(x) for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(_unwrap(o) for o in kwargs["out"])
        return _wrap(getattr(ufunc, method)(*ins, **kwargs))

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        return _wrap(func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))

    def __getitem__(self, index: Any) -> Any:
        return _wrap(self._a[_unwrap(index, allow_host=True)])

    def __setitem__(self, index: Any, value: Any) -> None:
        self._a[_unwrap(index, allow_host=True)] = _unwrap(value, allow_host=True)

    def __getattr__(self, name: str) -> Any:
        if name in ("__array_interface__", "__array_struct__", "ctypes", "data", "tofile", "tobytes"):
            raise AttributeError(f"fake_cupy.ndarray has no host view {name!r}")
        attr = getattr(self._a, name)
        if callable(attr):
            return lambda *a, **k: _wrap(attr(*_unwrap(a), **{kk: _unwrap(v) for kk, v in k.items()}))
        return _wrap(attr)

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Any:
        return (_wrap(x) for x in self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __index__(self) -> int:
        return self._a.__index__()

    def __repr__(self) -> str:
        return f"array({self._a!r}, device='cuda:0')".replace("array(array(", "array(")

    def __reduce__(self) -> Any:
        raise LeakError("device arrays cannot be pickled without .get()")

    # attributes that must not go through __getattr__ (copying would hide the device)
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    T = property(lambda self: ndarray(self._a.T))
    base = property(lambda self: None if self._a.base is None else self)
    flags = property(lambda self: self._a.flags)


# --- the module's functions: NumPy's, refusing host arrays -----------------------------------

def asarray(x: Any, dtype: Any = None) -> ndarray:
    """Host -> device (CuPy's asarray copies a NumPy array to the GPU)."""
    if isinstance(x, ndarray):
        return x if dtype is None else ndarray(x._a.astype(dtype, copy=False))
    return ndarray(np.array(x, dtype=dtype))


array = asarray


def ascontiguousarray(x: Any, dtype: Any = None) -> ndarray:
    return ndarray(np.ascontiguousarray(_unwrap(x), dtype=dtype))


def asnumpy(x: Any) -> np.ndarray:
    return x.get() if isinstance(x, ndarray) else np.asarray(x)


def __getattr__(name: str) -> Any:
    value = getattr(np, name)
    if isinstance(value, (type, np.dtype)) or not callable(value):
        return value                      # dtypes (float32, ...), constants (pi, newaxis)

    def fn(*args: Any, **kwargs: Any) -> Any:
        return _wrap(value(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))
    if isinstance(value, np.ufunc):       # keep ufunc methods (add.at, maximum.reduce)
        return value
    fn.__name__ = name
    return fn


cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 1), Device=Device)

_fake_cupyx = types.ModuleType("cupyx")


def _scatter_add(target: ndarray, index: Any, values: Any) -> None:
    np.add.at(target._a, _unwrap(index, allow_host=True), _unwrap(values))


_fake_cupyx.scatter_add = _scatter_add


def install(monkeypatch: Any) -> types.ModuleType:
    """Make tinygrad_rnn's backend use this module as CuPy (one GPU) for one test."""
    from tinygrad_rnn import backend
    module = sys.modules[__name__]
    monkeypatch.setattr(backend, "_cupy", module)
    monkeypatch.setattr(backend, "_cupy_error", None)
    monkeypatch.setitem(sys.modules, "cupyx", _fake_cupyx)
    return module

"""Dtypes: which float is the default, and how Python values become arrays.

Rules (they keep float32 models float32):
- Python floats and lists of floats become the default float dtype (float32 unless
  :func:`set_default_dtype` says otherwise).
- NumPy/CuPy arrays passed in keep their dtype.
- Python scalars in arithmetic follow the tensor's dtype: ``x32 * 0.5`` stays float32.
- Two tensors of different float dtypes in one op are an error, never a silent upcast.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import DtypeError

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

_default_float = float32


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype used for Python floats and random factories (float32 or float64)."""
    global _default_float
    d = as_dtype(dtype)
    if d.kind != "f":
        raise DtypeError(f"set_default_dtype: expected a floating dtype, got {d}")
    _default_float = d


def get_default_dtype() -> np.dtype:
    """The float dtype new tensors get when none is given."""
    return _default_float


def as_dtype(dtype: Any) -> np.dtype:
    """Turn ``"float32"``, ``np.float32``, ``tg.float32`` and the like into a NumPy dtype."""
    try:
        return _KNOWN[dtype]        # a spec seen before (astype/float() call this on every use)
    except (KeyError, TypeError):   # TypeError: unhashable, e.g. a list
        pass
    if dtype is None or type(dtype) in _NOT_DTYPES:     # NumPy would read float64, or a record type
        raise DtypeError(f"unknown dtype {dtype!r}")
    try:
        d = np.dtype(dtype)
    except TypeError as e:
        raise DtypeError(f"unknown dtype {dtype!r}") from e
    if d.kind in "biufc":
        if len(_KNOWN) < 64:
            _KNOWN[dtype] = d
        return d
    raise DtypeError(f"unknown dtype {dtype!r}: a tensor holds bool, int, float or complex numbers, not {d}")


_NOT_DTYPES = (list, tuple, dict)
_KNOWN: dict[Any, np.dtype] = {}      # checked specs -> dtype


def is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


_DEVICE_WORDS = ("cpu", "numpy", "cuda", "cupy", "gpu")


def device_or_dtype(value: Any) -> tuple[str | None, np.dtype | None]:
    """What ``.to(value)`` means: a device (``"cpu"``, ``"cuda:1"``) or a dtype (``tg.float64``,
    ``"float64"``, ``np.float32``, or PyTorch's ``torch.float64``). Returns ``(device, dtype)``
    with one of them None."""
    if isinstance(value, str):
        if value.strip().lower().split(":")[0] in _DEVICE_WORDS:
            return value, None
        try:
            return None, as_dtype(value)
        except DtypeError:
            return value, None      # neither: the device parser names it as an unknown device
    name = str(value)
    if type(value).__module__ == "torch" and name.startswith("torch."):   # torch.float64
        value = name[len("torch."):]
    return None, as_dtype(value)

"""The one place plain (non-tensor) arguments are checked: sizes, counts, rates, probabilities.

Constructors and helpers that take numbers from the user (``LSTM(input_size, hidden_size)``,
``Adam(lr=..., eps=...)``, ``Dropout(p)``, ``adding_problem(batch, T)``) call these instead
of comparing the value themselves, so a wrong value gets the same kind of message everywhere::

    LSTM: hidden_size must be a positive int, got str 'x'
    Adam: eps must be a finite number >= 0, got float nan

Rules (PyTorch's, made strict where PyTorch lets garbage through):

* a size or count is an ``int`` or a NumPy integer; a ``bool`` is not a size (``zeros(True)``
  is refused by PyTorch too), a float is not one even when whole (``2.0``);
* a rate or other real number is an ``int``, ``float`` or NumPy number, never a ``bool`` or a
  string, and must be finite unless the caller allows infinity;
* a probability is such a number in [0, 1];
* a flag (``bias``, ``batch_first``) is ``True`` or ``False``, not a truthy string.

Each helper returns the value as a plain Python ``int``/``float``, so NumPy scalars never
leak into shapes or saved hyperparameters. Type mistakes raise :class:`ArgumentTypeError`
(a ``TypeError``), values out of range :class:`ArgumentError` (a ``ValueError``).
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError

__all__ = ["describe", "size", "positive_int", "real", "finite_real", "probability", "is_int", "flag"]


def describe(value: Any) -> str:
    """``value`` for an error message: its type and a short repr, e.g. ``str 'x'``, ``float nan``."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def is_int(value: Any) -> bool:
    """An ``int`` or NumPy integer, but not a ``bool`` (``True`` is no size or axis)."""
    return (isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)))


def size(value: Any, what: str, op: str, *, minimum: int = 0) -> int:
    """``value`` as an int >= ``minimum`` (0: a length that may be empty; 1: a positive count)."""
    if is_int(value) and value >= minimum:
        return int(value)
    kind = ("a positive int" if minimum == 1 else f"an int of at least {minimum}" if minimum > 1
            else f"an int >= {minimum}")
    error = ArgumentError if is_int(value) else ArgumentTypeError
    raise error(f"{op}: {what} must be {kind}, got {describe(value)}")


def positive_int(value: Any, what: str, op: str) -> int:
    """``value`` as an int >= 1: a feature size, a number of layers, a batch size."""
    return size(value, what, op, minimum=1)


def real(value: Any, what: str, op: str, *, low: float | None = None, high: float | None = None,
         low_open: bool = False, high_open: bool = False, allow_inf: bool = False) -> float:
    """``value`` as a float in the range given by ``low``/``high`` (closed unless ``*_open``).

    NaN is always refused; infinity only passes with ``allow_inf`` (then the range applies to
    it too: ``low=0, allow_inf=True`` takes ``inf`` but not ``-inf``).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{op}: {what} must be a number, got {describe(value)}")
    x = float(value)
    bad = math.isnan(x) or (math.isinf(x) and not allow_inf)
    if low is not None and (x < low or (low_open and x == low)):
        bad = True
    if high is not None and (x > high or (high_open and x == high)):
        bad = True
    if bad:
        raise ArgumentError(f"{op}: {what} must be {_range_words(low, high, low_open, high_open, allow_inf)}, "
                            f"got {describe(value)}")
    return x


def finite_real(value: Any, what: str, op: str, *, low: float | None = None, low_open: bool = False) -> float:
    """``value`` as a finite float (>= ``low``, or > with ``low_open``): rates, epsilons, decays."""
    return real(value, what, op, low=low, low_open=low_open)


def probability(value: Any, what: str, op: str) -> float:
    """``value`` as a float in [0, 1]: a dropout rate, a sampling probability."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{op}: {what} must be a probability in [0, 1], got {describe(value)}")
    if not 0.0 <= value <= 1.0:       # NaN fails this too
        raise ArgumentError(f"{op}: {what} must be a probability in [0, 1], got {describe(value)}")
    return float(value)


def flag(value: Any, what: str, op: str) -> bool:
    """``value`` as a bool: ``True``/``False`` (or NumPy's), never a truthy string or number."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ArgumentTypeError(f"{op}: {what} must be True or False, got {describe(value)}")


def _range_words(low: float | None, high: float | None, low_open: bool, high_open: bool,
                 allow_inf: bool) -> str:
    """The allowed range in words, for :func:`real`'s message: ``a finite number in [0, 1)``."""
    finite = "a number" if allow_inf else "a finite number"
    if low is not None and high is not None:
        return f"{finite} in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low == 0 and low_open:
        return "a positive number" if allow_inf else "a positive finite number"
    if low is not None:
        return f"{finite} {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{finite} {'<' if high_open else '<='} {high:g}"
    return finite

"""One rule for axis arguments: PyTorch's ``dim=``/``keepdim=``, NumPy's ``axis=``/``keepdims=``.

Every function and method that works along an axis (``sum mean max min amax amin softmax
log_softmax cat stack split chunk squeeze unsqueeze argmax argmin``) takes either spelling::

    x.sum(dim=1, keepdim=True)  ==  x.sum(axis=1, keepdims=True)  ==  x.sum(1, True)
    tg.cat(xs, dim=1)           ==  tg.cat(xs, axis=1)

Giving both spellings of one argument is an error (even when they agree), so a call reads the
same way everywhere. The two functions below are the only place the rule is written.
"""
from __future__ import annotations

from typing import Any

from .arguments import describe, is_int
from .errors import ArgumentTypeError

__all__ = ["pick_dim", "pick_keepdim", "int_dim", "ElementCount"]


def pick_dim(op: str, dim: Any, axis: Any, default: Any = None) -> Any:
    """The axis argument given as ``dim=`` or ``axis=`` (None for neither: ``default``)."""
    if dim is not None and axis is not None:
        raise ArgumentTypeError(f"{op}: got both dim={dim!r} and axis={axis!r}; they mean the same, pass one")
    if dim is None:
        dim = axis
    return default if dim is None else dim


def pick_keepdim(op: str, keepdim: Any, keepdims: Any) -> bool:
    """``keepdim=`` (PyTorch) or ``keepdims=`` (NumPy); False when neither is given."""
    if keepdim is not None and keepdims is not None:
        raise ArgumentTypeError(f"{op}: got both keepdim={keepdim!r} and keepdims={keepdims!r}; "
                        f"they mean the same, pass one")
    value = keepdim if keepdim is not None else keepdims
    return bool(value) if value is not None else False


def int_dim(op: str, dim: Any, what: str = "dim") -> int:
    """``dim`` as a Python int, or a clear error: a NumPy integer is fine, a float, bool, string
    or None is not. Callers test ``type(dim) is int`` first, so the common case costs nothing."""
    if is_int(dim):
        return int(dim)
    raise ArgumentTypeError(f"{op}: {what} must be an int, got {describe(dim)}")


class ElementCount(int):
    """``x.size`` in both spellings: used as a number it is the element count (NumPy's
    ``x.size``); called, it is PyTorch's ``x.size()`` (the shape) or ``x.size(dim)`` (one length)."""

    def __new__(cls, shape: tuple[int, ...]) -> "ElementCount":
        n = 1
        for length in shape:
            n *= int(length)
        count = super().__new__(cls, n)
        count.shape = tuple(shape)
        return count

    def __call__(self, dim: int | None = None, *, axis: int | None = None) -> Any:
        d = pick_dim("size", dim, axis)
        if d is None:
            return self.shape
        if not -len(self.shape) <= d < len(self.shape):
            from .errors import ShapeError
            raise ShapeError(f"size: dim {d} out of range for shape {self.shape}")
        return self.shape[d]

    def __repr__(self) -> str:
        return int.__repr__(self)

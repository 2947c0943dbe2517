"""Function forms of the tensor methods, PyTorch style: ``tg.tanh(x)`` is ``x.tanh()``."""
from __future__ import annotations

from typing import Any

from . import backend
from .errors import DtypeError, TinygradRNNError
from .ops.arithmetic import Where
from .ops.shape import cat, chunk, split, stack
from .tensor import Tensor, _operands

__all__ = ["exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "hard_sigmoid", "softmax",
           "log_softmax", "maximum", "minimum", "where", "clip", "cat", "stack", "split", "chunk"]


def exp(x: Tensor) -> Tensor:
    return x.exp()


def log(x: Tensor) -> Tensor:
    return x.log()


def sqrt(x: Tensor) -> Tensor:
    return x.sqrt()


def abs(x: Tensor) -> Tensor:  # noqa: A001 (PyTorch's name)
    return x.abs()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def relu(x: Tensor) -> Tensor:
    return x.relu()


def hard_sigmoid(x: Tensor) -> Tensor:
    return x.hard_sigmoid()


def softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    return x.softmax(dim, axis=axis)


def log_softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    return x.log_softmax(dim, axis=axis)


def clip(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    return x.clip(min, max)


def maximum(a: Tensor, b: Any) -> Tensor:
    return a.maximum(b) if isinstance(a, Tensor) else b.maximum(a)


def minimum(a: Tensor, b: Any) -> Tensor:
    return a.minimum(b) if isinstance(a, Tensor) else b.minimum(a)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if cond else b``; ``a`` and ``b`` may be tensors or Python numbers."""
    try:
        c = cond if isinstance(cond, Tensor) else Tensor(cond)
    except TinygradRNNError as e:
        raise type(e)(f"where: condition: {e}") from None
    if c.dtype.kind != "b":
        raise DtypeError(f"where: the condition must be boolean, got dtype {c.dtype}")
    ref = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if ref is None:
        raise DtypeError("where: at least one of the two value operands must be a Tensor")
    backend.check_same_device("where", ref.data, c.data)
    # the same operand rules as arithmetic: arrays become constants, float dtypes must match
    if isinstance(a, Tensor):
        a, b = _operands("where", a, b)
    else:
        b, a = _operands("where", b, a)
    return Where.apply(c, a, b)

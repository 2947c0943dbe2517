"""Function forms of the tensor methods, PyTorch style: ``tg.tanh(x)`` is ``x.tanh()``."""
from __future__ import annotations

from typing import Any

from . import backend
from .errors import ArgumentTypeError, DtypeError, TinygradRNNError
from .ops.arithmetic import Where
from .ops.shape import cat, chunk, split, stack
from .tensor import Tensor, _operands, check_tensor, refuse_torch_tensor

__all__ = ["exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "hard_sigmoid", "softmax",
           "log_softmax", "maximum", "minimum", "where", "clip", "cat", "stack", "split", "chunk"]


def exp(x: Tensor) -> Tensor:
    return check_tensor("exp", "the input", x).exp()


def log(x: Tensor) -> Tensor:
    return check_tensor("log", "the input", x).log()


def sqrt(x: Tensor) -> Tensor:
    return check_tensor("sqrt", "the input", x).sqrt()


def abs(x: Tensor) -> Tensor:  # noqa: A001 (PyTorch's name)
    return check_tensor("abs", "the input", x).abs()


def tanh(x: Tensor) -> Tensor:
    return check_tensor("tanh", "the input", x).tanh()


def sigmoid(x: Tensor) -> Tensor:
    return check_tensor("sigmoid", "the input", x).sigmoid()


def relu(x: Tensor) -> Tensor:
    return check_tensor("relu", "the input", x).relu()


def hard_sigmoid(x: Tensor) -> Tensor:
    return check_tensor("hard_sigmoid", "the input", x).hard_sigmoid()


def softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    return check_tensor("softmax", "the input", x).softmax(dim, axis=axis)


def log_softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    return check_tensor("log_softmax", "the input", x).log_softmax(dim, axis=axis)


def clip(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    return check_tensor("clip", "the input", x).clip(min, max)


def maximum(a: Tensor, b: Any) -> Tensor:
    a, b = _pair("maximum", a, b)
    return a.maximum(b)


def minimum(a: Tensor, b: Any) -> Tensor:
    a, b = _pair("minimum", a, b)
    return a.minimum(b)


def _pair(op: str, a: Any, b: Any) -> tuple[Tensor, Any]:
    """The operands of a symmetric binary op with a Tensor first (the other may be a number
    or an array); a torch.Tensor on either side is refused."""
    for v in (a, b):
        refuse_torch_tensor(op, "an operand", v)
    if isinstance(a, Tensor):
        return a, b
    if isinstance(b, Tensor):
        return b, a
    raise ArgumentTypeError(f"{op}: at least one operand must be a Tensor, got {type(a).__name__} "
                            f"and {type(b).__name__}")


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if cond else b``; ``a`` and ``b`` may be tensors or Python numbers."""
    for what, v in (("the condition", cond), ("a", a), ("b", b)):
        if not isinstance(v, (Tensor, float, int)):   # the time loop calls where every step: cheap first
            refuse_torch_tensor("where", what, v)
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

"""How an op reads in a drawing: as the math it computes, not as a function call.

``1.0 - z`` records a ``sub`` op whose first argument is the constant 1; drawn as
``sub(1)`` it reads backwards. Here it reads ``1 − z``: the tensor arguments by their name
(``·`` when they have none) and the constants where they stand. Slices read as indexing
(``[:, 0:3]``), a 2-D transpose as ``·ᵀ``, the sigmoid as ``σ``.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import backend

_INFIX = {"add": "+", "sub": "−", "mul": "⊙", "div": "÷", "matmul": "@", "pow": "^",
          "maximum": "max", "minimum": "min"}
_PREFIX = {"neg": "−", "sigmoid": "σ"}
_SHORT = 8    # a tensor name longer than this reads as "·" (labels stay small)


def short_param_name(name: str) -> str:
    """A parameter's name as a stub reads it: ``weight_hh`` -> ``W_hh``, ``weight`` -> ``W``,
    ``bias_ih`` -> ``b_ih``. The module it belongs to stays in front, one level of it, so that
    two layers' weights differ: ``l1.weight`` -> ``l1.W``, ``rnn.cell.bias_hh`` -> ``cell.b_hh``."""
    parts = name.split(".")
    last = parts[-1]
    for long, short in (("weight", "W"), ("bias", "b")):
        if last == long or last.startswith(long + "_"):
            last = short + last[len(long):]
            break
    return f"{parts[-2]}.{last}" if len(parts) > 1 else last


def _number(x: Any) -> str:
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def _slice_text(s: Any) -> str:
    if isinstance(s, slice):
        start = "" if s.start is None else str(s.start)
        stop = "" if s.stop is None else str(s.stop)
        step = "" if s.step is None else f":{s.step}"
        return f"{start}:{stop}{step}"
    if s is Ellipsis:
        return "..."
    if s is None:
        return "None"
    if backend.is_array(s):
        return f"array{tuple(s.shape)}"
    return _number(s)


def index_text(index: Any) -> str:
    """``(slice(None), slice(0, 3))`` -> ``[:, 0:3]``."""
    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(_slice_text(i) for i in items) + "]"


def arg_text(arg: Any, name: str | None = None) -> str:
    """One argument as it reads: a tensor by its (short) name or ``·``, a number as itself."""
    from ..tensor import Tensor
    if isinstance(arg, Tensor):
        return name if name and len(name) <= _SHORT else "·"
    if isinstance(arg, (bool, int, float)):
        return _number(arg)
    if backend.is_array(arg):
        return f"array{tuple(arg.shape)}"
    text = repr(arg)
    return text if len(text) <= 12 else text[:9] + "..."


def op_label(name: str, parents: Sequence[Any], out_shape: tuple[int, ...] | None = None,
             names: Sequence[str | None] | None = None) -> str:
    """The label of one op node.

    ``parents`` are the op's arguments in call order (tensors and constants), ``names`` the
    drawn name of each (None for constants or unnamed tensors). Two-argument arithmetic
    reads infix: ``1 − z``, ``f ⊙ c_1``, ``· + 1``; with two unnamed tensors only the symbol
    is left (``+``). Indexing reads ``[:, 0:3]``, a 2-D transpose ``·ᵀ``, others
    ``name(constants)``.
    """
    from ..tensor import Tensor
    names = list(names) if names is not None else [None] * len(parents)
    args = [arg_text(p, n) for p, n in zip(parents, names)]
    tensors = [p for p in parents if isinstance(p, Tensor)]
    if name in _INFIX and len(parents) == 2:
        sym = _INFIX[name]
        if sym in ("max", "min"):
            return f"{sym}({args[0]}, {args[1]})"
        if len(tensors) == 2 and args == ["·", "·"]:
            return sym
        return f"{args[0]} {sym} {args[1]}"
    if name in _PREFIX and len(parents) == 1:
        sym, inner = _PREFIX[name], args[0]
        if inner == "·":
            return sym if name == "sigmoid" else f"{sym}·"
        return f"{sym}({inner})"
    if name == "index" and len(parents) == 2:
        return (args[0] if args[0] != "·" else "") + index_text(parents[1])
    if name == "permute" and len(tensors) == 1 and out_shape is not None:
        shape = tuple(tensors[0].shape)
        if len(shape) == 2 and tuple(out_shape) == shape[::-1]:
            return f"{args[0]}ᵀ"
        return "permute"
    consts = [a for p, a in zip(parents, args) if not isinstance(p, Tensor)]
    return f"{name}({', '.join(consts)})" if consts else name

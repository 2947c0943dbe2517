"""The one place recurrent cells and layers check what they are given.

Every cell call and every layer call checks its input and its state with the same three
functions, so the same mistake gets the same message wherever it is made:

* :func:`check_tensor` — is it a Tensor at all (a PyTorch tensor gets a conversion hint);
* :func:`check_input` — the input's rank, feature count, dtype and device;
* :func:`check_state` — a state given as one Tensor or a tuple: how many parts, each part's
  shape, dtype and device.

Messages read ``"{who}: {what} must be {expected}, got {actual}"``; a dtype or device that
differs from the parameters' names both. Nothing is converted silently: a float64 state for
float32 weights is an error on the fused path exactly as on the step-by-step path.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import ArgumentTypeError
from ..errors import DeviceMismatchError, DtypeError, ShapeError
from ..tensor import Tensor
from ..tensor import _is_torch_tensor as is_torch_tensor   # torch is never imported for it
# is it a Tensor at all (a PyTorch tensor gets a conversion hint): defined next to Tensor,
# so that the functional forms (tg.exp, tg.cat), which load before this package, share it
from ..tensor import check_tensor

__all__ = ["check_tensor", "check_input", "check_state", "is_torch_tensor"]


def _check_like(who: str, what: str, t: Tensor, ref: Tensor | None, owner: str) -> None:
    """``t`` has the dtype and device of ``ref`` (a parameter, or the input for a cell without
    parameters): tinygrad_rnn never converts silently."""
    if ref is None:
        return
    if t.dtype != ref.dtype:
        raise DtypeError(f"{who}: {what} is {t.dtype} but {owner} {ref.dtype}; convert one with "
                         f".astype(...) (or .double()/.float() on the module)")
    if t.device != ref.device:
        raise DeviceMismatchError(f"{who}: {what} is on {t.device} but {owner} on {ref.device}; "
                                  f"move one with .to(...)")


def check_input(who: str, x: Any, *, input_size: int, ranks: Sequence[int], expected: str,
                ref: Tensor | None, owner: str = "the parameters are", what: str = "input") -> Tensor:
    """Check a cell's or layer's input and return it.

    ``ranks``: the allowed numbers of axes, the feature axis last; ``expected``: the shapes in
    words for the message, e.g. ``"(T, B, 8), (B, T, 8) with batch_first or (T, 8)"``;
    ``ref``: a parameter whose dtype and device the input must share (None: no parameters).
    """
    check_tensor(who, what, x)
    if x.ndim not in ranks or x.shape[-1] != input_size:
        raise ShapeError(f"{who}: {what} must be {expected} (input_size is {input_size}), "
                         f"got {tuple(x.shape)}")
    _check_like(who, what, x, ref, owner)
    return x


def check_state(who: str, state: Any, *, labels: Sequence[str], shapes: Sequence[tuple[int, ...]],
                ref: Tensor | None, what: str = "state", owner: str = "the parameters are",
                why: str = "") -> tuple[Tensor, ...]:
    """Check a recurrent state and return its parts as a tuple.

    ``state`` is one Tensor (one-part states) or a tuple/list of Tensors, one per ``labels``
    entry (``("h", "c")``, or ``("h_0", "c_0")`` for a layer's ``hx``), each of shape
    ``shapes[k]`` and of ``ref``'s dtype and device. ``why`` explains the shape in the message,
    e.g. ``"(D·num_layers, batch, hidden)"``.
    """
    form = "a Tensor" if len(labels) == 1 else f"a tuple of {len(labels)} Tensors ({', '.join(labels)})"
    if not isinstance(state, (Tensor, tuple, list)):
        raise ArgumentTypeError(f"{who}: {what} must be {form}, got {describe_state(state)}")
    parts = (state,) if isinstance(state, Tensor) else tuple(state)
    if len(parts) != len(labels):
        raise ShapeError(f"{who}: {what} must be {form}, got {describe_state(state)}")
    for label, p, shape in zip(labels, parts, shapes):
        check_tensor(who, label, p)
        if tuple(p.shape) != tuple(shape):
            raise ShapeError(f"{who}: {label} must be {tuple(shape)}{' ' + why if why else ''}, "
                             f"got {tuple(p.shape)}")
        _check_like(who, label, p, ref, owner)
    return parts


def describe_state(state: Any) -> str:
    """A state in words for an error message: ``one Tensor of shape (2, 5)``, ``((2, 5), list)``."""
    if isinstance(state, Tensor):
        return f"one Tensor of shape {tuple(state.shape)}"
    if isinstance(state, (tuple, list)):
        return "(" + ", ".join(f"{tuple(p.shape)}" if isinstance(p, Tensor) else type(p).__name__
                               for p in state) + ")"
    if is_torch_tensor(state):
        return "torch.Tensor (convert it with tg.tensor(t))"
    return type(state).__name__

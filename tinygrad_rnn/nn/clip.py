"""Gradient clipping: keep one exploding step from throwing a recurrent net far away.

Call between ``loss.backward()`` and ``opt.step()``. Both functions replace each ``.grad``
with a new tensor instead of scaling its array in place, because another tensor may share
that array.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from ..arguments import describe, real
from ..errors import ArgumentTypeError, StateError
from .. import backend
from ..errors import TinygradRNNError
from ..tensor import Tensor, refuse_torch_tensor


def _with_grads(params: Tensor | Iterable[Tensor], op: str) -> list[Tensor]:
    """The tensors among ``params`` (one Tensor or an iterable of them) that have a gradient."""
    if isinstance(params, Tensor):
        return [params] if params.grad is not None else []
    refuse_torch_tensor(op, "params", params)   # iterable too: its rows would be refused one by one
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        raise ArgumentTypeError(f"{op}: params must be a Tensor or an iterable of Tensors "
                                f"(e.g. model.parameters()), got {describe(params)}")
    params = list(params)
    for p in params:
        refuse_torch_tensor(op, "each of params", p)
        if not isinstance(p, Tensor):
            raise ArgumentTypeError(f"{op}: params must hold Tensors, got {describe(p)}")
    return [p for p in params if p.grad is not None]


def clip_grad_norm(params: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False) -> float:
    """Scale all gradients together so their joint norm is at most ``max_norm``.

    PyTorch's ``clip_grad_norm_`` formula (Pascanu et al. 2013)::

        total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ          over parameters that have a gradient
        coef  = max_norm / (total + 1e-6)
        gᵢ ← gᵢ · coef                        only when coef < 1

    The 1e-6 keeps the division finite when every gradient is 0; it also means a clipped
    gradient ends up a hair *below* max_norm. ``norm_type`` may be ``float("inf")`` (the
    largest |g|). Returns the total norm *before* clipping, as a Python float — worth
    logging: spikes in it are the exploding gradients.
    """
    max_norm = real(max_norm, "max_norm", "clip_grad_norm", low=0.0, allow_inf=True)
    p = real(norm_type, "norm_type", "clip_grad_norm", low=0.0, low_open=True, allow_inf=True)
    grads = _with_grads(params, "clip_grad_norm")
    if not grads:
        return 0.0
    if p == math.inf:
        norms = [float(backend.xp_of(t.grad.data).abs(t.grad.data).max()) if t.grad.size else 0.0
                 for t in grads]
        total = max(norms)
    else:
        norms = [float((backend.xp_of(t.grad.data).abs(t.grad.data) ** p).sum()) ** (1.0 / p) for t in grads]
        total = sum(n ** p for n in norms) ** (1.0 / p)
    if error_if_nonfinite and not math.isfinite(total):
        raise StateError(f"clip_grad_norm: the total {p}-norm of the gradients is {total}; "
                               f"pass error_if_nonfinite=False to clip anyway")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for t in grads:
            t.grad = Tensor._make(t.grad.data * coef, False, None)
    return total


def clip_grad_value(params: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` (PyTorch's ``clip_grad_value_``)."""
    v = real(clip_value, "clip_value", "clip_grad_value", low=0.0, allow_inf=True)
    for t in _with_grads(params, "clip_grad_value"):
        t.grad = Tensor._make(backend.xp_of(t.grad.data).clip(t.grad.data, -v, v), False, None)


# PyTorch spells the in-place versions with a trailing underscore; accept both.
clip_grad_norm_ = clip_grad_norm
clip_grad_value_ = clip_grad_value

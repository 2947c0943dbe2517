"""Adagrad (Duchi, Hazan & Singer 2011) with PyTorch's learning-rate decay and weight decay."""
from __future__ import annotations

from typing import Any, Iterable

from ..tensor import Tensor
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Divide each coordinate's step by the root of the sum of all its past squared gradients.

    Exactly PyTorch's ``torch.optim.Adagrad`` rule (t counts this parameter's steps from 1)::

        g ← ∇θ + weight_decay·θ
        lr_t ← lr / (1 + (t − 1)·lr_decay)
        S ← S + g²                          (S starts at initial_accumulator_value)
        θ ← θ − lr_t · g / (√S + eps)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            self._check_number(group, key, low=0.0)

    def _update(self, xp: Any, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        if not state:
            state.update(step=0, sum=xp.full_like(p, group["initial_accumulator_value"]))
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"]
        s += g * g
        return p - clr * (g / (xp.sqrt(s) + group["eps"]))

"""Adam (Kingma & Ba 2015) with PyTorch's weight decay and AMSGrad options."""
from __future__ import annotations

import math
from typing import Any, Iterable

from ..arguments import describe, real
from ..errors import ArgumentTypeError
from ..tensor import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    """Per-parameter step sizes from running averages of the gradient and its square.

    Exactly PyTorch's ``torch.optim.Adam`` rule (t counts this parameter's steps from 1)::

        g ← ∇θ + weight_decay·θ                    (L2 penalty, not AdamW's decoupled decay)
        m ← β₁·m + (1 − β₁)·g                      first moment
        v ← β₂·v + (1 − β₂)·g²                     second moment
        v̂ ← max(v̂, v)   if amsgrad, else v̂ = v
        θ ← θ − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + eps)

    The two bias corrections undo the pull towards 0 of averages that start at 0.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        betas = group["betas"]
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise ArgumentTypeError(f"{type(self).__name__}: betas must be a pair of numbers in [0, 1), "
                                    f"got {describe(betas)}")
        for i, beta in enumerate(betas):
            real(beta, f"betas[{i}]", type(self).__name__, low=0.0, high=1.0, high_open=True)
        self._check_number(group, "eps", low=0.0)
        self._check_number(group, "weight_decay", low=0.0)

    def _update(self, xp: Any, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(p), exp_avg_sq=xp.zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # in place: these buffers belong to the optimizer alone
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * (g * g)
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        step_size = group["lr"] / (1 - beta1 ** t)
        denom = xp.sqrt(v) / math.sqrt(1 - beta2 ** t) + group["eps"]
        return p - step_size * (m / denom)

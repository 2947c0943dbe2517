"""RMSprop (Hinton's lecture 6e) with PyTorch's centered, momentum and weight-decay options."""
from __future__ import annotations

from typing import Any, Iterable

from ..tensor import Tensor
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients.

    Exactly PyTorch's ``torch.optim.RMSprop`` rule::

        g ← ∇θ + weight_decay·θ
        s ← α·s + (1 − α)·g²                        mean square
        ḡ ← α·ḡ + (1 − α)·g                         mean (centered only)
        r ← √(s − ḡ²) + eps  if centered  else  √s + eps
        b ← momentum·b + g/r;  θ ← θ − lr·b        (momentum > 0)
        θ ← θ − lr·g/r                              (momentum = 0)

    Centering divides by an estimate of the gradient's standard deviation instead of its
    root mean square. Note eps is added *outside* the square root, as in PyTorch (Keras and
    TF add it inside, so their numbers differ slightly).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        # alpha is a decay factor: above 1 the running average of g² can turn negative (√ of it: NaN)
        self._check_number(group, "alpha", low=0.0, high=1.0)
        for key in ("eps", "weight_decay", "momentum"):
            self._check_number(group, key, low=0.0)

    def _update(self, xp: Any, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        alpha = group["alpha"]
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(p))
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p)
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        s = state["square_avg"]
        s *= alpha
        s += (1 - alpha) * (g * g)
        if group["centered"]:
            ga = state["grad_avg"]
            ga *= alpha
            ga += (1 - alpha) * g
            avg = xp.sqrt(s - ga * ga) + group["eps"]
        else:
            avg = xp.sqrt(s) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            return p - group["lr"] * buf
        return p - group["lr"] * (g / avg)

"""Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from typing import Any, Iterable

from ..errors import ArgumentError
from ..tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    """θ ← θ − lr·d, where d is the gradient, optionally smoothed by momentum.

    Exactly PyTorch's ``torch.optim.SGD`` rule::

        g ← ∇θ + weight_decay·θ
        b ← g                                   on the first step (momentum > 0)
        b ← momentum·b + (1 − dampening)·g      afterwards
        d ← g + momentum·b   if nesterov  else  b        (d = g when momentum = 0)
        θ ← θ − lr·d
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("momentum", "weight_decay"):
            self._check_number(group, key, low=0.0)
        self._check_number(group, "dampening")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ArgumentError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self, xp: Any, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g.copy()          # a copy: the buffer is updated in place later
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + momentum * buf if group["nesterov"] else buf
        return p - group["lr"] * g

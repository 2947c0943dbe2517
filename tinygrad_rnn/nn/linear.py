"""A fully connected layer: y = x Wᵀ + b."""
from __future__ import annotations

import math
from typing import Any

from ..arguments import flag, positive_int
from ..errors import ShapeError
from ..tensor import Tensor
from .checks import check_tensor
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x Wᵀ + b, applied to the last axis.

    x: (..., in_features) -> y: (..., out_features). ``weight`` is (out_features, in_features)
    and ``bias`` (out_features,), both U(−1/√in, 1/√in) at the start, as in PyTorch.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: str | None = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = out_features = positive_int(out_features, "out_features", "Linear")
        bias = flag(bias, "bias", "Linear")
        k = 1.0 / math.sqrt(in_features)
        draw = lambda shape: init.uniform(shape, -k, k)  # noqa: E731
        self.weight = Parameter(init.initial_value(draw, (out_features, in_features), 1, dtype, device))
        self.bias = Parameter(init.initial_value(draw, (out_features,), 1, dtype, device)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            check_tensor("Linear", "input", x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(f"Linear({self.in_features}, {self.out_features}): input of shape {tuple(x.shape)} "
                             f"must end in {self.in_features} features")
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

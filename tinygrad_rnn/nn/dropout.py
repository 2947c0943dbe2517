"""Inverted dropout: zero a random fraction p of the inputs while training."""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from .module import Module


class Dropout(Module):
    """Each element is kept with probability 1 − p and then scaled by 1/(1 − p), so the
    expected value is unchanged and evaluation needs no rescaling ("inverted" dropout).

    In ``eval()`` mode (or with p = 0) it returns its input unchanged. The mask is drawn
    from :func:`tinygrad_rnn.backend.rng` on the host, so ``tg.manual_seed`` makes it
    reproducible on CPU and GPU alike. Shape: any -> the same.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        keep = backend.rng().random(x.shape) >= self.p
        mask = backend.to_device((keep / (1.0 - self.p)).astype(x.dtype), x.device)
        return x * mask

    def extra_repr(self) -> str:
        return f"p={self.p}"

"""Inverted dropout: zero a random fraction p of the inputs while training.

:func:`dropout_mask` is the one mask helper: the ``Dropout`` module, the dropout between
stacked recurrent layers and Keras-style input/recurrent dropout all draw their masks here.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..arguments import probability
from .. import backend
from ..tensor import Tensor
from .module import Module


def dropout_mask(shape: Sequence[int], p: float, like: Tensor) -> Tensor:
    """An inverted-dropout mask of ``shape``: 0 with probability ``p``, else 1/(1−p); dtype and
    device of ``like``. Drawn from the seeded generator on the host, so CPU and GPU agree."""
    keep = backend.rng().random(tuple(shape)) >= p
    scale = 0.0 if p >= 1.0 else 1.0 / (1.0 - p)   # p = 1 drops everything (PyTorch gives zeros)
    arr = keep.astype(like.dtype) * np.asarray(scale, dtype=like.dtype)
    return Tensor(backend.to_device(arr, like.device))


class Dropout(Module):
    """Each element is kept with probability 1 − p and then scaled by 1/(1 − p), so the
    expected value is unchanged and evaluation needs no rescaling ("inverted" dropout).

    In ``eval()`` mode (or with p = 0) it returns its input unchanged. The mask is drawn
    from :func:`tinygrad_rnn.backend.rng` on the host, so ``tg.manual_seed`` makes it
    reproducible on CPU and GPU alike. Shape: any -> the same.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = probability(p, "p", "Dropout")

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        return x * dropout_mask(x.shape, self.p, x)

    def extra_repr(self) -> str:
        return f"p={self.p}"

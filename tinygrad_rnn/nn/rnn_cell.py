"""The Elman recurrent cell: one matrix for the input, one for the previous state."""
from __future__ import annotations

from functools import partial
from typing import Any

from ..errors import ArgumentError
from ..tensor import Tensor
from . import activations
from .cell_base import RNNCellBase
from .init import InitSpec


class RNNCell(RNNCellBase):
    """h' = act(W_ih·x + b_ih + W_hh·h + b_hh),   act = tanh (default) or relu.

    Shapes: x (B, I), h (B, H) -> h' (B, H); a 1-D x (I,) with h (H,) gives (H,).

    Parameters, as PyTorch's ``nn.RNNCell`` (its state_dict loads unchanged):
    ``weight_ih`` (H, I), ``weight_hh`` (H, H), ``bias_ih`` (H,), ``bias_hh`` (H,). The two
    biases are redundant (only their sum matters); PyTorch keeps both for cuDNN, so do we.
    All start as U(−1/√H, 1/√H) unless ``kernel_initializer`` (for ``weight_ih``),
    ``recurrent_initializer`` (``weight_hh``) or ``bias_initializer`` say otherwise (see
    :mod:`tinygrad_rnn.nn.init`: ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``, ...).
    """

    state_names = ("h",)

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", *,
                 kernel_initializer: InitSpec = None, recurrent_initializer: InitSpec = None,
                 bias_initializer: InitSpec = None, device: str | None = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size)
        param = partial(self.new_parameter, dtype=dtype, device=device)
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.act = activations.get(nonlinearity)
        H = hidden_size
        self.weight_ih = param((H, input_size), kernel_initializer, what="weight_ih")
        self.weight_hh = param((H, H), recurrent_initializer, what="weight_hh")
        self.bias_ih = param((H,), bias_initializer, what="bias_ih") if bias else None
        self.bias_hh = param((H,), bias_initializer, what="bias_hh") if bias else None

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        # a_t = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh
        a = x @ self.weight_ih.T + h @ self.weight_hh.T
        if self.bias_ih is not None:
            a = a + (self.bias_ih + self.bias_hh)   # (H,) + (H,) first: one broadcast add, not two
        # h_t = act(a_t)
        h_new = self.act(a)
        h_new.name = "h"
        return h_new

    def fused_unsupported(self) -> str | None:
        if type(self).forward is not RNNCell.forward:
            return f"{type(self).__name__} overrides forward"
        return None

    def fused_sequence(self, seq: Tensor, parts: tuple[Tensor, ...], mask: Any = None,
                       reverse: bool = False) -> Tensor | None:
        """The whole sequence as one :class:`~tinygrad_rnn.fused.RNNSequence` op: (T + 1, B, H)."""
        if self.fused_unsupported():
            return None
        from ..fused import RNNSequence
        biases = () if self.bias_ih is None else (self.bias_ih, self.bias_hh)
        return RNNSequence.apply(seq, parts[0], self.weight_ih, self.weight_hh, *biases, mask=mask,
                                 reverse=reverse, nonlinearity=self.nonlinearity)

    def extra_repr(self) -> str:
        extra = "" if self.bias_ih is not None else ", bias=False"
        extra += "" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}"
        return f"{self.input_size}, {self.hidden_size}{extra}"

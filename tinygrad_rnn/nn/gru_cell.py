"""The gated recurrent unit (Cho et al. 2014), in its two published forms."""
from __future__ import annotations

from functools import partial
from typing import Any

from ..tensor import Tensor
from . import activations
from .activations import ActivationSpec
from .cell_base import RNNCellBase
from .init import InitSpec


class GRUCell(RNNCellBase):
    """One GRU step: ``h' = cell(x, h)``. Default = PyTorch's ``nn.GRUCell``::

        [i_r | i_z | i_n] = W_ih·x + b_ih          (blocks of H, order r, z, n)
        [h_r | h_z | h_n] = W_hh·h + b_hh
        r  = σ(i_r + h_r)                          reset gate
        z  = σ(i_z + h_z)                          update gate: the weight on the *old* state
        n  = tanh(i_n + r ⊙ h_n)                   candidate
        h' = (1 − z) ⊙ n + z ⊙ h

    Shapes: x (B, I), h (B, H) -> h' (B, H); a 1-D x (I,) with h (H,) gives (H,).

    ``reset_after`` chooses where the reset gate acts:

    * ``True`` (default) — PyTorch, cuDNN, Keras ≥ TF 2 (``reset_after=True``): r scales
      the recurrent product *after* the matmul, r ⊙ (W_hn·h + b_hn). Because b_hn sits
      inside that product, ``bias_ih`` and ``bias_hh`` (3H each) are not interchangeable.
    * ``False`` — Cho et al. 2014, TF1's ``GRUCell``, Keras 2 (``reset_after=False``): r
      scales h *before* the matmul, and only the input bias exists::

          n = tanh(W_in·x + b_in + W_hn·(r ⊙ h))

      so the parameters are ``weight_ih`` (3H, I), ``weight_hh`` (3H, H), ``bias_ih`` (3H,).

    Parameters are laid out as PyTorch's (``weight_ih`` (3H, I), ``weight_hh`` (3H, H),
    ``bias_ih``, ``bias_hh`` (3H,)), so its ``GRUCell`` state_dict loads unchanged. Keras
    orders the blocks z, r, h instead: swap the first two blocks and transpose when porting.
    All start as U(−1/√H, 1/√H) unless ``kernel_initializer`` / ``recurrent_initializer`` /
    ``bias_initializer`` say otherwise. ``activation`` (tanh) squashes the candidate and
    ``recurrent_activation`` (σ) the gates, by name or callable, as in
    :class:`~tinygrad_rnn.nn.LSTMCell`.
    """

    state_names = ("h",)

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *, reset_after: bool = True,
                 activation: ActivationSpec = "tanh", recurrent_activation: ActivationSpec = "sigmoid",
                 kernel_initializer: InitSpec = None, recurrent_initializer: InitSpec = None,
                 bias_initializer: InitSpec = None, device: str | None = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size)
        param = partial(self.new_parameter, dtype=dtype, device=device)
        H = hidden_size
        self.reset_after = reset_after
        self.activation = activations.get(activation, "activation")
        self.recurrent_activation = activations.get(recurrent_activation, "recurrent_activation")
        self.weight_ih = param((3 * H, input_size), kernel_initializer, what="weight_ih")
        self.weight_hh = param((3 * H, H), recurrent_initializer, what="weight_hh")
        self.bias_ih = param((3 * H,), bias_initializer, what="bias_ih") if bias else None
        # the 'before' variant has no recurrent bias: r ⊙ h enters the matmul directly
        self.bias_hh = (param((3 * H,), bias_initializer, what="bias_hh")
                        if bias and reset_after else None)

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        sigmoid, tanh = self.recurrent_activation, self.activation
        H = self.hidden_size
        # [i_r | i_z | i_n] = W_ih·x + b_ih
        gi = x @ self.weight_ih.T
        if self.bias_ih is not None:
            gi = gi + self.bias_ih
        i_r, i_z, i_n = gi.chunk(3, dim=1)
        if self.reset_after:
            # [h_r | h_z | h_n] = W_hh·h + b_hh
            gh = h @ self.weight_hh.T
            if self.bias_hh is not None:
                gh = gh + self.bias_hh
            h_r, h_z, h_n = gh.chunk(3, dim=1)
        else:
            # [h_r | h_z] = [W_hr | W_hz]·h;  W_hn waits for r
            w_hrz, w_hn = self.weight_hh.split([2 * H, H], dim=0)
            h_r, h_z = (h @ w_hrz.T).chunk(2, dim=1)
        # r_t = σ(i_r + h_r)
        r = sigmoid(i_r + h_r)
        r.name = "r"
        # z_t = σ(i_z + h_z)
        z = sigmoid(i_z + h_z)
        z.name = "z"
        if self.reset_after:
            # n_t = tanh(i_n + r_t ⊙ (W_hn·h + b_hn))
            n = tanh(i_n + r * h_n)
        else:
            # n_t = tanh(i_n + W_hn·(r_t ⊙ h))
            n = tanh(i_n + (r * h) @ w_hn.T)
        n.name = "n"
        # h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
        h_new = (1.0 - z) * n + z * h
        h_new.name = "h"
        return h_new

    def fused_unsupported(self) -> str | None:
        if type(self).forward is not GRUCell.forward:
            return f"{type(self).__name__} overrides forward"
        if not self.reset_after:
            return "reset_after=False is not fused"
        if not (self.activation is activations.get("tanh")
                and self.recurrent_activation is activations.get("sigmoid")):
            return "only tanh/sigmoid activations are fused"
        return None

    def fused_sequence(self, seq: Tensor, parts: tuple[Tensor, ...], mask: Any = None,
                       reverse: bool = False) -> Tensor | None:
        """The whole sequence as one :class:`~tinygrad_rnn.fused.GRUSequence` op: (T + 1, B, H)."""
        if self.fused_unsupported():
            return None
        from ..fused import GRUSequence
        biases = () if self.bias_ih is None else (self.bias_ih, self.bias_hh)
        return GRUSequence.apply(seq, parts[0], self.weight_ih, self.weight_hh, *biases, mask=mask,
                                 reverse=reverse)

    def extra_repr(self) -> str:
        parts = [str(self.input_size), str(self.hidden_size)]
        if self.bias_ih is None:
            parts.append("bias=False")
        if not self.reset_after:
            parts.append("reset_after=False")
        return ", ".join(parts)

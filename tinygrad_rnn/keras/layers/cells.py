"""Keras' three recurrent cells, in Keras' weight layout, on tinygrad_rnn's cell contract.

Each cell is an :class:`~tinygrad_rnn.nn.RNNCellBase` (so the package's time loop, drawings
and gradient checks run it) whose parameters are Keras' own::

    kernel            (I, G·H)   x_t @ kernel
    recurrent_kernel  (H, G·H)   h_{t−1} @ recurrent_kernel
    bias              (G·H,)     one vector (GRU with reset_after=True: (2, G·H), input row
                                 then recurrent row)

Gate order (blocks of H columns): LSTM i, f, c, o (PyTorch's i, f, g, o); GRU z, r, h
(PyTorch's r, z, n swapped); SimpleRNN one block. Shapes: x (B, I), h and c (B, H).

Dropout as Keras draws it (Gal & Ghahramani's variational dropout: one mask per call, the
same at every step). The layer hands the cell its masks for the call (:meth:`set_dropout_masks`):

* ``implementation=1`` — one input mask and one recurrent mask **per gate**: gate g sees
  x ⊙ m_g and h_{t−1} ⊙ r_g. Keras forces it whenever ``recurrent_dropout > 0``.
* ``implementation=2`` (Keras' default) — one input mask for all gates (only ``dropout``).

The recurrent masks only touch the copies of h_{t−1} that enter the matmuls: a GRU's
z ⊙ h_{t−1} and the carried state use the unmasked h_{t−1}, as in tf_keras and Keras 3.
"""
from __future__ import annotations

from typing import Any, Sequence

from ...errors import ArgumentError
from ... import backend
from ...nn import activations
from .. import activations as keras_activations
from ...nn.cell_base import RNNCellBase
from ...nn.state import LSTMState
from ...nn.dropout import dropout_mask
from ...ops.shape import cat
from ...tensor import Tensor

__all__ = ["KerasCell", "SimpleRNNCell", "LSTMCell", "GRUCell"]


class KerasCell(RNNCellBase):
    """The shared part: Keras-layout weights made by the owning layer, dropout masks per call."""

    num_gates = 1

    def __init__(self, input_size: int, units: int, *, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, implementation: int = 2) -> None:
        super().__init__(input_size, units)
        self.units = units
        self.activation = keras_activations.get(activation, "activation")
        self.recurrent_activation = keras_activations.get(recurrent_activation, "recurrent_activation")
        self.use_bias = use_bias
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        if implementation not in (1, 2):
            raise ArgumentError(f"{type(self).__name__}: implementation must be 1 or 2, got {implementation!r}")
        # Keras: recurrent dropout needs one mask per gate, so it forces implementation 1
        self.implementation = 1 if self.recurrent_dropout > 0 else implementation
        self._dp: list[Tensor] | None = None
        self._rec: list[Tensor] | None = None
        # kernel (I, G·H), recurrent_kernel (H, G·H), bias: made by the owning layer's build()
        self.kernel: Any = None
        self.recurrent_kernel: Any = None
        self.bias: Any = None

    # -- dropout masks for one call --
    def draw_dropout_masks(self, batch: int, like: Tensor) -> tuple[list[Tensor] | None, list[Tensor] | None]:
        """Fresh masks for one call, as Keras draws them: ``dropout`` gives G masks (B, I)
        (one when ``implementation=2``), ``recurrent_dropout`` G masks (B, H)."""
        count = self.num_gates if self.implementation == 1 else 1
        dp = rec = None
        if 0 < self.dropout < 1:
            dp = [dropout_mask((batch, self.input_size), self.dropout, like) for _ in range(count)]
        if 0 < self.recurrent_dropout < 1:
            rec = [dropout_mask((batch, self.units), self.recurrent_dropout, like) for _ in range(self.num_gates)]
        return dp, rec

    def set_dropout_masks(self, dp: Sequence[Tensor] | None, rec: Sequence[Tensor] | None) -> None:
        """Masks for the coming steps (None: no dropout); the layer clears them after the call."""
        self._dp = None if dp is None else list(dp)
        self._rec = None if rec is None else list(rec)

    def _per_gate(self, x: Tensor, h: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        """x and h as each gate sees them: one entry when no mask splits them, else G."""
        xs = [x] if self._dp is None else [x * m for m in self._dp]
        hs = [h] if self._rec is None else [h * m for m in self._rec]
        return xs, hs

    def _block(self, w: Tensor, g: int) -> Tensor:
        H = self.units
        return w[:, g * H:(g + 1) * H]

    # -- the fused whole-sequence op (tinygrad_rnn.fused), in PyTorch's layout --
    def fused_unsupported(self) -> str | None:
        """Why this cell must run step by step now (None: it can run as one fused op)."""
        if self._dp is not None or self._rec is not None:
            return "dropout masks are applied per gate, step by step"
        if not (self.activation is activations.get("tanh")
                and self.recurrent_activation is activations.get("sigmoid")):
            return "only tanh/sigmoid activations are fused"
        return None

    def fused_sequence(self, seq: Tensor, parts: tuple[Tensor, ...], mask: Any = None,
                       reverse: bool = False) -> Tensor | None:
        if self.fused_unsupported() is not None:
            return None
        w_ih, w_hh, b_ih, b_hh = self._torch_layout()
        return self._fused_op(seq, parts, w_ih, w_hh, b_ih, b_hh, mask, reverse)

    def _torch_layout(self) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """(weight_ih, weight_hh, bias_ih, bias_hh) for the fused op, made from Keras' weights by
        recorded ops (so gradients reach kernel, recurrent_kernel and bias)."""
        b_hh = None
        if self.bias is not None:        # the fused op adds two biases: the second is zeros
            xp = backend.xp_of(self.bias.data)
            b_hh = Tensor(xp.zeros(self.bias.shape[-1], dtype=self.bias.dtype))
        return self.kernel.T, self.recurrent_kernel.T, self.bias, b_hh

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.units}"


class SimpleRNNCell(KerasCell):
    """h_t = activation(x_t·kernel + bias + h_{t−1}·recurrent_kernel)   (any activation)."""

    state_names = ("h",)
    num_gates = 1

    def fused_unsupported(self) -> str | None:
        if self._dp is not None or self._rec is not None:
            return "dropout masks are applied step by step"
        if activations.name_of(self.activation) not in ("tanh", "relu"):
            return "only tanh and relu are fused"
        return None

    def _fused_op(self, seq: Tensor, parts: tuple, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any,
                  mask: Any, reverse: bool) -> Tensor:
        from ...fused import RNNSequence
        biases = () if b_ih is None else (b_ih, b_hh)
        return RNNSequence.apply(seq, parts[0], w_ih, w_hh, *biases, mask=mask, reverse=reverse,
                                 nonlinearity=activations.name_of(self.activation))

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        if self._dp is not None:
            x = x * self._dp[0]
        a = x @ self.kernel
        if self.bias is not None:
            a = a + self.bias
        if self._rec is not None:
            h = h * self._rec[0]
        # h_t = act(x_t K + b + h_{t−1} R)
        h_new = self.activation(a + h @ self.recurrent_kernel)
        h_new.name = "h"
        return h_new


class LSTMCell(KerasCell):
    """Keras' LSTM step (Gers et al. 2000's forget gate; gate order i, f, c, o)::

        z = x_t·K + h_{t−1}·R + b,   [z_i | z_f | z_c | z_o]
        i = ra(z_i)   f = ra(z_f)   o = ra(z_o)        ra = recurrent_activation (σ)
        c_t = f ⊙ c_{t−1} + i ⊙ a(z_c)                 a = activation (tanh)
        h_t = o ⊙ a(c_t)

    State: :class:`~tinygrad_rnn.nn.LSTMState` ``(h, c)`` (Keras' ``[h, c]``)."""

    state_names = ("h", "c")
    num_gates = 4

    def init_state(self, batch_size: int) -> LSTMState:
        return LSTMState(*super().init_state(batch_size))

    def _fused_op(self, seq: Tensor, parts: tuple, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any,
                  mask: Any, reverse: bool) -> Tensor:
        from ...fused import LSTMSequence
        biases = () if b_ih is None else (b_ih, b_hh)      # gate order i, f, c, o = PyTorch's i, f, g, o
        return LSTMSequence.apply(seq, parts[0], parts[1], w_ih, w_hh, *biases, mask=mask, reverse=reverse)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> LSTMState:
        h, c = state
        ra, act = self.recurrent_activation, self.activation
        xs, hs = self._per_gate(x, h)
        if len(xs) == 1 and len(hs) == 1:
            # implementation 2: z = x K + h R + b, then split into the four gates
            z = xs[0] @ self.kernel + hs[0] @ self.recurrent_kernel
            if self.bias is not None:
                z = z + self.bias
            z_i, z_f, z_c, z_o = z.chunk(4, dim=1)
        else:
            # implementation 1: gate g sees its own masked x and h
            xs, hs = xs * (4 // len(xs)), hs * (4 // len(hs))
            zs = []
            for g in range(4):
                z_g = xs[g] @ self._block(self.kernel, g)
                if self.bias is not None:
                    z_g = z_g + self.bias[g * self.units:(g + 1) * self.units]
                zs.append(z_g + hs[g] @ self._block(self.recurrent_kernel, g))
            z_i, z_f, z_c, z_o = zs
        i = ra(z_i)
        i.name = "i"
        f = ra(z_f)
        f.name = "f"
        # c_t = f ⊙ c_{t−1} + i ⊙ a(z_c)
        c_new = f * c + i * act(z_c)
        c_new.name = "c"
        o = ra(z_o)
        o.name = "o"
        # h_t = o ⊙ a(c_t)
        h_new = o * act(c_new)
        h_new.name = "h"
        return LSTMState(h_new, c_new)


class GRUCell(KerasCell):
    """Keras' GRU step (gate order z, r, h)::

        z  = ra(x_t·K_z + b_z + h_{t−1}·R_z [+ b^h_z])
        r  = ra(x_t·K_r + b_r + h_{t−1}·R_r [+ b^h_r])
        hh = a(x_t·K_h + b_h + r ⊙ (h_{t−1}·R_h + b^h_h))     reset_after=True (default)
        hh = a(x_t·K_h + b_h + (r ⊙ h_{t−1})·R_h)             reset_after=False (Keras 2, TF1)
        h_t = z ⊙ h_{t−1} + (1 − z) ⊙ hh

    With ``reset_after=True`` the bias is (2, 3H): row 0 the input bias b, row 1 the
    recurrent bias b^h (PyTorch's b_ih and b_hh, blocks reordered)."""

    state_names = ("h",)
    num_gates = 3

    def __init__(self, input_size: int, units: int, *, reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(input_size, units, **kwargs)
        self.reset_after = reset_after

    def fused_unsupported(self) -> str | None:
        if not self.reset_after:
            return "reset_after=False is not fused"
        return super().fused_unsupported()

    def _torch_layout(self) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """Keras' z, r, h blocks reordered to PyTorch's r, z, n (and the (2, 3H) bias split)."""
        H = self.units

        def reorder(w: Tensor) -> Tensor:       # blocks along the last axis: z, r, h -> r, z, h
            return cat([w[..., H:2 * H], w[..., :H], w[..., 2 * H:]], -1)
        b_ih = b_hh = None
        if self.bias is not None:
            b_ih, b_hh = reorder(self.bias[0]), reorder(self.bias[1])
        return reorder(self.kernel).T, reorder(self.recurrent_kernel).T, b_ih, b_hh

    def _fused_op(self, seq: Tensor, parts: tuple, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any,
                  mask: Any, reverse: bool) -> Tensor:
        from ...fused import GRUSequence
        biases = () if b_ih is None else (b_ih, b_hh)
        return GRUSequence.apply(seq, parts[0], w_ih, w_hh, *biases, mask=mask, reverse=reverse)

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        ra, act, H = self.recurrent_activation, self.activation, self.units
        b_x = b_h = None
        if self.bias is not None:
            b_x, b_h = (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, None)
        xs, hs = self._per_gate(x, h)
        xs, hs = xs * (3 // len(xs)), hs * (3 // len(hs))
        if len(set(map(id, xs))) == 1:      # one input for all gates: one product (implementation 2)
            gx = xs[0] @ self.kernel
            if b_x is not None:
                gx = gx + b_x
            x_z, x_r, x_h = gx.chunk(3, dim=1)
        else:
            x_z, x_r, x_h = (xs[g] @ self._block(self.kernel, g) for g in range(3))
            if b_x is not None:
                x_z, x_r, x_h = (v + b_x[g * H:(g + 1) * H] for g, v in enumerate((x_z, x_r, x_h)))
        R = self.recurrent_kernel
        rec = [hs[g] @ self._block(R, g) for g in range(2)]
        if self.reset_after and b_h is not None:
            rec = [rec[g] + b_h[g * H:(g + 1) * H] for g in range(2)]
        z = ra(x_z + rec[0])
        z.name = "z"
        r = ra(x_r + rec[1])
        r.name = "r"
        if self.reset_after:
            # r scales the recurrent product (h_{t−1} R_h + b^h_h)
            rh = hs[2] @ self._block(R, 2)
            if b_h is not None:
                rh = rh + b_h[2 * H:]
            rh = r * rh
        else:
            # r scales h_{t−1} before its product (Cho et al.'s "v3")
            rh = (r * hs[2]) @ self._block(R, 2)
        hh = act(x_h + rh)
        hh.name = "hh"
        # h_t = z ⊙ h_{t−1} + (1 − z) ⊙ hh      (the unmasked h_{t−1})
        h_new = z * h + (1.0 - z) * hh
        h_new.name = "h"
        return h_new

"""The long short-term memory cell, with the variants that history and other libraries use."""
from __future__ import annotations

from functools import partial
from typing import Any

from ..arguments import finite_real, real, size
from ..errors import ArgumentError
from ..dtypes import as_dtype
from .. import backend
from ..tensor import Tensor
from . import activations
from .activations import ActivationSpec
from .cell_base import RNNCellBase
from .init import InitSpec
from .state import LSTMState


class LSTMCell(RNNCellBase):
    """One LSTM step: ``h', c' = cell(x, (h, c))``. Default = PyTorch's ``nn.LSTMCell``::

        [a_i | a_f | a_g | a_o] = W_ih·x + b_ih + W_hh·h + b_hh      (blocks of H, order i, f, g, o)
        i  = σ(a_i)                      input gate
        f  = σ(a_f)                      forget gate  (Gers et al. 2000)
        g  = tanh(a_g)                   candidate
        c' = f ⊙ c + i ⊙ g               the cell state, a gated running sum
        o  = σ(a_o)                      output gate
        h' = o ⊙ tanh(c')                (with proj_size P > 0:  h' = W_hr·(o ⊙ tanh(c')))

    Shapes: x (B, I), h (B, H) (or (B, P) with a projection), c (B, H). A 1-D x (I,) with
    1-D states runs as a batch of one, as in PyTorch.

    Parameters, as PyTorch (its ``LSTMCell`` state_dict loads and gives its numbers):
    ``weight_ih`` (4H, I), ``weight_hh`` (4H, H) — (4H, P) with a projection —, ``bias_ih``
    and ``bias_hh`` (4H,), ``weight_hr`` (P, H) when ``proj_size > 0``. All start as
    U(−1/√H, 1/√H); ``kernel_initializer`` / ``recurrent_initializer`` / ``bias_initializer``
    change ``weight_ih`` / ``weight_hh`` / both biases (see :mod:`tinygrad_rnn.nn.init`).

    Options from other libraries and papers:

    * ``forget_bias`` — TensorFlow 1's constant, added to a_f at **every** step (it is not a
      parameter; TF's ``BasicLSTMCell`` uses 1.0). Not the same as ``unit_forget_bias``.
    * ``unit_forget_bias=True`` — Keras: the forget slice of the bias *starts* at 1 (Gers et
      al. 2000's advice) and is then trained. Our bias is split in two like PyTorch's, so
      ``bias_ih[H:2H] = 1`` and ``bias_hh[H:2H] = 0``: the forget bias sums to exactly 1.
    * ``peepholes=True`` — Gers et al. 2002 / Graves 2013 / TF1 ``use_peepholes``: diagonal
      weights ``weight_ci``, ``weight_cf``, ``weight_co`` (each (H,), U(−1/√H, 1/√H)) let the
      gates see the cell state. The input and forget gates see c_{t−1}; the output gate sees
      the new c_t::

          i = σ(a_i + w_ci ⊙ c)    f = σ(a_f + w_cf ⊙ c)    o = σ(a_o + w_co ⊙ c')

    * ``forget_gate=False`` — the 1997 cell of Hochreiter & Schmidhuber, whose state is a
      pure sum: ``c' = c + i ⊙ g``. There is no forget gate, so there are no forget weights:
      G = 3 gates in the order **i, g, o**, ``weight_ih`` is (3H, I), ``weight_hh`` (3H, H),
      the biases (3H,), and no ``weight_cf``. (A PyTorch state_dict does not fit this cell;
      to emulate it in PyTorch, pin the forget gate at 1 with W_f = 0 and b_f = 50.) The 1997
      paper squashed the candidate with g(x) = 4σ(x) − 2 = 2·tanh(x/2) and the output with
      h(x) = 2σ(x) − 1 = tanh(x/2); halving the candidate's weights and biases makes this
      cell compute exactly the paper's output, with c holding half the paper's state.
    * ``activation`` — the squashing of g and of c' before the output gate (tanh; Keras'
      ``activation``). ``recurrent_activation`` — the gates' squashing (σ). Each is a name
      from :mod:`tinygrad_rnn.nn.activations` or a callable ``Tensor -> Tensor``.
      ``"hard_sigmoid"`` is Keras 2's clip(0.2x + 0.5, 0, 1), the gate activation of
      Keras ≤ 2.2 and tf.keras in TF 1.x. Keras 3 and PyTorch (``F.hardsigmoid``) define
      hard sigmoid differently, as relu6(x + 3)/6 = clip(x/6 + 0.5, 0, 1); ask for that one
      with ``"hardsigmoid"``.
    * ``proj_size=P`` — PyTorch's LSTM projection (Sak et al. 2014): h' = W_hr·(o ⊙ tanh c'),
      so h is P wide (and feeds ``weight_hh`` (4H, P)) while c stays H wide. Needs 0 < P < H.
    * ``cell_clip`` — TF1's ``LSTMCell(cell_clip=)``: c' = clip(c', −cell_clip, cell_clip)
      right after the sum, so the clipped value is carried to the next step and is what the
      output gate's peephole and tanh(c') see. ``proj_clip`` — TF1's: the projected h' is
      clipped to [−proj_clip, proj_clip] (needs ``proj_size``). The gradient passes where
      the value is inside the bounds (edges included), as in TensorFlow.

    The state is an :class:`~tinygrad_rnn.nn.LSTMState` ``(h, c)``: a tuple whose field names
    show the order. TF1's ``LSTMStateTuple`` is ``(c, h)``; a named tuple with fields ``c``
    and ``h`` is read by name, so TF1-style state objects work unchanged.
    ``cell.zero_state(batch_size, dtype)`` is TF1's name for the zero state.
    """

    state_names = ("h", "c")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, *, forget_bias: float = 0.0,
                 peepholes: bool = False, forget_gate: bool = True, activation: ActivationSpec = "tanh",
                 recurrent_activation: ActivationSpec = "sigmoid", proj_size: int = 0,
                 kernel_initializer: InitSpec = None, recurrent_initializer: InitSpec = None,
                 bias_initializer: InitSpec = None, unit_forget_bias: bool = False,
                 cell_clip: float | None = None, proj_clip: float | None = None,
                 device: str | None = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size)
        param = partial(self.new_parameter, dtype=dtype, device=device)
        H, P = hidden_size, size(proj_size, "proj_size", "LSTMCell")
        forget_bias = finite_real(forget_bias, "forget_bias", "LSTMCell")
        if not 0 <= P < H:
            raise ArgumentError(f"LSTMCell: proj_size must be in [0, hidden_size) = [0, {H}), got {P}")
        if not forget_gate and (forget_bias != 0.0 or unit_forget_bias):
            raise ArgumentError("LSTMCell: forget_bias and unit_forget_bias need a forget gate (forget_gate=True)")
        if unit_forget_bias and not bias:
            raise ArgumentError("LSTMCell: unit_forget_bias=True needs bias=True")
        for key, clip in (("cell_clip", cell_clip), ("proj_clip", proj_clip)):
            if clip is not None:      # inf is allowed: no clipping, as Keras reads it
                real(clip, key, "LSTMCell", low=0.0, low_open=True, allow_inf=True)
        if proj_clip is not None and P == 0:
            raise ArgumentError("LSTMCell: proj_clip clips the projection, so it needs proj_size > 0")
        self.cell_clip = None if cell_clip is None else float(cell_clip)
        self.proj_clip = None if proj_clip is None else float(proj_clip)
        self.proj_size = P
        self.unit_forget_bias = unit_forget_bias
        self.forget_bias = float(forget_bias)
        self.peepholes = peepholes
        self.forget_gate = forget_gate
        self.activation = activations.get(activation, "activation")
        self.recurrent_activation = activations.get(recurrent_activation, "recurrent_activation")
        self.num_gates = G = 4 if forget_gate else 3
        h_width = P if P > 0 else H

        self.weight_ih = param((G * H, input_size), kernel_initializer, what="weight_ih")
        self.weight_hh = param((G * H, h_width), recurrent_initializer, what="weight_hh")
        if bias:
            self.bias_ih = param((G * H,), bias_initializer, what="bias_ih")
            self.bias_hh = param((G * H,), bias_initializer, what="bias_hh")
        else:
            self.bias_ih = self.bias_hh = None
        self.weight_hr = param((P, H), None, what="weight_hr") if P > 0 else None
        if peepholes:
            self.weight_ci = param((H,), None, what="weight_ci")
            if forget_gate:
                self.weight_cf = param((H,), None, what="weight_cf")
            self.weight_co = param((H,), None, what="weight_co")

        self._set_unit_forget_bias()

    def _set_unit_forget_bias(self) -> None:
        if self.unit_forget_bias:     # gate order i, f, g, o: rows H..2H are the forget gate
            H = self.hidden_size
            self.bias_ih.data[H:2 * H] = 1.0
            self.bias_hh.data[H:2 * H] = 0.0

    def reset_parameters(self) -> None:
        """Draw all parameters again with the initialisers given at construction."""
        super().reset_parameters()
        self._set_unit_forget_bias()

    @property
    def output_size(self) -> int:
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def state_sizes(self) -> tuple[int, ...]:
        return (self.output_size, self.hidden_size)

    def init_state(self, batch_size: int) -> LSTMState:
        """Zeros: ``LSTMState(h (B, H_out), c (B, H))`` on the cell's device and dtype."""
        return LSTMState(*super().init_state(batch_size))

    def zero_state(self, batch_size: int, dtype: Any = None) -> LSTMState:
        """TF1's ``cell.zero_state(batch_size, dtype)``: zeros, but in **our** order
        ``LSTMState(h, c)`` (TF1's ``LSTMStateTuple`` is ``(c, h)``). ``dtype`` must be the
        cell's own (None means the cell's)."""
        state = self.init_state(batch_size)
        if dtype is not None and state.h.dtype != as_dtype(dtype):
            raise ArgumentError(f"LSTMCell.zero_state: dtype {dtype} differs from the cell's parameters "
                             f"({state.h.dtype}); convert the cell with .astype(...) first")
        return state

    def _check_state(self, state: Any, batch: int, unbatched: bool) -> Any:
        fields = getattr(state, "_fields", ())
        if "h" in fields and "c" in fields:     # read by name: TF1's (c, h) tuple works as written
            state = (state.h, state.c)
        return LSTMState(*super()._check_state(state, batch, unbatched))

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> LSTMState:
        h, c = state
        # the gates' squashing (σ by default) and the candidate's and output's (tanh by default)
        sigmoid, tanh = self.recurrent_activation, self.activation
        # [a_i | a_f | a_g | a_o] = W_ih·x + b_ih + W_hh·h + b_hh      (1997 cell: [a_i | a_g | a_o])
        a = x @ self.weight_ih.T + h @ self.weight_hh.T
        if self.bias_ih is not None:
            a = a + (self.bias_ih + self.bias_hh)   # (4H,) + (4H,) first: one broadcast add, not two
        if self.forget_gate:
            a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
        else:
            a_i, a_g, a_o = a.chunk(3, dim=1)

        # i_t = σ(a_i + w_ci ⊙ c_{t−1})          (the peephole term only with peepholes=True)
        if self.peepholes:
            a_i = a_i + self.weight_ci * c
        i = sigmoid(a_i)
        i.name = "i"
        if self.forget_gate:
            # f_t = σ(a_f + forget_bias + w_cf ⊙ c_{t−1})
            if self.forget_bias != 0.0:
                a_f = a_f + self.forget_bias
            if self.peepholes:
                a_f = a_f + self.weight_cf * c
            f = sigmoid(a_f)
            f.name = "f"
        # g_t = tanh(a_g)
        g = tanh(a_g)
        g.name = "g"
        # c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t         (1997: c_t = c_{t−1} + i_t ⊙ g_t)
        c_new = f * c + i * g if self.forget_gate else c + i * g
        if self.cell_clip is not None:
            # TF1: c_t = clip(c_t, −cell_clip, cell_clip); the clipped value is carried on
            c_new = c_new.clip(-self.cell_clip, self.cell_clip)
        c_new.name = "c"
        # o_t = σ(a_o + w_co ⊙ c_t)                (the peephole sees the *new* cell state)
        if self.peepholes:
            a_o = a_o + self.weight_co * c_new
        o = sigmoid(a_o)
        o.name = "o"
        # h_t = o_t ⊙ tanh(c_t)                    (projection: h_t = W_hr·(o_t ⊙ tanh(c_t)))
        h_new = o * tanh(c_new)
        if self.weight_hr is not None:
            h_new = h_new @ self.weight_hr.T
            if self.proj_clip is not None:
                # TF1: m_t = clip(m_t, −proj_clip, proj_clip) after the projection
                h_new = h_new.clip(-self.proj_clip, self.proj_clip)
        h_new.name = "h"
        return LSTMState(h_new, c_new)

    def fused_unsupported(self) -> str | None:
        """The fused kernel computes PyTorch's LSTM plus TensorFlow's constant ``forget_bias``;
        the other options run step by step on the cell's own ops."""
        if type(self).forward is not LSTMCell.forward:
            return f"{type(self).__name__} overrides forward"
        if self.peepholes or not self.forget_gate or self.proj_size:
            return "peepholes, forget_gate=False and proj_size are not fused"
        if getattr(self, "cell_clip", None) is not None:
            return "cell_clip is not fused"
        if self.forget_bias and self.bias_ih is None:
            return "forget_bias needs bias=True when fused"
        if not (self.activation is activations.get("tanh")
                and self.recurrent_activation is activations.get("sigmoid")):
            return "only tanh/sigmoid activations are fused"
        return None

    def fused_sequence(self, seq: Tensor, parts: tuple[Tensor, ...], mask: Any = None,
                       reverse: bool = False) -> Tensor | None:
        """The whole sequence as one :class:`~tinygrad_rnn.fused.LSTMSequence` op: (T + 2, B, H)."""
        if self.fused_unsupported():
            return None
        from ..fused import LSTMSequence
        biases: tuple = () if self.bias_ih is None else (self.bias_ih, self.bias_hh)
        if self.forget_bias and biases:
            # TF's constant on the forget pre-activation is a constant on the bias's f slice
            H = self.hidden_size
            xp = backend.xp_of(self.bias_ih.data)
            shift = xp.zeros(4 * H, dtype=self.bias_ih.dtype)
            shift[H:2 * H] = self.forget_bias
            biases = (self.bias_ih + shift, self.bias_hh)
        return LSTMSequence.apply(seq, parts[0], parts[1], self.weight_ih, self.weight_hh, *biases,
                                  mask=mask, reverse=reverse)

    def extra_repr(self) -> str:
        parts = [str(self.input_size), str(self.hidden_size)]
        if self.bias_ih is None:
            parts.append("bias=False")
        if self.proj_size:
            parts.append(f"proj_size={self.proj_size}")
        if self.forget_bias:
            parts.append(f"forget_bias={self.forget_bias}")
        if self.peepholes:
            parts.append("peepholes=True")
        if self.cell_clip is not None:
            parts.append(f"cell_clip={self.cell_clip}")
        if self.proj_clip is not None:
            parts.append(f"proj_clip={self.proj_clip}")
        if not self.forget_gate:
            parts.append("forget_gate=False")
        if activations.name_of(self.activation) != "tanh":
            parts.append(f"activation={activations.name_of(self.activation)!r}")
        if activations.name_of(self.recurrent_activation) != "sigmoid":
            parts.append(f"recurrent_activation={activations.name_of(self.recurrent_activation)!r}")
        return ", ".join(parts)

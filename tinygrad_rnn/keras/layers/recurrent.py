"""Keras' recurrent layers: ``SimpleRNN``, ``LSTM`` and ``GRU``, with Keras' signature.

Inputs are (batch, time, features) (``time_major=True``: (time, batch, features)). Weights
are built on the first call, in Keras' layout (see :mod:`.cells`), and run on the package's
time loop (:mod:`tinygrad_rnn.nn.time_loop`), one cell step per time step.

==============================  ==============================================================
call                            returns
==============================  ==============================================================
``LSTM(H)(x)``                  the last output (B, H)
``return_sequences=True``       every output (B, T, H); with ``go_backwards`` in reading order
``return_state=True``           ``[output, h, c]`` (LSTM) or ``[output, h]`` (GRU, SimpleRNN)
``layer(x, mask=m)``            m (B, T) bool, True = a real step; any pattern (left or right
                                padding, holes). A masked step keeps the state; its output
                                repeats the last real one (zeros before the first), or is zero
                                with ``zero_output_for_mask=True``
``layer(x, initial_state=s)``   ``[h0]`` / ``[h0, c0]``, each (B, H)
``layer(x, training=True)``     dropout on (default: the module's ``train()``/``eval()`` mode)
==============================  ==============================================================

``fused`` (not a Keras argument; Keras 3's ``use_cudnn`` plays its part): ``"auto"`` (default)
runs the whole sequence as one fused op (:mod:`tinygrad_rnn.fused`, the same numbers) when
the call allows it — tanh/sigmoid (SimpleRNN: tanh or relu), a GRU with ``reset_after=True``,
no dropout in this call, and no mask or ``zero_output_for_mask=True`` — and step by step on
the cell's own ops otherwise; ``False`` always records every op (to draw or explore each
step); ``True`` raises when a call cannot be fused.

``stateful=True`` carries each sample's final state into the next call (detached, the batch
size fixed) until ``reset_states()``. A call given an explicit ``initial_state`` (for example
a validation pass) runs from that state and leaves the carried state as it was.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import ArgumentError
from ...errors import ShapeError
from ...modes import name_scope
from ...nn.state import detach_state, state_parts
from ...nn.time_loop import Steps, run_stack, step_mask
from ...ops.shape import stack
from ...tensor import Tensor
from .. import initializers as initializers_mod
from .base import Layer
from .cells import GRUCell, KerasCell, LSTMCell, SimpleRNNCell

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU"]


class RNN(Layer):
    """The shared layer of ``SimpleRNN``, ``LSTM`` and ``GRU`` (Keras' ``RNN`` over a cell)."""

    cell_class: type[KerasCell] = SimpleRNNCell

    def __init__(self, units: int, *, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, time_major: bool = False, unroll: bool = False, implementation: int = 2,
                 zero_output_for_mask: bool = False, fused: bool | str = "auto", name: str | None = None,
                 dtype: Any = None, **cell_options: Any) -> None:
        super().__init__(name=name, dtype=dtype, activity_regularizer=activity_regularizer)
        kind = type(self).__name__
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ArgumentError(f"{kind}: units must be a positive int, got {units!r}")
        for key, p in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= p <= 1.0:
                raise ArgumentError(f"{kind}: {key} must be in [0, 1], got {p!r}")
        self.units = int(units)
        self.use_bias = use_bias
        self.kernel_initializer, self.recurrent_initializer = kernel_initializer, recurrent_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer, self.recurrent_regularizer = kernel_regularizer, recurrent_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint, self.recurrent_constraint = kernel_constraint, recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful, self.time_major = go_backwards, stateful, time_major
        self.unroll = unroll              # always unrolled here: a Python loop over the steps
        self.zero_output_for_mask = zero_output_for_mask
        if fused not in (True, False, "auto"):
            raise ArgumentError(f"{kind}: fused must be True, False or 'auto', got {fused!r}")
        self.fused = fused
        self._cell_options = dict(activation=activation, recurrent_activation=recurrent_activation,
                                  use_bias=use_bias, dropout=dropout, recurrent_dropout=recurrent_dropout,
                                  implementation=implementation, **cell_options)
        # checked now, not at the first call: a bad name should fail where it is written
        self.cell_class(1, 1, **self._cell_options)
        self.implementation = 1 if recurrent_dropout > 0 else implementation
        self.states: Any = None

    # -- building --
    def build(self, input_shape: tuple[int, ...]) -> None:
        if len(input_shape) != 3:
            raise ShapeError(f"{type(self).__name__}: expected input (batch, time, features), got shape {input_shape}")
        features = input_shape[-1]
        cell = self.cell_class(features, self.units, **self._cell_options)
        G, H = cell.num_gates, self.units
        self.add_weight("kernel", (features, G * H), self.kernel_initializer, self.kernel_regularizer,
                        self.kernel_constraint, owner=cell)
        self.add_weight("recurrent_kernel", (H, G * H), self.recurrent_initializer, self.recurrent_regularizer,
                        self.recurrent_constraint, owner=cell)
        if self.use_bias:
            self.add_weight("bias", self._bias_shape(G, H), self._bias_init(), self.bias_regularizer,
                            self.bias_constraint, owner=cell)
        self.cell = cell

    def _bias_shape(self, G: int, H: int) -> tuple[int, ...]:
        return (G * H,)

    def _bias_init(self) -> Any:
        return self.bias_initializer

    # -- calling --
    def forward(self, inputs: Tensor, mask: Any = None, training: bool | None = None,
                initial_state: Any = None) -> Any:
        kind = type(self).__name__
        x = inputs.permute(1, 0, 2) if self.time_major and inputs.ndim == 3 else inputs
        if x.ndim != 3 or x.shape[2] != self.cell.input_size or x.shape[1] == 0:
            raise ShapeError(f"{kind}: expected input (batch, time ≥ 1, {self.cell.input_size}), got "
                             f"{tuple(inputs.shape)}{' (time_major)' if self.time_major else ''}")
        batch, steps = x.shape[0], x.shape[1]
        cell = self.cell
        keep = step_mask(mask, steps, batch, x, kind)
        parts = self._start_parts(initial_state, batch)
        training = self.training if training is None else bool(training)
        dp, rec = cell.draw_dropout_masks(batch, x) if training else (None, None)
        cell.set_dropout_masks(dp, rec)
        # no mask, or zeros at masked steps: what the fused ops compute
        zeros_out = keep is None or self.zero_output_for_mask
        fused = bool(self.fused) and zeros_out
        if self.fused is True and (not zeros_out or cell.fused_unsupported() is not None):
            raise ArgumentError(f"{kind}: fused=True, but this call runs step by step: "
                             f"{cell.fused_unsupported() or 'masked steps repeat the last output'}; "
                             f"use fused='auto'")
        try:
            with name_scope(self.name):
                outs, finals = run_stack([cell], Steps.from_input(x, time_axis=1), [parts],
                                         go_backwards=self.go_backwards, mask=keep, fused=fused,
                                         masked_output="zeros" if zeros_out else "previous")
        finally:
            cell.set_dropout_masks(None, None)
        # Keras returns the steps in reading order: reversed when go_backwards
        seq = outs[0].in_order(reverse=self.go_backwards)
        final = finals[0]
        if self.stateful and initial_state is None:
            self.states = detach_state(tuple(final))
        output = stack(seq, 0 if self.time_major else 1) if self.return_sequences else seq[-1]
        if self.return_state:
            return [output, *final]
        return output

    def _start_parts(self, initial_state: Any, batch: int) -> tuple[Tensor, ...] | None:
        kind, cell = type(self).__name__, self.cell
        if initial_state is None:
            if self.stateful and self.states is not None:
                carried = self.states[0].shape[0]
                if carried != batch:
                    raise ShapeError(f"{kind}: stateful layer got a batch of {batch} but carries states for "
                                     f"{carried} sequences; keep the batch size fixed or call reset_states()")
                return tuple(self.states)
            return None
        parts = state_parts(initial_state) if not isinstance(initial_state, list) else tuple(initial_state)
        names = cell.state_names
        if len(parts) != len(names):
            raise ShapeError(f"{kind}: initial_state must be [{', '.join(n + '0' for n in names)}] "
                             f"({len(names)} tensor(s)), got {len(parts)}")
        out = []
        for n, p in zip(names, parts):
            p = self._as_tensor(p, f"initial state {n}")
            if tuple(p.shape) != (batch, self.units):
                raise ShapeError(f"{kind}: initial state {n} must be ({batch}, {self.units}), got {tuple(p.shape)}")
            out.append(p)
        return tuple(out)

    def reset_states(self, states: Any = None) -> None:
        """Forget the carried state (zeros at the next call), or set it to ``states``
        (``[h]`` or ``[h, c]``, each (B, units))."""
        if states is None:
            self.states = None
            return
        parts = tuple(self._as_tensor(s, "state") for s in (states if isinstance(states, (list, tuple)) else [states]))
        self.states = detach_state(parts)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The incoming mask for the next layer when every step is returned, else None."""
        return mask if self.return_sequences else None

    def extra_repr(self) -> str:
        flags = [str(self.units)]
        flags += [k for k in ("return_sequences", "return_state", "go_backwards", "stateful") if getattr(self, k)]
        flags += [f"{k}={getattr(self, k)}" for k in ("dropout", "recurrent_dropout") if getattr(self, k)]
        return ", ".join(flags)


class SimpleRNN(RNN):
    """Keras' ``SimpleRNN``: h_t = activation(x_t·kernel + bias + h_{t−1}·recurrent_kernel).

    ``SimpleRNN(units, activation='tanh', use_bias=True, kernel_initializer='glorot_uniform',
    recurrent_initializer='orthogonal', bias_initializer='zeros', ..., dropout=0.,
    recurrent_dropout=0., return_sequences=False, return_state=False, go_backwards=False,
    stateful=False, unroll=False)``; any activation (a name or a callable).
    Weights: ``kernel`` (I, H), ``recurrent_kernel`` (H, H), ``bias`` (H,).
    """

    cell_class = SimpleRNNCell

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                         return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll, **kwargs)


class LSTM(RNN):
    """Keras' ``LSTM`` (Hochreiter & Schmidhuber 1997 with Gers et al. 2000's forget gate).

    ``LSTM(units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
    kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
    bias_initializer='zeros', unit_forget_bias=True, kernel_regularizer=None,
    recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
    kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.,
    recurrent_dropout=0., return_sequences=False, return_state=False, go_backwards=False,
    stateful=False, time_major=False, unroll=False, implementation=2)`` — tf_keras' order and
    defaults (Keras ≤ 2.2 used ``recurrent_activation='hard_sigmoid'``: pass it to get
    those numbers).

    Weights: ``kernel`` (I, 4H), ``recurrent_kernel`` (H, 4H), ``bias`` (4H,), gates i, f, c, o.
    ``unit_forget_bias=True`` starts the forget slice of the bias at 1 and the other three
    slices from ``bias_initializer``, as Keras does. From PyTorch: ``kernel = weight_ih.T``,
    ``recurrent_kernel = weight_hh.T``, ``bias = bias_ih + bias_hh``.
    """

    cell_class = LSTMCell

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, time_major: bool = False,
                 unroll: bool = False, **kwargs: Any) -> None:
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                         return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, time_major=time_major, unroll=unroll, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def _bias_init(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, H = initializers_mod.get(self.bias_initializer, "bias_initializer"), self.units

        def unit_forget(shape: Any) -> np.ndarray:
            # [b_i | b_f | b_c | b_o] = [init(H) | 1 | init(2H)]: only the forget slice is set
            return np.concatenate([np.asarray(base((H,))), np.ones(H), np.asarray(base((2 * H,)))])
        return unit_forget


class GRU(RNN):
    """Keras' ``GRU`` (Cho et al. 2014), ``reset_after=True`` by default (tf_keras, Keras 3).

    ``GRU(units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
    kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
    bias_initializer='zeros', ..., dropout=0., recurrent_dropout=0., return_sequences=False,
    return_state=False, go_backwards=False, stateful=False, unroll=False, time_major=False,
    reset_after=True, implementation=2)``.

    Weights: ``kernel`` (I, 3H), ``recurrent_kernel`` (H, 3H), gates z, r, h; ``bias`` (2, 3H)
    with ``reset_after=True`` (input row, recurrent row: PyTorch's GRU exactly), (3H,) with
    ``reset_after=False`` (Keras 2's and TF1's GRU, where r multiplies h before its product).
    """

    cell_class = GRUCell

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, time_major: bool = False, reset_after: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                         return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, time_major=time_major, unroll=unroll, reset_after=reset_after, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self, G: int, H: int) -> tuple[int, ...]:
        return (2, G * H) if self.reset_after else (G * H,)

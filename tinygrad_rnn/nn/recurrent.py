"""Keras-style recurrent layers: ``Recurrent(cell)`` and ``Bidirectional(layer)``.

These follow Keras' conventions rather than PyTorch's: inputs are batch-major (B, T, F),
the layer returns the last output unless ``return_sequences=True``, and options such as
``go_backwards``, ``stateful`` and variational ``dropout``/``recurrent_dropout`` are built in.
Any :class:`~tinygrad_rnn.nn.RNNCellBase` works, including your own.

==============================  =================================  =========================
call                            returns                            shapes
==============================  =================================  =========================
``Recurrent(cell)(x)``          last output                        (B, H_out)
``return_sequences=True``       every output                       (B, T, H_out)
``return_state=True``           ``(output, h)`` / ``(output, h, c)``   h (B, H_out), c (B, H)
``Bidirectional(layer)(x)``     merged outputs                     (B, [T,] 2·H_out) for concat
==============================  =================================  =========================
"""
from __future__ import annotations

import copy
import math
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from ..errors import ShapeError
from ..modes import name_scope
from ..ops.shape import cat, stack
from ..tensor import Tensor
from .cell_base import RNNCellBase
from .checks import check_input, check_state
from .init import uniform_
from .module import Module
from .state import State, detach_state, pack_state, state_parts
from .time_loop import Steps, dropout_mask, run_stack, step_mask, zero_state

__all__ = ["Recurrent", "Bidirectional"]


class Recurrent(Module):
    """Run a cell over (batch, time, features) inputs, the way Keras' ``RNN(cell)`` does.

    Args:
        cell: any :class:`RNNCellBase` (``LSTMCell``, ``GRUCell``, your own).
        return_sequences: return every step's output (B, T, H_out) instead of the last (B, H_out).
        return_state: also return the final state parts: ``(output, h)`` or ``(output, h, c)``.
        go_backwards: read the input from t = T−1 down to 0 and return the sequence in that
            (reversed) processing order, as Keras does; the last output is the one after x_0.
        stateful: the final state of sample i becomes the initial state of sample i in the
            next call, detached from the graph, until :meth:`reset_states`. The batch size
            must stay the same between calls. A call given an explicit ``initial_state``
            (e.g. a validation pass) starts from it and leaves the carried state unchanged.
        dropout: fraction of input features dropped. One (B, I) mask per call, reused at
            every step (Gal & Ghahramani's variational dropout), training mode only.
        recurrent_dropout: fraction of ``h`` units dropped, one (B, H_out) mask per call,
            reused at every step, training mode only; the state carried to the next step is
            not masked. With the package's ``RNNCell``, ``GRUCell`` and ``LSTMCell`` (without
            peepholes, projection, TF1 options or the 1997 form) the masks are Keras': one per
            gate for h_{t−1} and one per gate for x (Keras' ``implementation=1``), and a GRU's
            ``z ⊙ h_{t−1}`` uses the unmasked h_{t−1}. Any other cell gets one (B, H_out) mask
            on h_{t−1} before it enters the cell, so every use of h_{t−1} sees the same copy.
        name: the outermost name scope of the unrolled graph (default: the cell class name
            in lower case, e.g. ``"lstmcell"``).

    Scopes recorded: ``(name, "layer0", "forward"|"backward", "t={t}")`` with t the
    original time index; ``"backward"`` when ``go_backwards``.
    """

    def __init__(self, cell: RNNCellBase, *, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, zero_output_for_mask: bool = False,
                 name: str | None = None) -> None:
        super().__init__()
        if not isinstance(cell, RNNCellBase):
            raise ArgumentTypeError(f"Recurrent: cell must be an RNNCellBase, got {type(cell).__name__}")
        for key, p in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= p < 1.0:
                raise ArgumentError(f"Recurrent: {key} must be in [0, 1), got {p!r}")
        self.cell = cell
        self.zero_output_for_mask = zero_output_for_mask
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful = go_backwards, stateful
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        self.name = name or type(cell).__name__.lower()
        self.states: State | None = None   # carried between calls when stateful

    def extra_repr(self) -> str:
        flags = [k for k in ("return_sequences", "return_state", "go_backwards", "stateful") if getattr(self, k)]
        flags += [f"{k}={getattr(self, k)}" for k in ("dropout", "recurrent_dropout") if getattr(self, k)]
        return ", ".join(flags)

    def reset_states(self, states: State | None = None) -> None:
        """Forget the carried state (back to zeros), or set it to ``states`` (detached)."""
        self.states = None if states is None else detach_state(states)

    def forward(self, x: Tensor, initial_state: State | None = None, mask: Any = None) -> Any:
        """``x``: (B, T, I). ``initial_state``: the cell's state (``h`` or ``(h, c)``, each
        (B, size)); zeros (or the carried state when stateful) if None. ``mask``: (B, T) bool,
        True = a real step, any pattern (Keras' semantics: a masked step keeps the state and
        repeats the last output, zeros before the first; zeros with ``zero_output_for_mask``)."""
        cell = self.cell
        who = f"Recurrent({type(cell).__name__})"
        I = cell.input_size
        check_input(who, x, input_size=I, ranks=(3,), ref=cell._ref(),
                    expected=f"(batch, time, {I}) with time ≥ 1", owner="the cell's parameters are")
        batch, steps = x.shape[0], x.shape[1]
        if steps == 0:
            raise ShapeError(f"{who}: input must be (batch, time, {I}) with time ≥ 1, got {tuple(x.shape)}")
        state = self._start_state(initial_state, batch, x)
        keep = step_mask(mask, steps, batch, x, who)

        in_mask = h_mask = None
        run_cell = cell
        twin = _per_gate_twin(cell) if self.training and self.recurrent_dropout > 0 else None
        if twin is not None:
            # Keras' masks: one per gate for x and for h_{t−1}, drawn once for the call
            twin.dropout, twin.recurrent_dropout, twin.implementation = self.dropout, self.recurrent_dropout, 1
            twin.set_dropout_masks(*twin.draw_dropout_masks(batch, x))
            run_cell = twin
            if state is None:
                state = zero_state(cell, batch, x)
        elif self.training and self.dropout > 0:
            in_mask = dropout_mask((batch, cell.input_size), self.dropout, x)
        if twin is None and self.training and self.recurrent_dropout > 0:
            h_index = cell.state_names.index("h") if "h" in cell.state_names else 0
            h_mask = dropout_mask((batch, cell.state_sizes()[h_index]), self.recurrent_dropout, x)

        def step_input(t: int) -> Tensor:
            x_t = x[:, t]
            x_t.name = f"x_{t}"
            return x_t if in_mask is None else x_t * in_mask

        with name_scope(self.name):
            outs, finals = run_stack([run_cell], Steps(steps, batch, x, at=step_input),
                                     [None if state is None else state_parts(state)],
                                     go_backwards=self.go_backwards, h_mask=h_mask, mask=keep,
                                     masked_output="zeros" if self.zero_output_for_mask else "previous")
            # Keras returns the steps in reading order (reversed when go_backwards)
            read = outs[0].in_order(reverse=self.go_backwards)
            output = stack(read, 1) if self.return_sequences else read[-1]
        state = pack_state(finals[0])
        if self.stateful and initial_state is None:   # an explicit state is a one-off run
            self.states = detach_state(state)
        if self.return_state:
            return (output,) + state_parts(state)
        return output

    def _start_state(self, initial_state: State | None, batch: int, x: Tensor) -> State | None:
        """The checked initial state, the carried one (stateful), or None for zeros."""
        cell = self.cell
        who = f"Recurrent({type(cell).__name__})"
        if initial_state is None and self.stateful and self.states is not None:
            carried = state_parts(self.states)[0].shape[0]
            if carried != batch:
                raise ShapeError(f"{who}: stateful layer got a batch of {batch} but carries states "
                                 f"for {carried} sequences; keep the batch size fixed or call "
                                 f"reset_states() first")
            return self.states
        if initial_state is None:
            return None
        parts = check_state(who, initial_state, labels=[f"initial state {n}" for n in cell.state_names],
                            shapes=[(batch, n) for n in cell.state_sizes()], ref=cell._ref(),
                            what="initial_state", owner="the cell's parameters are", why="(batch, size)")
        return pack_state(parts)


class Bidirectional(Module):
    """Run a :class:`Recurrent` layer forwards and a copy of it backwards, then merge (Keras).

    Args:
        layer: the forward layer. Its backward twin is a deep copy with ``go_backwards``
            flipped and fresh weights (the cell's ``reset_parameters()`` if it has one,
            else PyTorch's U(−1/√H, 1/√H) for every parameter), unless ``backward_layer``
            is given.
        merge_mode: ``"concat"`` ([fwd | bwd] on the last axis, PyTorch's layout), ``"sum"``,
            ``"mul"``, ``"ave"``, or ``None`` for a list ``[fwd, bwd]``.

    With ``return_sequences`` the backward outputs are put back in the original time order
    before merging, so step t of the result sees x_0..x_t forwards and x_t..x_{T−1}
    backwards. With ``return_state`` the result is ``(output, *forward_state, *backward_state)``
    (``output`` is the list when ``merge_mode`` is None, flattened in front as in Keras).
    A ``mask`` goes to both layers; as in Keras, masked steps of returned sequences are zeros
    (each layer's ``zero_output_for_mask`` is set to its ``return_sequences``).
    """

    merge_modes = ("concat", "sum", "mul", "ave", None)

    def __init__(self, layer: Recurrent, merge_mode: str | None = "concat",
                 backward_layer: Recurrent | None = None) -> None:
        super().__init__()
        if not isinstance(layer, Recurrent):
            raise ArgumentTypeError(f"Bidirectional: layer must be a Recurrent layer, got {type(layer).__name__}")
        if merge_mode not in self.merge_modes:
            raise ArgumentError(f"Bidirectional: merge_mode must be one of {self.merge_modes}, got {merge_mode!r}")
        if backward_layer is None:
            backward_layer = copy.deepcopy(layer)
            backward_layer.go_backwards = not layer.go_backwards
            backward_layer.states = None
            _fresh_weights(backward_layer.cell)
        elif not isinstance(backward_layer, Recurrent):
            raise ArgumentTypeError(f"Bidirectional: backward_layer must be a Recurrent layer, got {type(backward_layer).__name__}")
        if backward_layer.go_backwards == layer.go_backwards:
            raise ArgumentError("Bidirectional: backward_layer must have the opposite go_backwards of layer")
        for key in ("return_sequences", "return_state"):
            if getattr(backward_layer, key) != getattr(layer, key):
                raise ArgumentError(f"Bidirectional: layer and backward_layer disagree on {key}")
        for sub in (layer, backward_layer):
            sub.zero_output_for_mask = sub.return_sequences     # as Keras forces it
        self.forward_layer = layer
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode

    def reset_states(self) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def forward(self, x: Tensor, initial_state: tuple[State, State] | None = None, mask: Any = None) -> Any:
        """``x``: (B, T, I). ``initial_state``: ``(forward_state, backward_state)`` or None.
        ``mask``: (B, T) bool (True = a real step), given to both directions."""
        fw_init = bw_init = None
        if initial_state is not None:
            if not isinstance(initial_state, (tuple, list)) or len(initial_state) != 2:
                raise ShapeError("Bidirectional: initial_state must be (forward_state, backward_state)")
            fw_init, bw_init = initial_state
        fwd, bwd = self.forward_layer(x, fw_init, mask=mask), self.backward_layer(x, bw_init, mask=mask)
        fw_states: tuple = ()
        bw_states: tuple = ()
        if self.forward_layer.return_state:
            fwd, fw_states = fwd[0], fwd[1:]
            bwd, bw_states = bwd[0], bwd[1:]
        if self.forward_layer.return_sequences:
            # the go_backwards layer returns its steps in reading order: put them back at their t
            if self.backward_layer.go_backwards:
                bwd = bwd[:, ::-1]
            else:
                fwd = fwd[:, ::-1]
        out = merge_directions(fwd, bwd, self.merge_mode)
        if not self.forward_layer.return_state:
            return out
        head = tuple(out) if isinstance(out, list) else (out,)
        return head + tuple(fw_states) + tuple(bw_states)


def merge_directions(fwd: Tensor, bwd: Tensor, merge_mode: str | None) -> Any:
    """Keras' merge of a bidirectional layer's two outputs (same shape, same time order):
    ``"concat"`` [fwd | bwd] on the last axis, ``"sum"``, ``"mul"``, ``"ave"``, or ``None`` for
    the list ``[fwd, bwd]``. Shared by :class:`Bidirectional` and ``keras.layers.Bidirectional``."""
    if merge_mode == "concat":
        return cat([fwd, bwd], -1)
    if merge_mode == "sum":
        return fwd + bwd
    if merge_mode == "mul":
        return fwd * bwd
    if merge_mode == "ave":
        return (fwd + bwd) * 0.5
    return [fwd, bwd]


def _fresh_weights(cell: RNNCellBase) -> None:
    """New random weights for a copied cell, so the two directions do not start equal.

    ``reset_parameters()`` redraws what the cell made with ``new_parameter`` (with its own
    initialisers); any other parameter (a user cell's plain ``Parameter``) gets PyTorch's
    U(−1/√H, 1/√H)."""
    cell.reset_parameters()
    redrawn = {id(entry[0]) for entry in cell.__dict__.get("_initializers", ())}
    k = 1.0 / math.sqrt(cell.hidden_size)
    for p in cell.parameters():
        if id(p) not in redrawn:
            uniform_(p, -k, k)


def _per_gate_twin(cell: RNNCellBase) -> Any:
    """For recurrent dropout with one mask per gate, as Keras draws them: a Keras-layout cell
    whose weights are views (recorded ops) of ``cell``'s, so gradients reach ``cell``. None
    when ``cell`` is not one of the package's RNN, LSTM (without TF1/peephole/projection
    options) or GRU cells: such a cell gets one mask for all of its uses of h_{t−1}."""
    from ..keras.layers import cells as keras_cells
    from .gru_cell import GRUCell
    from .lstm_cell import LSTMCell
    from .rnn_cell import RNNCell
    I, H = cell.input_size, cell.hidden_size
    kind = type(cell)
    if kind is LSTMCell:
        if cell.peepholes or cell.proj_size or not cell.forget_gate or cell.forget_bias or \
                getattr(cell, "cell_clip", None) is not None:
            return None
        twin: Any = keras_cells.LSTMCell(I, H, activation=cell.activation,
                                         recurrent_activation=cell.recurrent_activation)
        order = None
    elif kind is GRUCell:
        twin = keras_cells.GRUCell(I, H, reset_after=cell.reset_after, activation=cell.activation,
                                   recurrent_activation=cell.recurrent_activation)
        order = [1, 0, 2]                           # PyTorch's r, z, n -> Keras' z, r, h
    elif kind is RNNCell:
        twin = keras_cells.SimpleRNNCell(I, H, activation=cell.nonlinearity)
        order = None
    else:
        return None

    def keras_rows(w: Tensor) -> Tensor:           # (G·H, ...) blocks reordered for Keras
        return w if order is None else cat([w[k * H:(k + 1) * H] for k in order], 0)
    twin.kernel = keras_rows(cell.weight_ih).T
    twin.recurrent_kernel = keras_rows(cell.weight_hh).T
    if cell.bias_ih is None:
        twin.bias = None
    elif kind is GRUCell and cell.reset_after:
        twin.bias = stack([keras_rows(cell.bias_ih), keras_rows(cell.bias_hh)], 0)
    elif kind is GRUCell:
        twin.bias = keras_rows(cell.bias_ih)
    else:
        twin.bias = cell.bias_ih + cell.bias_hh
    return twin

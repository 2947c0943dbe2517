"""The time loop under every recurrent layer: a grid of cells run over a sequence.

Both families of layers run on this module: the PyTorch-style ``nn.RNN``/``nn.LSTM``/``nn.GRU``
(a stack of layers, one or two directions each) and the Keras-style ``nn.Recurrent`` (one cell,
read forwards or backwards). A layer checks its arguments (:mod:`.checks`), turns them into the
pieces below and calls :func:`run_stack`. Nothing here knows what an LSTM is: the math is in
the cells, and whether a cell can run a whole direction as one fused op is the cell's own
answer (:meth:`RNNCellBase.fused_sequence`).

The pieces (T steps, B batch, F features, H_out a cell's output width)::

    Steps        T step tensors (B, F): the layer's input, or one direction's outputs at their
                 original t. Held as one (T, B, F) tensor (what a fused op takes and gives) or
                 one tensor per step (what a cell takes and gives), converted on demand.
    mask         None, or a (T, B) boolean array (NumPy or CuPy), True where sequence b has a
                 real input at step t. ANY pattern works, not only right padding: at a masked
                 step the state is carried over unchanged (``state_t = state_{t−1}``), and the
                 output is zeros (``masked_output="zeros"``, PyTorch's packed sequences) or the
                 last unmasked output in reading order, zeros before the first one
                 (``masked_output="previous"``, Keras' ``RNN`` layer).
                 :func:`length_mask` builds it from PyTorch's ``lengths=``; :func:`step_mask`
                 from a Keras-style (B, T) mask.
    initial      None (zeros for every cell), or one entry per cell: a tuple of state parts,
                 each (B, size), or None for that cell's zeros.

:func:`run_stack` is the one loop over (layer, direction), for the fused and the step-by-step
paths alike. Direction 1 of a bidirectional stack reads t = T−1 … 0; ``go_backwards`` flips
the reading order of every direction (Keras). A cell in a reversed direction runs in the
scope ``"backward"``, otherwise ``"forward"``; each step in ``"t={t}"`` with t the original
index. Example, one LSTM cell over a (B, T, I) batch with a Keras mask::

    steps = Steps.from_input(x, time_axis=1)                     # x: (B, T, I)
    mask = step_mask(keras_mask, steps=T, batch=B, like=x, who="LSTM")   # (B, T) -> (T, B)
    outs, finals = run_stack([cell], steps, None, mask=mask, masked_output="previous")
    seq = stack(outs[0].in_order(), 1)                          # (B, T, H_out), original order
    h_T, c_T = finals[0]

:func:`zero_state` is the initial zeros every layer uses; :func:`dropout_mask` (from
:mod:`.dropout`) the one inverted-dropout mask helper.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ArgumentError
from .. import backend
from ..errors import ShapeError
from ..autograd import gc_paused
from ..functional import where
from ..modes import name_scope
from ..ops.shape import cat, stack
from ..tensor import Tensor
from .cell_base import RNNCellBase
from .dropout import dropout_mask
from .state import State, pack_state, state_parts

__all__ = ["Steps", "run_stack", "run_direction", "unroll", "layer_output", "zero_state",
           "dropout_mask", "length_mask", "step_mask"]


class Steps:
    """A sequence of T step tensors (B, F), as one (T, B, F) tensor or per step.

    ``at(t)`` makes step t on demand (called again for every reader, so each reader's slice is
    drawn in its own step scope, as the unrolled graph shows it); ``items`` holds steps that
    exist already (a direction's outputs); ``whole()`` stacks them into (T, B, F) once, or
    calls ``make_whole`` (e.g. a fused op's output slice, or a permute of the input).
    ``like`` is a tensor of the right dtype and device for zero states.
    """

    def __init__(self, steps: int, batch: int, like: Tensor, *, at: Callable[[int], Tensor] | None = None,
                 items: list[Tensor] | None = None, make_whole: Callable[[], Tensor] | None = None) -> None:
        self.steps, self.batch, self.like = steps, batch, like
        self._at, self.items, self._make_whole = at, items, make_whole
        self._whole: Tensor | None = None

    @classmethod
    def from_input(cls, x: Tensor, time_axis: int = 0) -> "Steps":
        """A layer's input x (T, B, F) (``time_axis=0``) or (B, T, F) (``time_axis=1``); step t
        is the slice ``x_t`` (named so), the whole is (T, B, F)."""
        def at(t: int) -> Tensor:
            x_t = x[t] if time_axis == 0 else x[:, t]
            x_t.name = f"x_{t}"
            return x_t
        return cls(x.shape[time_axis], x.shape[1 - time_axis], x, at=at,
                   make_whole=lambda: x if time_axis == 0 else x.permute(1, 0, 2))

    @classmethod
    def from_whole(cls, seq: Tensor) -> "Steps":
        """Steps held as one (T, B, F) tensor."""
        s = cls(seq.shape[0], seq.shape[1], seq)
        s._whole = seq
        return s

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, t: int) -> Tensor:
        if self.items is not None:
            return self.items[t]
        if self._at is not None:
            return self._at(t)
        return self.whole()[t]

    def whole(self) -> Tensor:
        """The steps as one (T, B, F) tensor."""
        if self._whole is None:
            self._whole = self._make_whole() if self._make_whole is not None else stack(
                [self[t] for t in range(self.steps)], 0)
        return self._whole

    def in_order(self, reverse: bool = False) -> list[Tensor]:
        """The steps as a list, t = 0 … T−1 (or T−1 … 0 with ``reverse``)."""
        order = range(self.steps - 1, -1, -1) if reverse else range(self.steps)
        return [self[t] for t in order]


def merge_directions(outputs: Sequence[Steps], drop: Tensor | None = None) -> Steps:
    """The next layer's input: ``[forward | backward]`` outputs at each t, times an optional
    (T, B, D·H_out) dropout mask (PyTorch's dropout between stacked layers)."""
    if len(outputs) == 1 and drop is None:
        return outputs[0]
    first = outputs[0]

    def at(t: int) -> Tensor:
        x_t = outputs[0][t] if len(outputs) == 1 else cat([o[t] for o in outputs], 1)
        if drop is not None:
            x_t = x_t * drop[t]
        x_t.name = f"x_{t}"
        return x_t

    def make_whole() -> Tensor:
        seq = outputs[0].whole() if len(outputs) == 1 else cat([o.whole() for o in outputs], -1)
        return seq if drop is None else seq * drop

    stepwise = all(o.items is not None for o in outputs)
    return Steps(first.steps, first.batch, first.like, at=at if stepwise else None, make_whole=make_whole)


def layer_output(outputs: Sequence[Steps], time_axis: int = 0) -> Tensor:
    """The last layer's ``[forward | backward]`` outputs as one tensor, time on ``time_axis``:
    (T, B, D·H_out) or (B, T, D·H_out)."""
    if all(o.items is not None for o in outputs):           # step by step: stack the steps
        if len(outputs) == 1:
            return stack(outputs[0].items, time_axis)
        return cat([stack(o.items, time_axis) for o in outputs], -1)
    seq = outputs[0].whole() if len(outputs) == 1 else cat([o.whole() for o in outputs], -1)
    return seq if time_axis == 0 else seq.permute(1, 0, 2)


def run_stack(cells: Sequence[RNNCellBase], inputs: Steps, initial: Any = None, *,
              num_layers: int = 1, bidirectional: bool = False, go_backwards: bool = False,
              mask: Any = None, fused: bool = False, layer_dropout: Sequence[Tensor] = (),
              h_mask: Tensor | None = None,
              masked_output: str = "zeros") -> tuple[list[Steps], list[tuple[Tensor, ...]]]:
    """Run a grid of cells (layer-major, forward before backward, like PyTorch) over ``inputs``.

    ``initial[i]`` is cell i's initial state parts or None (zeros); ``layer_dropout[l]`` a
    (T, B, D·H_out) mask applied to layer l's output before layer l+1 reads it; ``h_mask``
    (B, H_out) masks ``h`` before it enters the cell (recurrent dropout, step by step only).
    With ``fused`` each cell may run its whole direction as one op.

    Returns the last layer's outputs, one :class:`Steps` per direction at the original t, and
    every cell's final state parts (layer-major).
    """
    if masked_output not in ("zeros", "previous"):
        raise ArgumentError(f"run_stack: masked_output must be 'zeros' or 'previous', got {masked_output!r}")
    D = 2 if bidirectional else 1
    if len(cells) != num_layers * D:
        raise ArgumentError(f"run_stack: {num_layers} layer(s) × {D} direction(s) need {num_layers * D} "
                         f"cells, got {len(cells)}")
    step_masks = None
    if mask is not None:   # one (B, 1) tensor per step, shared by every cell
        step_masks = [Tensor(mask[t][:, None]) for t in range(inputs.steps)]
    if fused:
        inputs.whole()     # the (T, B, I) view is drawn in the layer's scope, once
    finals: list[tuple[Tensor, ...]] = []
    outputs: list[Steps] = []
    for layer in range(num_layers):
        outputs = []
        for direction in range(D):
            index = layer * D + direction
            cell = cells[index]
            reverse = bool(direction) != go_backwards
            with name_scope(f"layer{layer}"), name_scope("backward" if reverse else "forward"):
                given = None if initial is None else initial[index]
                parts = (state_parts(zero_state(cell, inputs.batch, inputs.like)) if given is None
                         else tuple(given))
                out, final = run_direction(cell, inputs, parts, mask=mask, step_masks=step_masks,
                                           reverse=reverse, fused=fused, h_mask=h_mask,
                                           masked_output=masked_output)
            outputs.append(out)
            finals.append(final)
        if layer < num_layers - 1:
            inputs = merge_directions(outputs, layer_dropout[layer] if layer_dropout else None)
    return outputs, finals


def run_direction(cell: RNNCellBase, inputs: Steps, parts: tuple[Tensor, ...], *, mask: Any = None,
                  step_masks: list[Tensor] | None = None, reverse: bool = False, fused: bool = False,
                  h_mask: Tensor | None = None,
                  masked_output: str = "zeros") -> tuple[Steps, tuple[Tensor, ...]]:
    """One (layer, direction): the cell's fused op when ``fused`` and it has one, else the cell
    step by step. Returns the outputs at their original t and the final state parts."""
    T = inputs.steps
    if fused and h_mask is None and masked_output == "zeros":
        packed = cell.fused_sequence(inputs.whole(), parts, mask, reverse)
        if packed is not None:     # rows 0..T−1: outputs; then one row per state part
            out = Steps.from_whole(packed[:T])
            final = tuple(packed[T + k] for k in range(len(parts)))
            for n, f in zip(cell.state_names, final):
                f.name = f"{n}_n"
            return out, final
    if mask is not None and step_masks is None:
        step_masks = [Tensor(mask[t][:, None]) for t in range(T)]
    times = range(T - 1, -1, -1) if reverse else range(T)
    outs, state = unroll(cell, inputs.__getitem__, pack_state(parts), times, masks=step_masks,
                         h_mask=h_mask, masked_output=masked_output)
    if reverse:
        outs.reverse()   # outputs are stored at their original t, like PyTorch
    return Steps(T, inputs.batch, inputs.like, items=outs), state_parts(state)


def unroll(cell: RNNCellBase, step_input: Callable[[int], Tensor], state: State,
           times: Sequence[int], *, masks: Sequence[Tensor] | None = None,
           h_mask: Tensor | None = None, masked_output: str = "zeros") -> tuple[list[Tensor], State]:
    """Run ``cell`` over ``times`` (in reading order) on its own ops; return its outputs (in
    reading order) and its last state.

    ``step_input(t)`` gives x_t (B, I). Each step runs in the scope ``t={t}``.

    * ``masks[t]`` (B, 1) bool marks the sequences with a real input at t: where it is False
      the state is carried over, ``state_t = where(m_t, cell(x_t, state_{t−1}), state_{t−1})``,
      and the output is zero (``masked_output="zeros"``) or the previous output
      (``"previous"``).
    * ``h_mask`` (B, H_out) multiplies the ``h`` part of the state *before* it enters the
      cell (recurrent dropout); the carried state itself is not masked.
    """
    with gc_paused():   # thousands of recorded ops, none in a reference cycle
        return _unroll(cell, step_input, state, times, masks, h_mask, masked_output)


def _unroll(cell: RNNCellBase, step_input: Callable[[int], Tensor], state: State, times: Sequence[int],
            masks: Sequence[Tensor] | None, h_mask: Tensor | None,
            masked_output: str) -> tuple[list[Tensor], State]:
    names = cell.state_names
    h_index = names.index("h") if "h" in names else 0
    outputs: list[Tensor] = []
    previous: Any = 0.0
    for t in times:
        with name_scope(f"t={t}"):
            x_t = step_input(t)
            given = state
            if h_mask is not None:
                parts = list(state_parts(state))
                parts[h_index] = parts[h_index] * h_mask
                given = pack_state(parts)
            new = cell.forward(x_t, given)   # shapes were checked once, by the layer
            old_parts, new_parts = state_parts(state), state_parts(new)
            if len(new_parts) != len(names):
                raise ShapeError(f"{type(cell).__name__}: forward returned {len(new_parts)} state "
                                 f"part(s) but state_names is {names}")
            if masks is not None:
                # masked steps keep their state: padding never reaches it
                m = masks[t]
                new_parts = tuple(where(m, n, o) for n, o in zip(new_parts, old_parts))
                new = pack_state(new_parts)
            for sname, part, old in zip(names, new_parts, old_parts):
                if part is not old:
                    part.name = f"{sname}_{t}"
            out = cell.output(new)
            if masks is not None:
                out = where(masks[t], out, previous)   # PyTorch pads packed outputs with zeros
                if masked_output == "previous":
                    previous = out
            outputs.append(out)
            state = new
    return outputs, state


def zero_state(cell: RNNCellBase, batch: int, like: Tensor) -> State:
    """The cell's zero state; a cell without parameters gets the input's dtype and device
    (its own ``init_state`` could only guess the defaults)."""
    if cell._ref() is None and type(cell).init_state is RNNCellBase.init_state:
        xp = backend.xp_of(like.data)
        return pack_state(tuple(Tensor(xp.zeros((batch, n), dtype=like.dtype))
                                for n in cell.state_sizes()))
    return cell.init_state(batch)


def _host_array(value: Any) -> np.ndarray:
    """A Tensor, NumPy/CuPy array, PyTorch tensor or nested list as a NumPy array."""
    if isinstance(value, Tensor):
        return value.numpy()
    if backend.is_array(value):
        return backend.to_numpy(value)
    if hasattr(value, "detach") and hasattr(value, "numpy"):   # a torch tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


def length_mask(lengths: Any, steps: int, batch: int, device: str, who: str) -> Any:
    """The (T, B) mask of PyTorch's ``lengths=`` (True while ``t < lengths[b]``), on ``device``;
    None when no step is padded. ``lengths`` holds one int per sequence, each in 1..T."""
    if lengths is None:
        return None
    arr = _host_array(lengths)
    if arr.ndim != 1 or arr.shape[0] != batch or arr.dtype.kind not in "iu":
        raise ShapeError(f"{who}: lengths must be {batch} integers (one per sequence), got "
                         f"{arr.dtype} array of shape {tuple(arr.shape)}")
    if batch and (arr.min() < 1 or arr.max() > steps):
        raise ArgumentError(f"{who}: every length must be in 1..{steps} (the padded length), "
                         f"got {arr.tolist()}")
    if (arr == steps).all():
        return None
    return backend.to_device(np.arange(steps)[:, None] < arr[None, :], device)


def step_mask(mask: Any, steps: int, batch: int, like: Tensor, who: str) -> Any:
    """A Keras-style (B, T) boolean mask (Tensor, array or nested list; True = a real step) as
    the (T, B) array :func:`run_stack` takes, on ``like``'s device; None when nothing is masked."""
    if mask is None:
        return None
    arr = _host_array(mask)
    if arr.dtype != np.bool_ or arr.shape != (batch, steps):
        raise ShapeError(f"{who}: mask must be a boolean (batch, time) = ({batch}, {steps}) array, "
                         f"got {arr.dtype} array of shape {tuple(arr.shape)}")
    if arr.all():
        return None
    return backend.to_device(np.ascontiguousarray(arr.T), like.device)

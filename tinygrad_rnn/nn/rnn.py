"""PyTorch-style recurrent layers: ``RNN``, ``LSTM`` and ``GRU``, stacked and bidirectional.

A layer is a grid of cells, one per (layer, direction), unrolled over time by a plain Python
loop (:func:`unroll`). Nothing here knows what an LSTM is: the math lives in the cells, and
any :class:`~tinygrad_rnn.nn.RNNCellBase` can be run PyTorch-style with ``cell=``.

Shapes (T time steps, B batch, I input features, H hidden, H_out = proj_size or H,
D = 2 if bidirectional else 1, L = num_layers)::

    x                (T, B, I)  or (B, T, I) with batch_first, or (T, I) unbatched
    h_0, h_n         (D·L, B, H_out)   -- never batch-first, like PyTorch
    c_0, c_n (LSTM)  (D·L, B, H)
    output           (T, B, D·H_out)  or (B, T, D·H_out) with batch_first

Parameters carry PyTorch's flat names (``weight_ih_l0``, ``bias_hh_l1_reverse``,
``weight_hr_l0``) in PyTorch's order, so ``layer.load_state_dict(torch_layer.state_dict())``
gives PyTorch's numbers.

Every step runs inside the name scopes ``(name, "layer{l}", "forward"|"backward", "t={t}")``
(t in the input's own order) and names its input ``x_{t}`` and new state ``h_{t}``/``c_{t}``,
so drawings can group the unrolled graph by step, layer and direction.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from .. import backend
from ..errors import DtypeError, ShapeError
from ..functional import where
from ..modes import name_scope
from ..ops.shape import cat, stack
from ..tensor import Tensor
from .cell_base import RNNCellBase
from .module import Module, Parameter
from .state import State, pack_state, state_parts

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "unroll", "zero_state", "dropout_mask", "length_masks"]

# PyTorch's per-cell parameter order in ``_flat_weights``; other parameters follow these.
_TORCH_ORDER = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")


# ---- the time loop shared by every layer ----------------------------------------------

def unroll(cell: RNNCellBase, step_input: Callable[[int], Tensor], state: State,
           times: Sequence[int], *, masks: Sequence[Tensor] | None = None,
           h_mask: Tensor | None = None) -> tuple[list[Tensor], State]:
    """Run ``cell`` over ``times`` (in processing order) and return its outputs and last state.

    ``step_input(t)`` gives x_t (B, I). Each step runs in the scope ``t={t}``.

    * ``masks[t]`` (B, 1) bool marks the sequences still running at t (padded batches):
      where it is False the state is carried over unchanged and the output is zero,
      ``state_t = where(m_t, cell(x_t, state_{t-1}), state_{t-1})``.
    * ``h_mask`` (B, H_out) multiplies the ``h`` part of the state *before* it enters the
      cell (recurrent dropout); the carried state itself is not masked.

    Returns the per-step outputs (B, H_out) in processing order and the final state.
    """
    names = cell.state_names
    h_index = names.index("h") if "h" in names else 0
    outputs: list[Tensor] = []
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
                # finished sequences keep their state: padding never reaches it
                m = masks[t]
                new_parts = tuple(where(m, n, o) for n, o in zip(new_parts, old_parts))
                new = pack_state(new_parts)
            for sname, part, old in zip(names, new_parts, old_parts):
                if part is not old:
                    part.name = f"{sname}_{t}"
            out = cell.output(new)
            if masks is not None:
                out = where(masks[t], out, 0.0)   # PyTorch pads packed outputs with zeros
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


def dropout_mask(shape: Sequence[int], p: float, like: Tensor) -> Tensor:
    """An inverted-dropout mask: 0 with probability ``p``, else 1/(1−p); dtype and device of
    ``like``. Drawn from the seeded generator on the host, so CPU and GPU agree."""
    keep = backend.rng().random(tuple(shape)) >= p
    scale = 0.0 if p >= 1.0 else 1.0 / (1.0 - p)   # p = 1 drops everything (PyTorch gives zeros)
    arr = keep.astype(like.dtype) * np.asarray(scale, dtype=like.dtype)
    return Tensor(backend.to_device(arr, like.device))


def length_masks(lengths: Any, steps: int, batch: int, device: str, who: str) -> list[Tensor] | None:
    """One (B, 1) bool mask per time step, True while ``t < lengths[b]``; None if no step is
    padded. ``lengths`` holds one int per sequence, each in 1..T."""
    if lengths is None:
        return None
    if isinstance(lengths, Tensor):
        arr = lengths.numpy()
    elif backend.is_array(lengths):
        arr = backend.to_numpy(lengths)
    elif hasattr(lengths, "detach") and hasattr(lengths, "numpy"):   # a torch tensor
        arr = lengths.detach().cpu().numpy()
    else:
        arr = np.asarray(lengths)
    if arr.ndim != 1 or arr.shape[0] != batch or arr.dtype.kind not in "iu":
        raise ShapeError(f"{who}: lengths must be {batch} integers (one per sequence), got "
                         f"{arr.dtype} array of shape {tuple(arr.shape)}")
    if arr.min() < 1 or arr.max() > steps:
        raise ValueError(f"{who}: every length must be in 1..{steps} (the padded length), "
                         f"got {arr.tolist()}")
    if (arr == steps).all():
        return None
    running = np.arange(steps)[:, None, None] < arr[None, :, None]   # (T, B, 1)
    running = backend.to_device(running, device)
    return [Tensor(running[t]) for t in range(steps)]


# ---- the layers -------------------------------------------------------------------------

class RNNBase(Module):
    """Stacked, optionally bidirectional recurrent layer over any cell (PyTorch's API).

    ``cell`` is a class or factory called as ``cell(input_size, hidden_size, **cell_kwargs)``
    (plus ``bias=False`` when ``bias`` is False) once per layer and direction. The cells are
    kept in ``self.cells`` (PyTorch order: layer-major, forward before backward); their
    parameters are registered on the layer under PyTorch's flat names, the same objects,
    so training the layer trains the cells.

    ``fused=True`` runs each (layer, direction) as one fused op and raises when the cell has
    no fused kernel; ``fused="auto"`` takes the fused op where there is one and the cells'
    recorded primitive ops otherwise (the same numbers either way); ``False`` (the default)
    records every op.
    """

    scope_name = "rnn"

    def __init__(self, cell: Callable[..., RNNCellBase], input_size: int, hidden_size: int,
                 num_layers: int = 1, bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, *, name: str | None = None,
                 fused: bool | str = False, **cell_kwargs: Any) -> None:
        super().__init__()
        kind = type(self).__name__
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"{kind}: num_layers must be a positive int, got {num_layers!r}")
        if not 0.0 <= float(dropout) <= 1.0 or isinstance(dropout, bool):
            raise ValueError(f"{kind}: dropout must be a probability in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{kind}: dropout={dropout} acts between stacked layers only, so it does "
                          f"nothing with num_layers=1", stacklevel=3)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.name = name or self.scope_name
        if not bias:
            cell_kwargs = dict(cell_kwargs, bias=False)
        cells: list[RNNCellBase] = []
        width = input_size
        for layer in range(num_layers):
            for direction in range(self.num_directions):
                c = cell(width, hidden_size, **cell_kwargs)
                if not isinstance(c, RNNCellBase):
                    raise TypeError(f"{kind}: cell= must build an RNNCellBase, got {type(c).__name__}")
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                for pname, p in _torch_ordered(c.named_parameters()):
                    setattr(self, pname.replace(".", "_") + suffix, p)
                cells.append(c)
            width = self.num_directions * cells[-1].output_size
        # a plain list, not sub-modules: the parameters are registered above, once, by flat name
        self.cells = cells
        if fused not in (True, False, "auto"):
            raise ValueError(f"{kind}: fused must be True, False or 'auto', got {fused!r}")
        reason = fused_unsupported(cells[0]) if fused else None
        if reason and fused is True:
            raise ValueError(f"{kind}: fused=True runs PyTorch's RNN/LSTM/GRU equations only, and {reason}; "
                             f"use fused=False (or fused='auto') for this cell")
        self.fused = bool(fused) and reason is None

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.cells[0].state_names

    @property
    def output_size(self) -> int:
        """Features per step of ``output``: D·H_out."""
        return self.num_directions * self.cells[0].output_size

    def train(self, mode: bool = True) -> "RNNBase":
        super().train(mode)
        for c in self.cells:
            c.train(mode)
        return self

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for key, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                             ("bidirectional", False)):
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        return s

    # -- forward --
    def forward(self, x: Tensor, hx: State | None = None, lengths: Any = None) -> tuple[Tensor, State]:
        """Run the whole stack over a sequence.

        ``x``: (T, B, I), or (B, T, I) with ``batch_first``, or (T, I) unbatched.
        ``hx``: initial state, ``h_0`` (D·L, B, H_out) or ``(h_0, c_0)`` for an LSTM; zeros if
        None. ``lengths``: one int per sequence (1..T) for a padded batch, with PyTorch's
        packed-sequence results: zero outputs after each sequence's end, final states taken
        at its last step, and the backward direction starting at its own end.

        Returns ``(output, h_n)`` or ``(output, (h_n, c_n))``.
        """
        kind = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{kind}: input must be a Tensor, got {type(x).__name__}")
        if x.ndim not in (2, 3):
            raise ShapeError(f"{kind}: expected input of shape (T, B, I), (B, T, I) with batch_first "
                             f"or (T, I) unbatched, got {tuple(x.shape)}")
        unbatched = x.ndim == 2
        time_axis = 1 if (self.batch_first and not unbatched) else 0
        if unbatched:
            x = x.unsqueeze(1)
        if x.shape[-1] != self.input_size:
            raise ShapeError(f"{kind}: input has {x.shape[-1]} features but input_size is "
                             f"{self.input_size} (input shape {tuple(x.shape)})")
        ref = self.cells[0]._ref()
        if ref is not None and x.dtype != ref.dtype:
            raise DtypeError(f"{kind}: input is {x.dtype} but the parameters are {ref.dtype}; "
                             f"convert one with .astype(...) or layer.astype(...)")
        steps, batch = x.shape[time_axis], x.shape[1 - time_axis]
        if steps == 0:
            raise ShapeError(f"{kind}: input has no time steps (shape {tuple(x.shape)})")
        initial = self._initial_parts(hx, batch, unbatched)
        masks = length_masks(lengths, steps, batch, x.device, kind)
        D, L = self.num_directions, self.num_layers

        def slice_input(t: int) -> Tensor:
            x_t = x[t] if time_axis == 0 else x[:, t]
            x_t.name = f"x_{t}"
            return x_t

        if self.fused:
            with name_scope(self.name):
                output, final = self._forward_fused(x, initial, masks, time_axis)
            if unbatched:
                output = output.squeeze(1)
                final = tuple(f.squeeze(1) for f in final)
            return output, pack_state(final)

        step_input: Callable[[int], Tensor] = slice_input
        finals: list[tuple[Tensor, ...]] = []
        with name_scope(self.name):
            for layer in range(L):
                per_direction: list[list[Tensor]] = []
                for direction in range(D):
                    cell = self.cells[layer * D + direction]
                    with name_scope(f"layer{layer}"), name_scope("backward" if direction else "forward"):
                        if initial is None:
                            state = zero_state(cell, batch, x)
                        else:
                            state = pack_state(tuple(p[layer * D + direction] for p in initial))
                        times = range(steps - 1, -1, -1) if direction else range(steps)
                        outs, state = unroll(cell, step_input, state, times, masks=masks)
                    if direction:
                        outs.reverse()   # outputs are stored at their original t, like PyTorch
                    per_direction.append(outs)
                    finals.append(state_parts(state))
                if layer < L - 1:
                    step_input = self._next_input(per_direction, steps, batch)
            if D == 1:
                output = stack(per_direction[0], time_axis)
            else:
                output = cat([stack(outs, time_axis) for outs in per_direction], -1)
            final = tuple(stack([f[k] for f in finals], 0) for k in range(len(self.state_names)))
        if unbatched:
            output = output.squeeze(1)
            final = tuple(f.squeeze(1) for f in final)
        return output, pack_state(final)

    def _forward_fused(self, x: Tensor, initial: tuple[Tensor, ...] | None, masks: list[Tensor] | None,
                       time_axis: int) -> tuple[Tensor, tuple[Tensor, ...]]:
        """The whole stack with one fused op per (layer, direction): the same numbers as the
        step-by-step cells (see :mod:`tinygrad_rnn.fused`), drawn as one ``*_sequence`` node."""
        seq = x if time_axis == 0 else x.permute(1, 0, 2)          # (T, B, I)
        steps, batch = seq.shape[0], seq.shape[1]
        mask = None
        if masks is not None:
            xp = backend.xp_of(x.data)
            mask = xp.stack([m.data[:, 0] for m in masks])          # (T, B) bool
        D, L = self.num_directions, self.num_layers
        finals: list[tuple[Tensor, ...]] = []
        for layer in range(L):
            outs = []
            for direction in range(D):
                cell = self.cells[layer * D + direction]
                with name_scope(f"layer{layer}"), name_scope("backward" if direction else "forward"):
                    if initial is None:
                        parts = state_parts(zero_state(cell, batch, x))
                    else:
                        parts = tuple(p[layer * D + direction] for p in initial)
                    packed = _fused_sequence(cell, seq, parts, mask, reverse=bool(direction))
                    outs.append(packed[:steps])
                    final = tuple(packed[steps + k] for k in range(len(parts)))
                    for n, f in zip(cell.state_names, final):
                        f.name = f"{n}_n"
                    finals.append(final)
            seq = outs[0] if D == 1 else cat(outs, -1)
            if layer < L - 1 and self.training and self.dropout > 0:
                seq = seq * dropout_mask((steps, batch, self.output_size), self.dropout, seq)
        output = seq if time_axis == 0 else seq.permute(1, 0, 2)
        final = tuple(stack([f[k] for f in finals], 0) for k in range(len(self.state_names)))
        return output, final

    def _next_input(self, per_direction: list[list[Tensor]], steps: int, batch: int) -> Callable[[int], Tensor]:
        """Input of the next layer at step t: this layer's [forward | backward] outputs, with
        PyTorch's inter-layer dropout (fresh mask per element, training mode only)."""
        first = per_direction[0][0]
        mask = None
        if self.training and self.dropout > 0:
            mask = dropout_mask((steps, batch, self.output_size), self.dropout, first)
        if len(per_direction) == 1 and mask is None:
            return lambda t: per_direction[0][t]

        def merged(t: int) -> Tensor:
            x_t = per_direction[0][t] if len(per_direction) == 1 else cat([o[t] for o in per_direction], 1)
            if mask is not None:
                x_t = x_t * mask[t]
            x_t.name = f"x_{t}"
            return x_t
        return merged

    def _initial_parts(self, hx: State | None, batch: int, unbatched: bool) -> tuple[Tensor, ...] | None:
        """Check ``hx`` and return its parts, each (D·L, B, size), or None for zeros."""
        if hx is None:
            return None
        kind, names = type(self).__name__, self.state_names
        if isinstance(hx, Tensor):
            parts: tuple = (hx,)
        elif isinstance(hx, (tuple, list)):
            parts = tuple(hx)
        else:
            raise TypeError(f"{kind}: hx must be a Tensor or a tuple of Tensors, got {type(hx).__name__}")
        if len(parts) != len(names):
            want = "(" + ", ".join(f"{n}_0" for n in names) + ")"
            raise ShapeError(f"{kind}: hx must be {want} ({len(names)} tensor(s)), got {len(parts)}")
        rows = self.num_directions * self.num_layers
        out = []
        for n, p, size in zip(names, parts, self.cells[0].state_sizes()):
            if not isinstance(p, Tensor):
                raise TypeError(f"{kind}: {n}_0 must be a Tensor, got {type(p).__name__}")
            want = (rows, size) if unbatched else (rows, batch, size)
            if tuple(p.shape) != want:
                raise ShapeError(f"{kind}: {n}_0 must have shape {want} (D·num_layers"
                                 f"{'' if unbatched else ', batch'}, {size}), got {tuple(p.shape)}")
            out.append(p.unsqueeze(1) if unbatched else p)
        return tuple(out)


def _torch_ordered(named: Any) -> list[tuple[str, Parameter]]:
    """A cell's parameters with PyTorch's five first, in ``_flat_weights`` order."""
    items = list(named)
    rank = {n: i for i, n in enumerate(_TORCH_ORDER)}
    return sorted(items, key=lambda kv: rank.get(kv[0], len(_TORCH_ORDER)))


def fused_unsupported(cell: RNNCellBase) -> str | None:
    """Why ``cell`` cannot run as a fused sequence op, or None when it can.

    The fused kernels compute PyTorch's three cells (plus TensorFlow's constant
    ``forget_bias``); any other option — peepholes, the 1997 cell, projections, other
    activations, Cho's GRU, a user's own cell — runs step by step on the primitive ops."""
    from . import activations
    from .gru_cell import GRUCell
    from .lstm_cell import LSTMCell
    from .rnn_cell import RNNCell
    if type(cell) is RNNCell:
        return None if cell.nonlinearity in ("tanh", "relu") else f"nonlinearity {cell.nonlinearity!r} is not fused"
    if type(cell) is LSTMCell:
        if cell.peepholes or not cell.forget_gate or cell.proj_size:
            return "peepholes, forget_gate=False and proj_size are not fused"
        if cell.forget_bias and cell.bias_ih is None:
            return "forget_bias needs bias=True when fused"
        default = cell.activation is activations.get("tanh") and cell.recurrent_activation is activations.get("sigmoid")
        return None if default else "only tanh/sigmoid activations are fused"
    if type(cell) is GRUCell:
        if not cell.reset_after:
            return "reset_after=False is not fused"
        default = cell.activation is activations.get("tanh") and cell.recurrent_activation is activations.get("sigmoid")
        return None if default else "only tanh/sigmoid activations are fused"
    return f"{type(cell).__name__} is not one of RNNCell, LSTMCell, GRUCell"


def _fused_sequence(cell: RNNCellBase, seq: Tensor, parts: tuple[Tensor, ...], mask: Any, reverse: bool) -> Tensor:
    """Run one direction of one layer as a single fused op; returns its packed output."""
    from ..fused import GRUSequence, LSTMSequence, RNNSequence
    from .lstm_cell import LSTMCell
    from .rnn_cell import RNNCell
    weights = (cell.weight_ih, cell.weight_hh)
    biases: tuple = () if cell.bias_ih is None else (cell.bias_ih, cell.bias_hh)
    if isinstance(cell, LSTMCell):
        if cell.forget_bias and biases:
            # TF's constant on the forget pre-activation is a constant on the bias's f slice
            H = cell.hidden_size
            shift = np.zeros(4 * H, dtype=cell.bias_ih.dtype)
            shift[H:2 * H] = cell.forget_bias
            biases = (cell.bias_ih + backend.to_device(shift, cell.bias_ih.device), cell.bias_hh)
        return LSTMSequence.apply(seq, parts[0], parts[1], *weights, *biases, mask=mask, reverse=reverse)
    if isinstance(cell, RNNCell):
        return RNNSequence.apply(seq, parts[0], *weights, *biases, mask=mask, reverse=reverse,
                                 nonlinearity=cell.nonlinearity)
    return GRUSequence.apply(seq, parts[0], *weights, *biases, mask=mask, reverse=reverse)


class RNN(RNNBase):
    """Elman RNN layer, ``h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)``, PyTorch's API.

    >>> rnn = tg.nn.RNN(8, 16, num_layers=2)
    >>> out, h_n = rnn(tg.randn(5, 3, 8))        # out (5, 3, 16), h_n (2, 3, 16)
    """

    scope_name = "rnn"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, *,
                 cell: Callable[..., RNNCellBase] | None = None, name: str | None = None,
                 **cell_kwargs: Any) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        if cell is None:
            from .rnn_cell import RNNCell
            cell = RNNCell
            cell_kwargs = dict(cell_kwargs, nonlinearity=nonlinearity)
        super().__init__(cell, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, name=name, **cell_kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """LSTM layer (gates i, f, g, o), PyTorch's API; ``proj_size > 0`` adds ``weight_hr``.

    >>> lstm = tg.nn.LSTM(8, 16, bidirectional=True, batch_first=True)
    >>> out, (h_n, c_n) = lstm(tg.randn(3, 5, 8))  # out (3, 5, 32), h_n and c_n (2, 3, 16)

    Extra keyword arguments go to every cell (``forget_bias``, ``peepholes``,
    ``forget_gate``, ``recurrent_activation``, ``kernel_initializer``, ``unit_forget_bias``, ...).
    """

    scope_name = "lstm"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, *, cell: Callable[..., RNNCellBase] | None = None,
                 name: str | None = None, **cell_kwargs: Any) -> None:
        if not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError(f"LSTM: proj_size must be a non-negative int, got {proj_size!r}")
        if proj_size >= hidden_size:
            raise ValueError(f"LSTM: proj_size ({proj_size}) must be smaller than hidden_size ({hidden_size})")
        if cell is None:
            from .lstm_cell import LSTMCell
            cell = LSTMCell
        if proj_size:
            cell_kwargs = dict(cell_kwargs, proj_size=proj_size)
        super().__init__(cell, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, name=name, **cell_kwargs)
        self.proj_size = proj_size

    def extra_repr(self) -> str:
        return super().extra_repr() + (f", proj_size={self.proj_size}" if self.proj_size else "")


class GRU(RNNBase):
    """GRU layer (gates r, z, n; PyTorch's reset-after candidate), PyTorch's API.

    >>> gru = tg.nn.GRU(8, 16, num_layers=3)
    >>> out, h_n = gru(tg.randn(5, 3, 8))        # out (5, 3, 16), h_n (3, 3, 16)
    """

    scope_name = "gru"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, *,
                 cell: Callable[..., RNNCellBase] | None = None, name: str | None = None,
                 **cell_kwargs: Any) -> None:
        if cell is None:
            from .gru_cell import GRUCell
            cell = GRUCell
        super().__init__(cell, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, name=name, **cell_kwargs)

"""PyTorch-style recurrent layers: ``RNN``, ``LSTM`` and ``GRU``, stacked and bidirectional.

A layer is a grid of cells, one per (layer, direction), run over time by the loop in
:mod:`tinygrad_rnn.nn.time_loop` (shared with the Keras-style layers). Nothing here knows what
an LSTM is: the math lives in the cells, whether a cell runs a whole direction as one fused op
is the cell's answer (``fused_sequence``), and any :class:`~tinygrad_rnn.nn.RNNCellBase` can
be run PyTorch-style with ``cell=``.

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
from typing import Any, Callable

from ..arguments import flag, positive_int, probability, size
from ..errors import ArgumentError, ArgumentTypeError
from ..errors import ShapeError
from ..modes import name_scope
from ..ops.shape import stack
from ..tensor import Tensor
from .cell_base import RNNCellBase
from .checks import check_input, check_state
from .module import Module, Parameter
from .state import State, pack_state
from .time_loop import Steps, dropout_mask, layer_output, length_mask, run_stack

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

# PyTorch's per-cell parameter order in ``_flat_weights``; other parameters follow these.
_TORCH_ORDER = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")


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
        input_size = positive_int(input_size, "input_size", kind)
        hidden_size = positive_int(hidden_size, "hidden_size", kind)
        num_layers = positive_int(num_layers, "num_layers", kind)
        bias, batch_first = flag(bias, "bias", kind), flag(batch_first, "batch_first", kind)
        bidirectional = flag(bidirectional, "bidirectional", kind)
        dropout = probability(dropout, "dropout", kind)
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
                    raise ArgumentTypeError(f"{kind}: cell= must build an RNNCellBase, got {type(c).__name__}")
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                for pname, p in _torch_ordered(c.named_parameters()):
                    setattr(self, pname.replace(".", "_") + suffix, p)
                cells.append(c)
            width = self.num_directions * cells[-1].output_size
        # a plain list, not sub-modules: the parameters are registered above, once, by flat name
        self.cells = cells
        if fused not in (True, False, "auto"):
            raise ArgumentError(f"{kind}: fused must be True, False or 'auto', got {fused!r}")
        reason = cells[0].fused_unsupported() if fused else None
        if reason and fused is True:
            raise ArgumentError(f"{kind}: fused=True runs PyTorch's RNN/LSTM/GRU equations only, and {reason}; "
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
        I = self.input_size
        check_input(kind, x, input_size=I, ranks=(2, 3), ref=self.cells[0]._ref(),
                    expected=f"(T, B, I) = (T, B, {I}), (B, T, {I}) with batch_first or (T, {I}) unbatched")
        unbatched = x.ndim == 2
        time_axis = 1 if (self.batch_first and not unbatched) else 0
        if unbatched:
            x = x.unsqueeze(1)
        steps, batch = x.shape[time_axis], x.shape[1 - time_axis]
        if steps == 0:
            raise ShapeError(f"{kind}: input has no time steps (shape {tuple(x.shape)})")
        initial = self._initial_parts(hx, batch, unbatched)
        mask = length_mask(lengths, steps, batch, x.device, kind)
        D, L = self.num_directions, self.num_layers
        # PyTorch's dropout between stacked layers: a fresh mask per element, training only
        drops = [dropout_mask((steps, batch, self.output_size), self.dropout, x)
                 for _ in range(L - 1)] if self.training and self.dropout > 0 else []
        with name_scope(self.name):
            outputs, finals = run_stack(self.cells, Steps.from_input(x, time_axis),
                                        None if initial is None else _Rows(initial),
                                        num_layers=L, bidirectional=D == 2, mask=mask,
                                        fused=self.fused, layer_dropout=drops)
            output = layer_output(outputs, time_axis)
            final = tuple(stack([f[k] for f in finals], 0) for k in range(len(self.state_names)))
        if unbatched:
            output = output.squeeze(1)
            final = tuple(f.squeeze(1) for f in final)
        return output, pack_state(final)

    def _initial_parts(self, hx: State | None, batch: int, unbatched: bool) -> tuple[Tensor, ...] | None:
        """Check ``hx`` and return its parts, each (D·L, B, size), or None for zeros."""
        if hx is None:
            return None
        names = self.state_names
        rows = self.num_directions * self.num_layers
        shapes = [(rows, n) if unbatched else (rows, batch, n) for n in self.cells[0].state_sizes()]
        parts = check_state(type(self).__name__, hx, labels=[f"{n}_0" for n in names], shapes=shapes,
                            ref=self.cells[0]._ref(), what="hx",
                            why=f"(D·num_layers{'' if unbatched else ', batch'}, size)")
        return tuple(p.unsqueeze(1) for p in parts) if unbatched else parts


class _Rows:
    """Cell i's initial state: row i of each stacked part (D·L, B, size), sliced when the time
    loop asks, inside that cell's scope."""

    def __init__(self, parts: tuple[Tensor, ...]) -> None:
        self.parts = parts

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(p[index] for p in self.parts)


def _torch_ordered(named: Any) -> list[tuple[str, Parameter]]:
    """A cell's parameters with PyTorch's five first, in ``_flat_weights`` order."""
    items = list(named)
    rank = {n: i for i, n in enumerate(_TORCH_ORDER)}
    return sorted(items, key=lambda kv: rank.get(kv[0], len(_TORCH_ORDER)))


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
            raise ArgumentError(f"RNN: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
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
        proj_size = size(proj_size, "proj_size", "LSTM")
        if proj_size >= positive_int(hidden_size, "hidden_size", "LSTM"):
            raise ArgumentError(f"LSTM: proj_size ({proj_size}) must be smaller than hidden_size ({hidden_size})")
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

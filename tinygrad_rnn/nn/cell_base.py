"""The contract every recurrent cell follows, so any cell works in every layer.

A cell computes one time step: ``new_state = cell(x_t, state)``. Layers (``nn.RNN``,
``nn.LSTM``, ``nn.GRU``, ``nn.Recurrent``, ``nn.Bidirectional``) only use what this base
class defines, which is why a user's own cell of fifteen lines gets stacking, both
directions, variable lengths, drawings and gradient checks for free.

What a subclass provides:

* ``state_names`` — a class attribute: ``("h",)`` for one state tensor, ``("h", "c")`` for
  two. A one-part state is passed as a bare Tensor, a longer one as a tuple in this order.
* ``__init__(input_size, hidden_size, ...)`` — calls ``super().__init__(input_size,
  hidden_size)``, then assigns its :class:`Parameter` objects as attributes (they register
  themselves, in assignment order).
* ``forward(x, state) -> new_state`` — x is (B, input_size), each state part (B, size);
  built from tensor ops only (no ``.data``), so autograd, drawings and every device work.
* optionally ``state_sizes()`` (when a part is not ``hidden_size`` wide, e.g. an LSTM
  projection), and ``output(state)`` (when the output is not the first part).

What the base class adds: ``cell(x)`` starts from zeros (:meth:`init_state`), shapes and
dtypes are checked with messages that name the cell, and a 1-D ``x`` of ``input_size``
features (with 1-D states) is run as a batch of one and returned without the batch axis,
as PyTorch's cells do. Example, a minimal gated unit::

    class MinimalGatedUnit(tg.nn.RNNCellBase):
        state_names = ("h",)

        def __init__(self, input_size, hidden_size):
            super().__init__(input_size, hidden_size)
            self.weight_if = self.new_parameter((hidden_size, input_size))   # U(−1/√H, 1/√H)
            ...

        def forward(self, x, h):                     # x: (B, I), h: (B, H) -> (B, H)
            f = (x @ self.weight_if.T + h @ self.weight_hf.T + self.bias_f).sigmoid()
            ...
            return h_new

``docs/custom_cell.md`` walks through the full example.
"""
from __future__ import annotations

from typing import Any, Union

from ..errors import DtypeError, ShapeError
from ..factories import zeros
from ..tensor import Tensor
from . import init
from .module import Module, Parameter

State = Union[Tensor, tuple]


class RNNCellBase(Module):
    """Base class of recurrent cells.

    Subclasses set ``state_names`` (``("h",)`` for a single hidden state, ``("h", "c")`` for
    an LSTM) and define ``forward(x, state) -> new_state``, where ``x`` is (batch,
    input_size) and the state is one tensor (batch, hidden_size) or a tuple of them. The
    first state part is the cell's output unless :meth:`output` says otherwise.
    """

    state_names: tuple[str, ...] = ("h",)

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(f"{type(self).__name__}: input_size and hidden_size must be positive, "
                             f"got {input_size} and {hidden_size}")
        self.input_size = input_size
        self.hidden_size = hidden_size

    @property
    def output_size(self) -> int:
        """Features of :meth:`output` (``hidden_size`` unless a projection shrinks it)."""
        return self.hidden_size

    def state_sizes(self) -> tuple[int, ...]:
        """Width of each state part, in ``state_names`` order."""
        return (self.hidden_size,) * len(self.state_names)

    def _ref(self) -> Tensor | None:
        params = self.parameters()
        return params[0] if params else None

    def init_state(self, batch_size: int) -> State:
        """Zero state for ``batch_size`` sequences on the cell's device and dtype
        (TensorFlow's ``zero_state``)."""
        ref = self._ref()
        kw = {} if ref is None else {"dtype": ref.dtype, "device": ref.device}
        parts = tuple(zeros(batch_size, n, **kw) for n in self.state_sizes())
        return parts[0] if len(parts) == 1 else parts

    def output(self, state: State) -> Tensor:
        """The part of the state that is the cell's output (h)."""
        return state if isinstance(state, Tensor) else state[0]

    def forward(self, x: Tensor, state: State) -> State:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define forward(x, state)")

    def __call__(self, x: Tensor, state: State | None = None) -> State:
        """One checked step: ``new_state = cell(x, state)`` (zeros when ``state`` is None)."""
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: x must be a Tensor, got {type(x).__name__}")
        unbatched = x.ndim == 1
        if unbatched:                       # PyTorch's unbatched form: (I,) -> (1, I)
            x = x.unsqueeze(0)
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ShapeError(f"{name}: x must be (batch, {self.input_size}) or ({self.input_size},), "
                             f"got {tuple(x.shape) if not unbatched else tuple(x.shape[1:])}")
        ref = self._ref()
        if ref is not None and x.dtype != ref.dtype:
            raise DtypeError(f"{name}: x is {x.dtype} but the cell's parameters are {ref.dtype}; "
                             f"convert one with .astype(...) (or cell.double())")
        if state is None:
            state = self.init_state(x.shape[0])
        else:
            state = self._check_state(state, x.shape[0], unbatched)
        new = self.forward(x, state)
        if unbatched:
            new = _squeeze0(new) if isinstance(new, Tensor) else tuple(_squeeze0(s) for s in new)
        return new

    def new_parameter(self, shape: tuple[int, ...], initializer: Any = None, *, dtype: Any = None,
                      device: str | None = None, what: str = "parameter") -> Parameter:
        """A fresh :class:`Parameter` of ``shape`` for a cell's ``__init__``.

        ``initializer`` is a name (``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``, ...),
        a callable ``fn(shape) -> array``, or None for PyTorch's U(−1/√H, 1/√H) with
        H = ``hidden_size``; see :mod:`tinygrad_rnn.nn.init`. Numbers come from the generator
        ``tg.manual_seed`` seeds; dtype and device default to the global defaults.
        """
        p = Parameter(init.initial_value(initializer, shape, self.hidden_size, dtype, device,
                                         what=f"{type(self).__name__}.{what}"))
        if "_initializers" not in self.__dict__:
            self._initializers: list[tuple[Parameter, Any, str]] = []
        self._initializers.append((p, initializer, what))   # so reset_parameters can redraw it
        return p

    def reset_parameters(self) -> None:
        """Draw every parameter made by :meth:`new_parameter` again, with the initialiser it
        was made with, keeping its dtype and device (used e.g. by ``Bidirectional`` to give
        the backward copy of a cell its own weights)."""
        for p, initializer, what in self.__dict__.get("_initializers", ()):
            p.data = init.initial_value(initializer, p.shape, self.hidden_size, p.dtype, p.device,
                                        what=f"{type(self).__name__}.{what}")
            p.grad = None

    def _check_state(self, state: State, batch: int, unbatched: bool) -> State:
        name = type(self).__name__
        parts = (state,) if isinstance(state, Tensor) else tuple(state)
        sizes = self.state_sizes()
        if len(parts) != len(sizes) or not all(isinstance(p, Tensor) for p in parts):
            what = "a Tensor" if len(sizes) == 1 else f"a tuple of {len(sizes)} Tensors {self.state_names}"
            raise ShapeError(f"{name}: the state must be {what}, got {_describe_state(state)}")
        if unbatched:
            parts = tuple(p.unsqueeze(0) if p.ndim == 1 else p for p in parts)
        for pname, p, n in zip(self.state_names, parts, sizes):
            if tuple(p.shape) != (batch, n):
                raise ShapeError(f"{name}: state {pname} must be ({batch}, {n}) for a batch of {batch}, "
                                 f"got {tuple(p.shape)}")
        return parts[0] if len(parts) == 1 else parts

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


def _describe_state(state: Any) -> str:
    if isinstance(state, Tensor):
        return f"one Tensor of shape {tuple(state.shape)}"
    if isinstance(state, (tuple, list)):
        return "(" + ", ".join(f"{tuple(p.shape)}" if isinstance(p, Tensor) else type(p).__name__
                               for p in state) + ")"
    return type(state).__name__


def _squeeze0(t: Tensor) -> Tensor:
    out = t.squeeze(0)
    out.name = t.name
    return out

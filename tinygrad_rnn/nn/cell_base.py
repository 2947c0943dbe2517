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

What the base class adds: ``cell(x)`` starts from zeros (:meth:`init_state`), shapes,
dtypes and devices are checked (:mod:`.checks`) with messages that name the cell, and a 1-D ``x`` of ``input_size``
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
from ..errors import ArgumentError, UnsupportedError

from typing import Any, Union

from ..arguments import positive_int
from ..factories import zeros
from ..tensor import Tensor
from . import init
from .checks import check_input, check_state
from .module import Module, Parameter
from .state import pack_state

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
        self.input_size = positive_int(input_size, "input_size", type(self).__name__)
        self.hidden_size = positive_int(hidden_size, "hidden_size", type(self).__name__)

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
        raise UnsupportedError(f"{type(self).__name__} must define forward(x, state)")

    def __call__(self, x: Tensor, state: State | None = None) -> State:
        """One checked step: ``new_state = cell(x, state)`` (zeros when ``state`` is None)."""
        name = type(self).__name__
        I = self.input_size
        ref = self._ref()
        check_input(name, x, input_size=I, ranks=(1, 2), expected=f"(batch, {I}) or ({I},)",
                    ref=ref, owner="the cell's parameters are", what="x")
        unbatched = x.ndim == 1
        if unbatched:                       # PyTorch's unbatched form: (I,) -> (1, I)
            x = x.unsqueeze(0)
        if state is None:
            state = self.init_state(x.shape[0])
        else:
            state = self._check_state(state, x.shape[0], unbatched)
        new = self.forward(x, state)
        if unbatched:
            new = _squeeze0(new) if isinstance(new, Tensor) else tuple(_squeeze0(s) for s in new)
        return new

    def fused_unsupported(self) -> str | None:
        """Why this cell cannot run a whole sequence as one fused op; None when it can.

        A cell with a fused kernel overrides this and :meth:`fused_sequence`; layers built
        with ``fused=True`` ask it once, at construction, to say why not."""
        return f"{type(self).__name__} has no fused whole-sequence op"

    def fused_sequence(self, seq: Tensor, parts: tuple[Tensor, ...], mask: Any = None,
                       reverse: bool = False) -> Tensor | None:
        """The whole sequence as ONE recorded op, or None: run the cell step by step.

        ``seq`` (T, B, I); ``parts`` the initial state parts, each (B, size); ``mask`` None or
        a (T, B) bool array (a masked step keeps the state and outputs zeros); ``reverse``
        reads t = T−1 … 0. Returns the op's packed output (T + K, B, H_out): rows 0..T−1 are
        the outputs at their original t, then the K final state parts. It must compute exactly
        what :meth:`forward` computes step by step (see :mod:`tinygrad_rnn.fused`).
        """
        return None

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
        """Check a state given to :meth:`__call__` (one checker, :func:`.checks.check_state`)
        and return it batched: each part (batch, size)."""
        ref = self._ref()
        shape = () if unbatched else (batch,)
        parts = check_state(type(self).__name__, state, labels=[f"state {n}" for n in self.state_names],
                            shapes=[shape + (n,) for n in self.state_sizes()],
                            ref=ref, what="the state", owner="the cell's parameters are")
        if unbatched:
            parts = tuple(p.unsqueeze(0) for p in parts)
        return pack_state(parts)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


def _squeeze0(t: Tensor) -> Tensor:
    out = t.squeeze(0)
    out.name = t.name
    return out

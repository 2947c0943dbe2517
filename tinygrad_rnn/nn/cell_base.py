"""The contract every recurrent cell follows, so any cell works in every layer.

A cell computes one time step: ``new_state = cell(x_t, state)``. Layers (``nn.RNN``,
``nn.LSTM``, ``nn.GRU``, ``nn.Recurrent``, ``nn.Bidirectional``) only use what this base
class defines, which is why a user's own cell of fifteen lines gets stacking, both
directions, variable lengths, drawings and gradient checks for free::

    class MinimalGatedUnit(tg.nn.RNNCellBase):
        state_names = ("h",)
        def __init__(self, input_size, hidden_size):
            super().__init__(input_size, hidden_size)
            self.weight_ih = tg.nn.Parameter(...)   # define parameters
            ...
        def forward(self, x, h):                     # x: (B, I), h: (B, H) -> (B, H)
            f = (x @ self.weight_if.T + h @ self.weight_hf.T + self.bias_f).sigmoid()
            ...
            return h_new
"""
from __future__ import annotations

from typing import Any, Union

from ..factories import zeros
from ..tensor import Tensor
from .module import Module

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
        if state is None:
            state = self.init_state(x.shape[0])
        return self.forward(x, state)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"

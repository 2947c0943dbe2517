"""Run a cell over a sequence step by step, recording what drawings need.

The same time loop the layers run, but it keeps every step's state tensors so that
gradient hooks can be put on them. Scopes and names follow the library's conventions:
ops are recorded under ``(scope, "layer0", "forward", "t=N")`` and the tensors are named
``x_N``, ``h_N`` (and ``c_N`` for an LSTM).
"""
from __future__ import annotations

from typing import Any

from ..errors import ArgumentError
from ..modes import name_scope
from ..nn.cell_base import RNNCellBase
from ..tensor import Tensor


def state_tuple(state: Any) -> tuple[Tensor, ...]:
    return (state,) if isinstance(state, Tensor) else tuple(state)


def unroll_cell(cell: RNNCellBase, inputs: Tensor, state: Any = None, scope: str | None = None
                ) -> tuple[list[tuple[Tensor, ...]], Any]:
    """Apply ``cell`` to ``inputs`` (T, B, I) one step at a time.

    Returns ``(states, last_state)``: ``states[t]`` is the tuple of state parts after step t
    (in ``cell.state_names`` order), and ``last_state`` is what the cell returned last.
    ``scope`` is the outermost scope name (default: the cell's class name, lowercased).
    """
    if inputs.ndim != 3:
        raise ArgumentError(f"unroll: inputs must be (T, B, I), got shape {tuple(inputs.shape)}")
    if inputs.shape[2] != cell.input_size:
        raise ArgumentError(f"unroll: inputs have {inputs.shape[2]} features but the cell expects "
                         f"input_size={cell.input_size} (inputs shape {tuple(inputs.shape)})")
    if state is None:
        state = cell.init_state(inputs.shape[1])
    names = cell.state_names
    states: list[tuple[Tensor, ...]] = []
    with name_scope(scope or type(cell).__name__.lower()), name_scope("layer0"), name_scope("forward"):
        for t in range(inputs.shape[0]):
            with name_scope(f"t={t}"):
                x_t = inputs[t]
                x_t.name = f"x_{t}"
                state = cell(x_t, state)
                parts = state_tuple(state)
                for sname, part in zip(names, parts):
                    part.name = f"{sname}_{t}"
                states.append(parts)
    return states, state

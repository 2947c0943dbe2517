"""Recurrent states as values: detach them, map over them, split them into parts.

A cell's state is one tensor (``h``, shape (B, H)) or a tuple of tensors (``(h, c)`` for
an LSTM). Layers and training loops treat both the same way through the helpers here.
"""
from __future__ import annotations

from typing import Any, Callable, Union

from ..tensor import Tensor

State = Union[Tensor, tuple, list]

__all__ = ["detach_state", "map_state", "state_parts", "pack_state"]


def map_state(fn: Callable[[Tensor], Any], state: State) -> Any:
    """Apply ``fn`` to every tensor of a (nested) state, keeping its structure.

    ``None`` entries pass through, so a partly filled state maps cleanly.
    """
    if state is None:
        return None
    if isinstance(state, Tensor):
        return fn(state)
    if isinstance(state, (tuple, list)):
        return type(state)(map_state(fn, s) for s in state)
    raise TypeError(f"map_state: a state is a Tensor or a tuple/list of them, got {type(state).__name__}")


def detach_state(state: State) -> State:
    """Detached copies of a state (a Tensor or a nested tuple/list): same numbers, no graph.

    This is truncated backpropagation through time (TBPTT). Carry the state from one chunk
    of a long sequence to the next, but cut it from the graph, so each ``backward()`` only
    runs through the current chunk and the graphs of old chunks can be freed::

        state = None
        for chunk, target in chunks:               # chunk: (T_chunk, B, I)
            out, state = lstm(chunk, state)
            loss = loss_fn(out, target)
            loss.backward()
            opt.step(); opt.zero_grad()
            state = tg.nn.detach_state(state)      # keep the numbers, drop the history

    Without the last line the second ``backward()`` would try to run through the first
    chunk's (already freed) graph, and memory would grow with every chunk.
    """
    return map_state(lambda t: t.detach(), state)


def state_parts(state: State) -> tuple[Tensor, ...]:
    """The state as a flat tuple of its parts: ``h`` -> ``(h,)``, ``(h, c)`` -> ``(h, c)``."""
    if isinstance(state, Tensor):
        return (state,)
    return tuple(state)


def pack_state(parts: tuple[Tensor, ...] | list[Tensor]) -> State:
    """Inverse of :func:`state_parts`: one part becomes a bare Tensor, more become a tuple."""
    parts = tuple(parts)
    return parts[0] if len(parts) == 1 else parts

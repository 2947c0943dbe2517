"""Recurrent states as values: detach them, map over them, split them into parts.

A cell's state is one tensor (``h``, shape (B, H)) or a tuple of tensors (``(h, c)`` for
an LSTM). Layers and training loops treat both the same way through the helpers here.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Union

from ..errors import ArgumentTypeError
from ..tensor import Tensor

State = Union[Tensor, tuple, list]

__all__ = ["LSTMState", "detach_state", "map_state", "state_parts", "pack_state"]


class LSTMState(NamedTuple):
    """An LSTM's state, ``(h, c)``, with the order in its field names.

    ``LSTMCell`` returns one; it is a plain tuple otherwise (``h, c = state`` unpacks it).
    PyTorch and Keras order the state ``(h, c)`` / ``[h, c]``; TensorFlow 1's
    ``LSTMStateTuple`` is ``(c, h)``. When porting TF1 code, either keep the names
    (``state.h``, ``state.c``) or swap: ``state = LSTMState(h=tf1_state[1], c=tf1_state[0])``.
    ``LSTMCell`` also accepts any named tuple with fields ``c`` and ``h`` (TF1's) and reads
    it by name, whatever its order.

    h: (B, H_out), the output (P wide with a projection). c: (B, H), the cell state.
    """
    h: Tensor
    c: Tensor


def map_state(fn: Callable[[Tensor], Any], state: State) -> Any:
    """Apply ``fn`` to every tensor of a (nested) state, keeping its structure.

    ``None`` entries pass through, so a partly filled state maps cleanly.
    """
    if state is None:
        return None
    if isinstance(state, Tensor):
        return fn(state)
    if isinstance(state, tuple) and hasattr(state, "_fields"):     # a named tuple: LSTMState
        return type(state)(*(map_state(fn, s) for s in state))
    if isinstance(state, (tuple, list)):
        return type(state)(map_state(fn, s) for s in state)
    raise ArgumentTypeError(f"map_state: a state is a Tensor or a tuple/list of them, got {type(state).__name__}")


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

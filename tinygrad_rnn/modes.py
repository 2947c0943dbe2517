"""Global switches that every op reads: gradient recording, name scopes, anomaly checks.

They live in one small object so the hot path reads plain attributes, and each switch is
a context manager (``no_grad`` and ``enable_grad`` also work as decorators).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterator
from contextlib import contextmanager

import numpy as np


class _State:
    __slots__ = ("grad_enabled", "scope", "anomaly")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.scope: tuple[str, ...] = ()   # the name-scope path recorded on every op
        self.anomaly = False


state = _State()


class _GradMode:
    """Set gradient recording on or off inside a ``with`` block or a decorated function."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._saved: list[bool] = []

    def __enter__(self) -> None:
        self._saved.append(state.grad_enabled)
        state.grad_enabled = self.enabled

    def __exit__(self, *exc: Any) -> None:
        state.grad_enabled = self._saved.pop()

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(self.enabled):
                return fn(*args, **kwargs)
        return wrapper


def no_grad(fn: Callable | None = None) -> Any:
    """Ops inside record no graph: for evaluation, sampling and parameter updates.

    ``with no_grad():``, ``@no_grad()`` and ``@no_grad`` all work."""
    return _GradMode(False) if fn is None else _GradMode(False)(fn)


def enable_grad(fn: Callable | None = None) -> Any:
    """Turn recording back on inside a ``no_grad`` block (also a decorator)."""
    return _GradMode(True) if fn is None else _GradMode(True)(fn)


def is_grad_enabled() -> bool:
    return state.grad_enabled


@contextmanager
def name_scope(name: str) -> Iterator[tuple[str, ...]]:
    """Record ``name`` on every op created inside; scopes nest into a path.

    Layers use it to mark layer, direction and time step — the path of one step of a
    stacked LSTM is ``("lstm", "layer0", "forward", "t=3")`` — so graph drawings can group an
    unrolled network step by step::

        with tg.name_scope("t=3"):
            h = cell(x[3], h)
    """
    saved = state.scope
    state.scope = saved + (str(name),)
    try:
        yield state.scope
    finally:
        state.scope = saved


def current_scope() -> tuple[str, ...]:
    return state.scope


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside, the first op whose forward or backward makes NaN or Inf raises
    :class:`~tinygrad_rnn.errors.AnomalyError` naming the op, its input shapes and the
    line of your code that created it. Slower: use it to debug, not to train."""
    saved = state.anomaly
    state.anomaly = True
    try:
        # NumPy would also warn about each NaN/Inf; the AnomalyError says it once, with more
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            yield
    finally:
        state.anomaly = saved

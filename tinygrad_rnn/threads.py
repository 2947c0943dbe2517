"""How many threads NumPy's BLAS may use, product by product (CPU only).

Why: an RNN step does a few *small* matrix products, thousands of times per training step
((B, H) @ (H, 4H) with B = 32). OpenBLAS splits even these across all cores, and its threads
wait for each other by spinning. On a quiet machine that costs little; on a busy one (a
browser, another training run) a helper thread is often not scheduled when the product needs
it, and every product waits for a slice of the scheduler: a training step measured 100× its
quiet time while one of two cores was busy. One thread per small product never waits for
another, so the step keeps its quiet speed; only products big enough that a wait cannot
dominate them (the weight gradients summed over all steps, the input projection of a whole
sequence) are worth splitting.

The policy, set by the environment variable ``TINYGRAD_RNN_BLAS_THREADS`` before import or by
:func:`set_num_threads` at any time:

``"auto"`` (the default)
    BLAS runs on one thread; a product of at least :data:`BIG_PRODUCT` multiply-adds that goes
    through :func:`matmul` (the fused sequence ops use it for their once-per-sequence products)
    gets the thread count BLAS had when ``tinygrad_rnn`` was imported.
an integer ``n``
    every product on at most ``n`` threads (``1``: never split a product).
``"system"``
    leave BLAS alone (NumPy's own default: every product on all cores).

The setting is process-wide, like the BLAS pool itself: ``tinygrad_rnn`` lowers it when it is
imported (with ``"auto"``), which also holds for NumPy products outside the library;
``set_num_threads("system")`` gives the original count back. Nothing happens on CuPy arrays
or where threadpoolctl finds no BLAS it can steer.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np
from .errors import ArgumentError

ENV = "TINYGRAD_RNN_BLAS_THREADS"
BIG_PRODUCT = 1 << 26   # m·n·k from which splitting pays: ≈ 5 ms on one core, far above a scheduler slice

_controllers: list[Any] | None = None   # threadpoolctl's BLAS controllers, found once
_original: int = 1                      # the BLAS thread count found at import
_setting: str | int = "system"          # "auto", "system" or a fixed count
_current: int | None = None             # what BLAS is set to now (None: untouched)


def _blas() -> list[Any]:
    """threadpoolctl's controllers of the BLAS libraries loaded in this process (found once)."""
    global _controllers, _original
    if _controllers is None:
        try:
            from threadpoolctl import ThreadpoolController
            _controllers = list(ThreadpoolController().select(user_api="blas").lib_controllers)
        except Exception:     # threadpoolctl missing or unable to read a library: leave BLAS alone
            _controllers = []
        counts = [c.num_threads for c in _controllers if c.num_threads]
        _original = max(counts, default=1)
    return _controllers


def _set(n: int) -> None:
    global _current
    if n != _current:
        for c in _blas():
            c.set_num_threads(n)
        _current = n


def parse(setting: Any) -> str | int:
    """``"auto"``, ``"system"`` or a positive int, from a string or a number; ValueError otherwise."""
    if isinstance(setting, str):
        text = setting.strip().lower()
        if text in ("auto", "system"):
            return text
        if text.isdigit() and int(text) > 0:
            return int(text)
    elif isinstance(setting, (int, np.integer)) and not isinstance(setting, bool) and setting > 0:
        return int(setting)
    raise ArgumentError(f"BLAS threads: expected 'auto', 'system' or a positive integer, got {setting!r} "
                     f"(from set_num_threads or the environment variable {ENV})")


def set_num_threads(setting: str | int) -> None:
    """Choose how BLAS threads are used: ``"auto"`` (small products on one thread, big ones
    on all), ``"system"`` (NumPy's default) or a fixed count ``n`` for every product."""
    global _setting
    _setting = parse(setting)
    _blas()
    if _setting == "system":
        _set(_original)
    else:
        _set(1 if _setting == "auto" else _setting)


def get_num_threads() -> int:
    """Threads a big product gets under the current setting (1 when BLAS cannot be steered)."""
    if not _blas():
        return 1
    if _setting == "auto":
        return _original
    return _original if _setting == "system" else _setting


def setting() -> str | int:
    """The current setting: ``"auto"``, ``"system"`` or a fixed count."""
    return _setting


def threads_for(m: int, n: int, k: int) -> int:
    """Threads an (m, k) @ (k, n) product gets under the current setting."""
    if _setting == "auto":
        return _original if m * n * k >= BIG_PRODUCT else 1
    return get_num_threads()


def matmul(a: Any, b: Any) -> Any:
    """``a @ b`` for 2-D arrays, on the threads :func:`threads_for` gives its size; BLAS is back
    at its resting count afterwards. Any other array (CuPy, or a setting that never switches)
    is just ``a @ b``."""
    if _setting != "auto" or type(a) is not np.ndarray or a.ndim != 2 or b.ndim != 2:
        return a @ b
    n = threads_for(a.shape[0], b.shape[1], a.shape[1])
    if n == 1 or not _blas():
        return a @ b
    _set(n)
    try:
        return a @ b
    finally:
        _set(1)


def configure_from_env() -> None:
    """Apply ``TINYGRAD_RNN_BLAS_THREADS`` (default ``"auto"``); called once when the package loads.
    A bad value is reported and ignored (``"auto"``): an import must not fail over a tuning knob."""
    value = os.environ.get(ENV, "auto")
    try:
        set_num_threads(value)
    except ValueError as e:
        import warnings
        warnings.warn(f"{e}; using 'auto'", RuntimeWarning, stacklevel=2)
        set_num_threads("auto")

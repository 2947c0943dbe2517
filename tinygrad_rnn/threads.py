"""How matrix products use the CPU's cores: BLAS threads, and our own blocks (CPU only).

Why: an RNN step does a few *small* matrix products, thousands of times per training step
((B, H) @ (H, 4H) with B = 32). OpenBLAS splits even these across all cores, hands each thread
a fixed share, and its threads wait for each other by spinning. On a busy machine (a browser,
another training run) the thread on the busy core finishes its share a scheduler slice late,
and every product waits for it: a training step measured 100× its quiet time while one of two
cores was busy. And in float32 OpenBLAS's one-thread and many-thread kernels round differently
(the same product differs in its last bits), so a thread count that changed with the load
would make a training run's numbers depend on the load, and a run stopped and resumed would no
longer match one run straight through.

So by default BLAS stays on one thread, and a product big enough to be worth sharing is cut
into blocks by its shape (:mod:`.blocks`): each block runs on one BLAS thread, the caller and a
few helper threads take blocks until none is left, and a helper that comes late finds the work
done. The bits depend on the shape alone, never on the thread count or the load.

The policy, set by the environment variable ``TINYGRAD_RNN_BLAS_THREADS`` before import or by
:func:`set_num_threads` at any time:

``"auto"`` (the default)
    BLAS on one thread; products through :func:`matmul` of at least ``blocks.MIN_PRODUCT``
    multiply-adds (one LSTM step's h·W_hhᵀ from H ≈ 360 at B = 32, and the fused
    ops' input projection of all steps, the weight gradients) are cut into blocks run on as many
    threads as BLAS had at import. Reproducible bit for bit.
an integer ``n``
    the same blocks on at most ``n`` threads: the same bits as ``"auto"`` (``1``: one thread).
    BLAS itself stays on one thread, for NumPy products outside :func:`matmul` too.
``"measure"``
    BLAS's own threads instead of blocks: each product through :func:`matmul` (the fused ops
    send all theirs, and so does the primitive ``MatMul``) runs on one BLAS thread or on all,
    chosen per product shape by timing (:class:`ShapeChoice`): the first calls of a shape
    alternate both counts, the faster wins, and the shape is timed again later (after 128
    calls, then twice as many each time the choice holds, up to 4096), because load changes.
    While on all threads every call is timed, and a run of slow calls (a core got busy) falls
    back to one thread at once. A probe on all threads that is clearly slower ends at its first
    call, and then no shape probes for a few seconds (:func:`note`), so a busy machine pays
    about one slow product per hold. In float32 not reproducible bit for bit (see above).
``"system"``
    leave BLAS alone (NumPy's own default: every product on all cores), no blocks.

The setting is process-wide, like the BLAS pool itself: ``tinygrad_rnn`` puts BLAS on one
thread when it is imported (with ``"auto"``), which also holds for NumPy products outside
:func:`matmul` (they are not cut into blocks); ``set_num_threads("system")`` gives the
original count back. Nothing happens on CuPy arrays
or where threadpoolctl finds no BLAS it can steer.
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable

import numpy as np
from . import blocks
from .errors import ArgumentError

ENV = "TINYGRAD_RNN_BLAS_THREADS"
BIG_PRODUCT = 1 << 26    # m·n·k from which one timed call per count is enough to choose (≈ 5 ms on one core)
SMALL_PRODUCT = 1 << 16  # below this m·n·k OpenBLAS never splits a product: nothing to choose
PROBE_CALLS = 3          # timed calls per thread count in one probe (1 for big products)
RECHECK = 128            # calls of a shape before its first re-probe; doubles while the choice holds
RECHECK_MAX = 4096
WIN = 0.85               # all threads are chosen only when they take < 85 % of one thread's time
GIVE_UP = 1.5            # on all threads: back to one when calls average 1.5× one thread's time
HOLD_MIN, HOLD_MAX = 2.0, 64.0   # seconds without probes after a busy core was seen; doubles while it stays busy

_controllers: list[Any] | None = None   # threadpoolctl's BLAS controllers, found once
_setters: list[Callable[[int], Any]] = []   # their set-threads functions (the C symbol where found)
_original: int = 1                      # the BLAS thread count found at import
_setting: str | int = "system"          # "auto", "measure", "system" or a fixed count
_current: int | None = None             # what BLAS is set to now (None: untouched)
_choices: dict[tuple, "ShapeChoice"] = {}   # "measure": one choice per (m, n, k, dtype)
_hold_until = 0.0                       # perf_counter time before which no shape probes all threads
_hold = HOLD_MIN                        # the next hold's length


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
        for c in _controllers:
            # OpenBLAS's own C function costs ~1 µs; threadpoolctl's method ~8 µs (it re-reads
            # state), too much to switch around a 50 µs product
            raw = None
            if type(c).__name__ == "OpenBLASController" and hasattr(c, "_get_symbol"):
                try:
                    raw = c._get_symbol("openblas_set_num_threads")
                except Exception:
                    raw = None
            _setters.append(raw if raw is not None else c.set_num_threads)
    return _controllers


def _set(n: int) -> None:
    global _current
    if n != _current:
        _blas()
        for s in _setters:
            s(n)
        _current = n


class ShapeChoice:
    """The thread count of one product shape under ``"measure"``, chosen by timing its calls.

    :meth:`next` says how many threads the next call gets, :meth:`record` takes the seconds
    it took. A probe alternates one thread and ``many`` (one first) until each has
    ``probe_calls`` timings, and picks ``many`` only when it took less than :data:`WIN` of
    one thread's time; an all-threads call slower than :data:`GIVE_UP` × one thread's mean
    ends the probe at once (on a busy machine each such call costs a scheduler slice). After
    ``interval`` calls the shape is probed again. Pure bookkeeping: the tests feed it timings.
    """
    __slots__ = ("many", "probe_calls", "threads", "probing", "t_one", "t_many", "n_one",
                 "n_many", "left", "interval", "avg")

    def __init__(self, many: int, probe_calls: int = PROBE_CALLS) -> None:
        self.many, self.probe_calls = many, probe_calls
        self.threads = 1            # the choice between probes
        self.interval = RECHECK
        self.left = 0
        self.avg = 0.0              # running mean of the calls on `many` threads
        self._start_probe()

    def _start_probe(self) -> None:
        self.probing = True
        self.t_one = self.t_many = 0.0
        self.n_one = self.n_many = 0

    def next(self) -> int:
        """Threads for the next call."""
        if self.probing:
            return 1 if self.n_one <= self.n_many else self.many
        return self.threads

    def _finish(self, choice: int) -> None:
        # the same answer again: look less often; a change: look again soon
        self.interval = min(2 * self.interval, RECHECK_MAX) if choice == self.threads else RECHECK
        self.threads, self.probing, self.left = choice, False, self.interval
        self.avg = self.t_many / max(self.n_many, 1)

    def skip_probe(self) -> None:
        """End a probe without timing all threads (another shape just saw a busy core)."""
        self._finish(1)

    def record(self, threads: int, seconds: float) -> str | None:
        """Account one call that ran on ``threads`` threads and took ``seconds``. Returns
        ``"busy"`` when all threads were clearly slower (a probe cut short, or a fall back to
        one thread), ``"many"`` when a probe chose all threads, else None."""
        if self.probing:
            if threads == 1:
                self.t_one += seconds
                self.n_one += 1
            else:
                self.t_many += seconds
                self.n_many += 1
                if self.n_one and seconds > GIVE_UP * self.t_one / self.n_one:
                    self._finish(1)
                    return "busy"
            if self.n_one >= self.probe_calls and self.n_many >= self.probe_calls:
                one, many = self.t_one / self.n_one, self.t_many / self.n_many
                self._finish(self.many if many < WIN * one else 1)
                return "many" if self.threads != 1 else None
            return None
        if threads != 1:
            self.avg = 0.75 * self.avg + 0.25 * seconds
            if self.n_one and self.avg > GIVE_UP * self.t_one / self.n_one:   # a core got busy
                self.threads, self.interval, self.left = 1, RECHECK, RECHECK
                return "busy"
        self.left -= 1
        if self.left <= 0:
            self._start_probe()
        return None


def note(outcome: str | None, now: float) -> None:
    """Shared by all shapes: after a busy core was seen (``outcome == "busy"``) no shape probes
    all threads for a while (:data:`HOLD_MIN` seconds, doubling up to :data:`HOLD_MAX` while
    the core stays busy): each such probe costs a slow product, and OpenBLAS's helper thread
    then spins on, competing for the busy core. A probe that chose all threads resets the hold."""
    global _hold_until, _hold
    if outcome == "busy":
        _hold_until = now + _hold
        _hold = min(2 * _hold, HOLD_MAX)
    elif outcome == "many":
        _hold = HOLD_MIN


def holding(now: float) -> bool:
    """True while probes on all threads are held back (see :func:`note`)."""
    return now < _hold_until


def parse(setting: Any) -> str | int:
    """``"auto"``, ``"measure"``, ``"system"`` or a positive int, from a string or a number;
    ValueError otherwise."""
    if isinstance(setting, str):
        text = setting.strip().lower()
        if text in ("auto", "measure", "system"):
            return text
        if text.isdigit() and int(text) > 0:
            return int(text)
    elif isinstance(setting, (int, np.integer)) and not isinstance(setting, bool) and setting > 0:
        return int(setting)
    raise ArgumentError(f"BLAS threads: expected 'auto', 'measure', 'system' or a positive integer, got {setting!r} "
                     f"(from set_num_threads or the environment variable {ENV})")


def set_num_threads(setting: str | int) -> None:
    """Choose how cores are used: ``"auto"`` (BLAS on one thread, big products cut into blocks by
    shape on all cores: reproducible), a count ``n`` (the same blocks on ``n`` threads, the same
    bits), ``"measure"`` (one or all BLAS threads per product shape, whichever times faster now)
    or ``"system"`` (NumPy's default).
    Setting ``"measure"`` again forgets the choices measured so far."""
    global _setting
    _setting = parse(setting)
    _blas()
    _choices.clear()
    _reset_hold()
    _set(_original if _setting == "system" else 1)
    if _setting != "system":
        _warm_sgemm()


def _warm_sgemm() -> None:
    """One throwaway float32 product with a long inner dimension, (64, 4096) @ (4096, 64), on the
    one BLAS thread, right after BLAS was put there.

    Why: with NumPy's OpenBLAS (0.3.31, Haswell kernels, on an AMD EPYC machine), once its
    thread count had been set to one, every small float32 product of the process took two to
    three times as long (32×256 @ 256×64: 95–125 µs instead of 35–60 µs) until one product with
    a long inner dimension or many columns had run; from then on they stayed fast. Results have
    the same bits either way, float64 products showed no such effect, and we have not found the
    cause inside OpenBLAS. With this product first, a primitive float32 LSTM training step
    (H = 64 and 256) took 8–9 % less time. It costs about a millisecond.
    """
    if any(type(c).__name__ == "OpenBLASController" for c in _blas()):
        a = np.ones((64, 4096), dtype=np.float32)
        np.matmul(a, a.T)


def _reset_hold() -> None:
    global _hold_until, _hold
    _hold_until, _hold = 0.0, HOLD_MIN


def get_num_threads() -> int:
    """The most threads a product gets under the current setting (1 when BLAS cannot be steered)."""
    if not _blas():
        return 1
    if _setting in ("auto", "measure", "system"):
        return _original
    return _setting


def workers() -> int:
    """Threads that work cut into blocks by :mod:`.blocks` may use: the count BLAS had at import
    under ``"auto"``, ``n`` under a count ``n``, 1 under ``"measure"`` and ``"system"`` (where
    BLAS's own threads do the splitting) and where threadpoolctl finds no BLAS it can steer.
    At most ``blocks.MAX_BLOCKS`` of them ever run (no product has more blocks)."""
    if not _blas():                 # BLAS we cannot put on one thread may use every core per block
        return 1
    if _setting == "auto":
        return _original
    return _setting if isinstance(_setting, int) else 1


def setting() -> str | int:
    """The current setting: ``"auto"``, ``"measure"``, ``"system"`` or a fixed count."""
    return _setting


def _key(m: int, n: int, k: int, dtype: Any) -> tuple:
    return (m, n, k, np.dtype(dtype).char)


def threads_for(m: int, n: int, k: int, dtype: Any = np.float32) -> int:
    """Threads the next (m, k) @ (k, n) product of ``dtype`` gets through :func:`matmul` (under
    ``"auto"`` or a count: at most one per block :func:`.blocks.cuts` gives it; ``"measure"``:
    the shape's current choice, 1 for a shape not timed yet or while it is probed)."""
    if _setting == "system":
        return _original
    if _setting != "measure":       # "auto" or a count: at most one thread per block
        return min(workers(), len(blocks.cuts(m, n, k)[1]) - 1)
    choice = _choices.get(_key(m, n, k, dtype))
    return 1 if choice is None or choice.probing else choice.threads


def choices() -> dict[tuple, int]:
    """Under ``"measure"``: the thread count chosen so far for each timed shape (m, n, k, dtype char)."""
    return {key: c.threads for key, c in _choices.items() if not c.probing or c.n_many}


def matmul(a: Any, b: Any, out: Any = None) -> Any:
    """``a @ b`` for 2-D arrays (into ``out`` when given). Under ``"auto"`` and a count ``n``, a
    big product is cut into blocks by its shape and run on that many threads (:mod:`.blocks`;
    the same bits on any count); under ``"measure"`` on the threads timing chose for its shape,
    BLAS back on one thread afterwards. Any other array (CuPy, more dimensions) is just ``a @ b``."""
    if _setting == "system" or type(a) is not np.ndarray or a.ndim != 2 or b.ndim != 2:
        return np.matmul(a, b, out=out) if out is not None else a @ b
    if _setting != "measure":       # "auto" or a count: by shape alone, the same bits every run
        if a.shape[0] * a.shape[1] * b.shape[1] >= blocks.MIN_PRODUCT and blocks.splittable(a, b, out):
            return blocks.matmul(a, b, workers(), out)
        return np.matmul(a, b, out=out) if out is not None else a @ b
    if _original == 1 or a.shape[0] * a.shape[1] * b.shape[1] < SMALL_PRODUCT:
        return np.matmul(a, b, out=out) if out is not None else a @ b
    m, k = a.shape
    key = (m, b.shape[1], k, a.dtype.char)
    choice = _choices.get(key)
    if choice is None:
        choice = _choices[key] = ShapeChoice(_original, 1 if m * k * b.shape[1] >= BIG_PRODUCT else PROBE_CALLS)
    n = choice.next()
    t0 = time.perf_counter()
    if n != 1:
        if choice.probing and holding(t0):
            choice.skip_probe()
            n = 1
        else:
            _set(n)
            t0 = time.perf_counter()
    try:
        result = np.matmul(a, b, out=out)
    finally:
        if n != 1:
            _set(1)
    t1 = time.perf_counter()
    note(choice.record(n, t1 - t0), t1)
    return result


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

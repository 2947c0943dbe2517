"""A big matrix product cut into blocks, run on the caller's thread and a few helper threads.

Why not let BLAS split it? OpenBLAS hands each of its threads a fixed share of a product and
waits, spinning, for the last one. When another program holds a core, the thread that lives
there finishes its share a scheduler slice late and everyone waits for it. And in float32 its
one-thread and many-thread results differ in their last bits, so a product's value would
depend on how many threads BLAS had.

Here the *cut* depends on the product's shape alone (:func:`cuts`): the same shape is always
split into the same blocks, each computed by BLAS on one thread, so the result is the same bit
for bit whether one thread or eight compute it. Who computes which block is decided at run
time: the caller and the helpers take the next block from a shared counter until none is left.
A helper that the scheduler runs late finds nothing left to do: the caller never waits for a
block nobody has started, only for one a helper is computing. And since who computes a block
never changes its bits, the caller may follow the load: when it waited for the helpers longer
than it worked itself (they woke late, or share a core with a busy program), it works alone
for a while (:class:`_Helpers`), which is what one thread would have done anyway.

Helpers wait on a condition variable (asleep, not spinning) and start on first use. Waking
one is not free (on this project's 2-core test machine, a virtual one: about 80 µs when it
had just run, 250 µs after it had been idle for a millisecond), and OpenBLAS runs small
products markedly slower per multiply-add than medium ones (there: (32, 256) @ (256, 256) at
5 GMAC/s, (32, 256) @ (256, 512) at 11), so only products of at least :data:`MIN_PRODUCT`
multiply-adds are cut, into blocks of at least :data:`BLOCK`.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable

import numpy as np

MIN_PRODUCT = 1 << 24     # m·n·k from which a product is cut into blocks (LSTM steps from H ≈ 360 at B = 32)
BLOCK = 1 << 22           # at least this many multiply-adds per block ...
MAX_BLOCKS = 8            # ... but never more blocks than this
ALIGN = 16                # block edges on multiples of 16 rows or columns (whole SIMD tiles)
SOLO_MIN, SOLO_MAX = 0.05, 2.0   # seconds the caller works alone after sharing did not pay; doubles while it keeps not paying


def cuts(m: int, n: int, k: int) -> tuple[int, list[int]]:
    """How an (m, k) @ (k, n) product is cut: ``(axis, edges)``, axis 0 for blocks of rows of
    the result, 1 for blocks of columns, and the block edges along it (``[0, ..., m or n]``).
    One block (``edges == [0, size]``) means no cut. A function of the shape alone."""
    axis = 1 if n >= m else 0          # cut the longer side: the operand re-read by every block is the smaller
    size = n if axis else m
    blocks = min(MAX_BLOCKS, (m * n * k) // BLOCK, size // ALIGN)
    if m * n * k < MIN_PRODUCT or blocks < 2:
        return axis, [0, size]
    edges = [size * i // (blocks * ALIGN) * ALIGN for i in range(blocks)] + [size]
    return axis, edges


class _Job:
    """Blocks handed out one at a time; ``done`` is set once every block taken has finished and
    no more will be taken (all were, or the job was cancelled)."""
    __slots__ = ("blocks", "next", "limit", "finished", "lock", "done", "error", "errstate", "errcall")

    def __init__(self, blocks: list[Callable[[], Any]]) -> None:
        self.blocks = blocks
        self.next = 0                   # the next block to take
        self.limit = len(blocks)        # blocks from here on are not taken (lowered by cancel)
        self.finished = 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.error: BaseException | None = None
        # the caller's np.errstate, which a helper thread does not inherit
        self.errstate, self.errcall = np.geterr(), np.geterrcall()
        if not blocks:
            self.done.set()

    def work(self) -> None:
        """Take blocks until none is left (called by the caller and by every helper). A block
        that raises cancels the rest; the caller raises the error."""
        while True:
            with self.lock:
                i = self.next
                if i >= self.limit:
                    return
                self.next = i + 1
            try:
                self.blocks[i]()
            except BaseException as e:
                self.error = self.error or e
                self.cancel()
            with self.lock:
                self.finished += 1
                if self.finished == min(self.next, self.limit) and self.next >= self.limit:
                    self.done.set()

    def cancel(self) -> None:
        """Take no further block; ``done`` follows once the blocks already taken have finished."""
        with self.lock:
            self.limit = min(self.limit, self.next)
            if self.finished == self.limit:
                self.done.set()


class _Helpers:
    """``count`` daemon threads that join every job published with :meth:`run`.

    The caller works out whether sharing paid: with two equal blocks, sharing is faster than
    doing both alone exactly when the caller waited for the helpers' blocks less long than it
    worked on its own. When it waited longer (the helpers woke late, or run on a core that
    another program keeps busy), the caller does every block alone for :data:`SOLO_MIN`
    seconds, twice as long each time sharing fails again in a row (up to :data:`SOLO_MAX`),
    and then tries again. Who computes a block never changes its bits, so this choice by
    timing is free to follow the load.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self.wake = threading.Condition()
        self.job: _Job | None = None
        self.serial = 0
        self.stopped = False
        self.solo_until = 0.0        # perf_counter time before which the caller works alone
        self.solo = SOLO_MIN         # the next solo period's length
        for i in range(count):
            threading.Thread(target=self._loop, name=f"tinygrad_rnn-blocks-{i}", daemon=True).start()

    def _loop(self) -> None:
        seen = 0
        while True:
            with self.wake:
                while self.serial == seen and not self.stopped:
                    self.wake.wait()
                if self.stopped:         # this pool was replaced (another thread count)
                    return
                seen, job = self.serial, self.job
            if job is not None:
                with np.errstate(call=job.errcall, **job.errstate):
                    job.work()
            job = None                   # hold no arrays of a finished product while asleep

    def stop(self) -> None:
        with self.wake:
            self.stopped, self.job = True, None
            self.wake.notify_all()

    def run(self, blocks: list[Callable[[], Any]]) -> None:
        job = _Job(blocks)
        start = time.perf_counter()
        share = self.count > 0 and start >= self.solo_until and len(blocks) > 1
        if share:
            with self.wake:
                share = not self.stopped     # a pool replaced meanwhile: work alone
                if share:
                    self.job, self.serial = job, self.serial + 1
                    self.wake.notify(min(self.count, len(blocks) - 1))
        try:
            job.work()
            worked = time.perf_counter()
            job.done.wait()
        except BaseException:            # Ctrl-C: take no more blocks, let the started ones end
            job.cancel()
            # bounded: an interrupt between taking a block and starting it leaves that block
            # counted as taken forever, and the product is abandoned anyway
            job.done.wait(timeout=1.0)
            raise
        finally:
            if share:
                with self.wake:
                    if self.job is job:
                        self.job = None
            job.blocks = []              # the arrays of this product are the caller's again
        if job.error is not None:
            raise job.error
        if share:
            self.note(worked - start, time.perf_counter() - worked)

    def note(self, worked: float, waited: float, now: float | None = None) -> None:
        """Account one shared job: the caller worked ``worked`` seconds on its blocks, then
        waited ``waited`` for the helpers' (see the class docstring)."""
        if waited > worked:
            self.solo_until = (time.perf_counter() if now is None else now) + self.solo
            self.solo = min(2 * self.solo, SOLO_MAX)
        else:
            self.solo = SOLO_MIN


_helpers: _Helpers | None = None
_lock = threading.Lock()


def _pool(threads: int) -> _Helpers:
    """The helpers for ``threads`` threads in all (the caller's included; never more than
    :data:`MAX_BLOCKS`, the most blocks a product has), started on first use."""
    global _helpers
    count = min(max(int(threads), 1), MAX_BLOCKS) - 1
    with _lock:
        if _helpers is None or _helpers.count != count:
            if _helpers is not None:
                _helpers.stop()
            _helpers = _Helpers(count)
        return _helpers


def _forget_after_fork() -> None:
    # a forked child has the pool object but none of its threads, and the lock may have been
    # held by a thread that does not exist there
    global _helpers, _lock
    _helpers, _lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def splittable(a: Any, b: Any, out: Any = None) -> bool:
    """True when ``a @ b`` can be cut here: 2-D NumPy float32/float64 arrays of one dtype, and
    an ``out`` (if any) of that dtype, C-contiguous, of the result's shape and apart from ``a``
    and ``b`` (NumPy copies an overlapping operand first; blocks would read what others wrote)."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim != 2 or b.ndim != 2:
        return False
    if a.dtype != b.dtype or a.dtype.char not in "fd" or a.shape[1] != b.shape[0]:
        return False
    return out is None or (type(out) is np.ndarray and out.dtype == a.dtype
                           and out.shape == (a.shape[0], b.shape[1]) and out.flags.c_contiguous
                           and not np.may_share_memory(out, a) and not np.may_share_memory(out, b))


def matmul(a: np.ndarray, b: np.ndarray, threads: int, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` (into ``out`` when given) for arrays :func:`splittable` accepts, computed in the
    blocks :func:`cuts` gives on up to ``threads`` threads (the caller's included). The result
    does not depend on ``threads``. BLAS itself should be on one thread."""
    m, k = a.shape
    n = b.shape[1]
    axis, edges = cuts(m, n, k)
    if len(edges) == 2:
        return np.matmul(a, b, out=out) if out is not None else a @ b
    if out is None:
        out = np.empty((m, n), dtype=a.dtype)
    if axis:
        blocks = [_block(a, b[:, lo:hi], out[:, lo:hi]) for lo, hi in zip(edges, edges[1:])]
    else:
        blocks = [_block(a[lo:hi], b, out[lo:hi]) for lo, hi in zip(edges, edges[1:])]
    _pool(threads).run(blocks)
    return out


def _block(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> Callable[[], Any]:
    return lambda: np.matmul(a, b, out=out)


"""Big products cut into blocks by shape alone: same bits on any number of threads, the caller never waits for a helper that has not started."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tinygrad_rnn import blocks


@pytest.mark.parametrize("m,n,k", [(32, 1024, 256), (32, 2048, 512), (2048, 1024, 64), (1024, 256, 2048),
                                   (32, 256, 64), (100, 1000, 300), (3, 5000, 5000)])
def test_cuts_cover_the_result_in_aligned_blocks(m, n, k):
    axis, edges = blocks.cuts(m, n, k)
    size = (m, n)[axis]
    assert edges[0] == 0 and edges[-1] == size
    assert all(lo < hi for lo, hi in zip(edges, edges[1:]))               # no empty block
    assert all(e % blocks.ALIGN == 0 for e in edges[:-1])
    count = len(edges) - 1
    assert count <= blocks.MAX_BLOCKS
    if m * n * k < blocks.MIN_PRODUCT:
        assert count == 1                                                 # small: never cut
    assert blocks.cuts(m, n, k) == (axis, edges)                          # the shape alone decides


def test_an_lstm_step_product_at_h512_is_cut_along_its_columns_and_at_h256_not():
    axis, edges = blocks.cuts(32, 2048, 512)                              # h_{t-1} W_hhᵀ, B = 32
    assert axis == 1 and len(edges) - 1 >= 2
    assert len(blocks.cuts(32, 1024, 256)[1]) == 2                        # one block: a wake-up costs what it saves


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m,n,k", [(32, 2048, 512), (2048, 1024, 64), (1024, 256, 2048)])
def test_the_result_has_the_same_bits_on_any_number_of_threads(dtype, m, n, k):
    assert len(blocks.cuts(m, n, k)[1]) > 2                               # really cut
    rng = np.random.default_rng(m + n + k)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    first = blocks.matmul(a, b, threads=1)
    tol = 1e-4 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(first, a @ b, rtol=tol, atol=tol * np.sqrt(k))
    for threads in (2, 3, 1, 4, 2):
        for _ in range(3):
            np.testing.assert_array_equal(blocks.matmul(a, b, threads=threads), first)


def test_transposed_operands_and_out():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2048, 1024)).T                                # (1024, 2048), Fortran order
    b = rng.standard_normal((2048, 256))
    out = np.full((1024, 256), np.nan)
    assert blocks.splittable(a, b, out)
    got = blocks.matmul(a, b, threads=2, out=out)
    assert got is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-11, atol=1e-9)


def test_what_is_not_cut():
    f, d = np.ones((64, 64), np.float32), np.ones((64, 64))
    assert not blocks.splittable(f, d)                                     # mixed dtypes: NumPy's own rules
    assert not blocks.splittable(np.ones((4, 4), int), np.ones((4, 4), int))
    assert not blocks.splittable(np.ones((2, 4, 4)), np.ones((4, 4)))
    assert not blocks.splittable(d, d, out=np.ones((64, 64), np.float32))
    assert not blocks.splittable(d, d, out=np.ones((64, 128))[:, :64])     # strided out
    assert not blocks.splittable(d, d.copy(), out=d)                       # out is an operand
    small = blocks.matmul(d, d, threads=2)
    np.testing.assert_array_equal(small, d @ d)


def test_the_caller_does_every_block_when_no_helper_comes():
    order = []
    job = blocks._Job([lambda i=i: order.append(i) for i in range(5)])
    job.work()                                                             # no helper ever joins
    assert order == [0, 1, 2, 3, 4] and job.done.is_set()


def test_helpers_share_the_blocks():
    pool = blocks._Helpers(2)
    try:
        seen = set()
        lock = threading.Lock()

        def block():
            with lock:
                seen.add(threading.get_ident())
            np.ones((256, 256)) @ np.ones((256, 256))

        for _ in range(20):
            pool.run([block] * 16)
        assert threading.get_ident() in seen and len(seen) >= 2         # the caller works too, and a helper
    finally:
        pool.stop()


def _on_helper(pool, on_helper, blocks_after=2):
    """Run a job whose second block waits until a helper has taken it, so ``on_helper`` runs there."""
    taken = threading.Event()

    def first():
        taken.wait(timeout=10)

    def second():
        taken.set()
        on_helper()

    pool.solo_until = 0.0
    pool.run([first, second] + [lambda: None] * blocks_after)


def test_an_error_in_a_helpers_block_reaches_the_caller_and_the_pool_still_works():
    pool = blocks._Helpers(1)
    try:
        def bad():
            if threading.current_thread() is threading.main_thread():
                pytest.fail("the block meant for the helper ran on the caller")
            raise FloatingPointError("block on the helper")

        with pytest.raises(FloatingPointError, match="block on the helper"):
            _on_helper(pool, bad)
        done = []
        pool.run([lambda: done.append(1)] * 4)
        assert done == [1] * 4
    finally:
        pool.stop()


def test_helpers_take_the_callers_error_callback():
    pool = blocks._Helpers(1)
    calls = []
    try:
        with np.errstate(over="call", call=lambda kind, flag: calls.append(kind)):
            _on_helper(pool, lambda: np.exp(np.full(8, 1000.0)))
        assert calls == ["overflow"]
    finally:
        pool.stop()


def test_an_interrupt_in_a_block_cancels_the_blocks_not_started():
    ran = []

    def block(i):
        ran.append(i)
        if i == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        blocks._Helpers(0).run([lambda i=i: block(i) for i in range(6)])
    assert ran == [0, 1]


def test_a_job_without_blocks_is_done_at_once():
    job = blocks._Job([])
    job.work()
    assert job.done.is_set()


def test_a_finished_product_is_not_kept_alive_by_the_pool():
    import gc
    import weakref
    a = np.ones((32, 512), np.float32)
    b = np.ones((512, 2048), np.float32)
    out = blocks.matmul(a, b, threads=2)
    refs = [weakref.ref(x) for x in (a, b, out)]
    del a, b, out
    gc.collect()
    assert [r() for r in refs] == [None, None, None]


def test_at_most_max_blocks_threads_ever_run():
    try:
        assert blocks._pool(64).count == blocks.MAX_BLOCKS - 1
    finally:
        blocks._pool(2)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="os.fork: POSIX only")
def test_a_forked_child_computes_with_a_fresh_pool():
    import os
    a = np.ones((32, 512))
    b = np.ones((512, 2048))
    expected = blocks.matmul(a, b, threads=2)
    held = threading.Event()
    release = threading.Event()

    def hold_the_lock():                 # a thread of the parent holds the pool's lock while it forks
        with blocks._lock:
            held.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    held.wait(timeout=10)
    pid = os.fork()
    if pid == 0:                          # the child: would hang on the inherited, held lock
        try:
            ok = np.array_equal(blocks.matmul(a, b, threads=2), expected)
        finally:
            os._exit(0 if ok else 1)
    release.set()
    holder.join()
    import time as _time
    deadline = _time.time() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if _time.time() > deadline:
            os.kill(pid, 9)
            pytest.fail("the forked child hung")
        _time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_new_thread_count_replaces_the_helpers():
    blocks._pool(3)
    before = {t for t in threading.enumerate() if t.name.startswith("tinygrad_rnn-blocks")}
    assert blocks._pool(2).count == 1
    for t in before:
        t.join(timeout=5)
        assert not t.is_alive()                                             # the old ones ended


def test_helpers_run_under_the_callers_errstate():
    import warnings
    pool = blocks._Helpers(1)
    try:
        x = np.full((512, 512), -1000.0)
        ran_on = set()

        def block():
            ran_on.add(threading.get_ident())
            np.exp(-x)                                                      # overflows: warns by default
        with np.errstate(over="ignore"), warnings.catch_warnings():
            warnings.simplefilter("error")                                  # a warning in a block would raise
            for _ in range(30):
                pool.run([block] * 4)
        assert len(ran_on) == 2                                             # the helper took blocks too
    finally:
        pool.stop()


def test_the_caller_works_alone_for_a_while_when_sharing_did_not_pay(monkeypatch):
    monkeypatch.setattr(blocks, "SOLO_MIN", 30.0)                 # long holds: no timing window in the test
    monkeypatch.setattr(blocks, "SOLO_MAX", 480.0)
    pool = blocks._Helpers(1)
    try:
        ran_on = []
        helper_started = threading.Event()

        def block():
            on_caller = threading.current_thread() is threading.main_thread()
            ran_on.append(on_caller)
            if on_caller:
                helper_started.wait(timeout=5)               # quick, once the helper has its block
            else:
                helper_started.set()
                time.sleep(0.05)                             # a helper on a busy core: far slower

        pool.run([block, block])                            # shared: the caller waits ~50 ms for the helper
        assert ran_on.count(False) == 1 and pool.solo_until > time.perf_counter()
        ran_on.clear()
        helper_started.set()
        pool.run([block, block, block])                     # now alone: every block on the caller
        assert ran_on == [True, True, True]
        assert pool.solo == 2 * blocks.SOLO_MIN              # the next failure holds twice as long
        pool.note(worked=0.002, waited=0.001)                # sharing paid: back to the shortest hold
        assert pool.solo == blocks.SOLO_MIN
        for _ in range(12):
            pool.note(worked=0.001, waited=0.002, now=0.0)
        assert pool.solo == blocks.SOLO_MAX and pool.solo_until == blocks.SOLO_MAX   # capped
    finally:
        pool.stop()

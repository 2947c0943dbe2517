"""Training must not leak: graphs die with their loss, by reference counting alone.

A tiny tanh RNN (plain tensors, 5 steps unrolled) is trained for 2 000 iterations. The
number of live Tensor and Function objects and the process's resident memory are sampled
early and late; both must stay flat.
"""
from __future__ import annotations

import gc
import os
import resource
import sys
import weakref

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.tensor import Function


def _rss_bytes() -> int:
    """Current resident set size (Linux), else the peak, which also must stay flat."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def _live(cls: type) -> int:
    return sum(1 for o in gc.get_objects() if issubclass(type(o), cls))   # type(): no __getattr__ side effects


def test_training_loop_memory_is_flat() -> None:
    tg.manual_seed(0)
    B, I, H, T = 16, 3, 32, 5      # big enough that leaking even the arrays shows in RSS
    W_xh = tg.randn(I, H, requires_grad=True)
    W_hh = tg.randn(H, H, requires_grad=True)
    b = tg.zeros(H, requires_grad=True)
    W_hy = tg.randn(H, 1, requires_grad=True)
    params = [W_xh, W_hh, b, W_hy]
    xs = tg.randn(T, B, I)
    target = tg.randn(B, 1)

    samples: dict[int, tuple[int, int, int]] = {}
    early_loss: weakref.ref | None = None
    gc.collect()
    gc.disable()         # anything freed below is freed by reference counting, not the collector
    try:
        for it in range(1, 2001):
            h = tg.zeros(B, H)
            for t in range(T):
                h = (xs[t] @ W_xh + h @ W_hh + b).tanh()
            loss = ((h @ W_hy - target) ** 2).mean()
            loss.backward()
            with tg.no_grad():
                for p in params:
                    p.data -= 0.01 * p.grad.data
                    p.grad = None
            if it == 100:
                early_loss = weakref.ref(loss)
            if it in (500, 1000, 1500, 2000):
                samples[it] = (_live(tg.Tensor), _live(Function), _rss_bytes())
    finally:
        gc.enable()

    assert early_loss is not None and early_loss() is None, "an old graph is still alive"
    (t500, f500, rss500), (t2000, f2000, rss2000) = samples[500], samples[2000]
    assert t2000 <= t500 + 5 and f2000 <= f500 + 5, f"live objects grew: {samples}"
    assert t2000 < 200, f"{t2000} tensors alive for a 5-step RNN"
    assert rss2000 - rss500 < 20 * 2**20, f"RSS grew by {(rss2000 - rss500) / 2**20:.1f} MiB"
    assert np.isfinite(loss.item())


def test_graph_is_released_once_the_root_goes() -> None:
    """Nothing global (caches, the anomaly origin, hooks) holds on to a finished graph."""
    x = tg.randn(3, requires_grad=True)
    with tg.detect_anomaly(), tg.name_scope("step"):
        y = (x.tanh() * 2.0).sum()
    y.register_hook(lambda g: g)
    inner = weakref.ref(y._ctx.parents[0])
    y.backward()
    del y
    assert inner() is None


def test_backward_passes_each_gradient_on_as_soon_as_it_is_complete() -> None:
    # h_t = tanh(h_{t-1} Wᵀ): every step makes its own W.T node. Its gradient (as big as W) is
    # complete right after step t's matmul has reported, and must be added to W's total then,
    # not held until the walk has gone back through all earlier steps (T arrays of W's size).
    import tracemalloc
    n, T = 200, 60
    w = tg.randn(n, n, requires_grad=True) * 0.05
    w.retain_grad()
    h = tg.randn(1, n)
    for _ in range(T):
        h = (h @ w.T).tanh()
    loss = h.sum()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss.backward()
        extra = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    w_bytes = n * n * 4
    assert extra < 8 * w_bytes, f"backward held {extra / w_bytes:.1f} weight-sized arrays at once (T = {T})"

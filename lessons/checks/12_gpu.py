"""Checks for lesson 12's exercises (run with ``tinygrad-rnn check 12``)."""
import numpy as np

import tinygrad_rnn as tg


def check_count_ops(fn):
    a = tg.randn(2, 3, requires_grad=True)
    if fn(a) != 0:
        raise AssertionError(f"a leaf has no op behind it: expected 0, got {fn(a)}")
    y = a
    for _ in range(7):
        y = y * 2.0
    if fn(y) != 7:
        raise AssertionError(f"a chain of 7 multiplications should give 7, got {fn(y)}")
    b = a.tanh()                    # 1 op, used twice below
    z = (b + b).sum()               # + 2 ops: add, sum
    if fn(z) != 3:
        raise AssertionError(f"(b + b).sum() with b = a.tanh() has 3 ops (tanh counted once), got {fn(z)}")
    w = tg.randn(3, 3, requires_grad=True)
    h = tg.zeros(2, 3)
    for _ in range(4):              # 4 steps × (matmul, tanh); w.T is an op each time too
        h = (h @ w.T).tanh()
    got = fn(h)
    if got != 12:
        raise AssertionError(f"4 steps of h = tanh(h @ w.T) record 12 ops (transpose, matmul, tanh each), got {got}")


def check_crossover_hidden(fn):
    for n, t, B, F in ((20, 15e-6, 32, 2e10), (20, 5e-6, 256, 2e13), (12, 1e-6, 1, 1e9), (30, 20e-6, 64, 5e10)):
        got = fn(n, t, B, F)
        if not isinstance(got, (int, np.integer)):
            raise AssertionError(f"return a whole number, got {got!r}")
        fixed = n * t
        work = lambda H: 16 * B * H * H / F
        if got < 1 or work(got) < fixed:
            raise AssertionError(f"for {n} ops × {t * 1e6:g} µs, B = {B}, {F:.0e} flop/s: at H = {got} the "
                                 f"matrix work ({work(got):.3g} s) is still below the fixed price ({fixed:.3g} s)")
        if got > 1 and work(got - 1) >= fixed:
            raise AssertionError(f"for {n} ops × {t * 1e6:g} µs, B = {B}, {F:.0e} flop/s: H = {got - 1} is "
                                 f"already enough; you returned {got}")


def check_gru_step_pointwise(fn):
    tg.manual_seed(120)
    cell = tg.nn.GRUCell(4, 5).double()
    x = tg.randn(3, 4, dtype=tg.float64)
    h = tg.randn(3, 5, dtype=tg.float64)
    got = fn(cell, x, h)
    if not isinstance(got, tg.Tensor):
        raise AssertionError(f"return a Tensor, got {type(got).__name__}")
    want = cell(x, h)
    if tuple(got.shape) != tuple(want.shape):
        raise AssertionError(f"expected shape {tuple(want.shape)}, got {tuple(got.shape)}")
    if not np.allclose(got.numpy(), want.numpy(), atol=1e-12):
        raise AssertionError(f"differs from tg.nn.GRUCell by up to {np.abs(got.numpy() - want.numpy()).max():.3g}")
    got.sum().backward()
    mine = {n: p.grad.numpy().copy() for n, p in cell.named_parameters() if p.grad is not None}
    if len(mine) != 4:
        raise AssertionError("the gradient must reach all four parameters (use the cell's tensors, not .data)")
    cell.zero_grad()
    want.sum().backward()
    for n, p in cell.named_parameters():
        if not np.allclose(mine[n], p.grad.numpy(), atol=1e-10):
            raise AssertionError(f"the gradient of {n} differs from GRUCell's")
    if getattr(got._ctx, "name", None) != "gru_pointwise":
        raise AssertionError("the result should come straight out of GRUPointwise.apply")


CHECKS = [
    ("1. count the ops", "count_ops", check_count_ops,
     "keep a set of id(t._ctx); push every Tensor in t._ctx.parents; skip leaves (t._ctx is None)"),
    ("2. where matrix work takes over", "crossover_hidden", check_crossover_hidden,
     "H = ceil(sqrt(ops·seconds·F / (16·B))), then check H−1 and H against the inequality"),
    ("3. a GRU step with one pointwise op", "gru_step_pointwise", check_gru_step_pointwise,
     "gi = x @ cell.weight_ih.T + cell.bias_ih; gh = h @ cell.weight_hh.T + cell.bias_hh; GRUPointwise.apply(gi, gh, h)"),
]

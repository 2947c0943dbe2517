"""Checks for lesson 12's exercises (run with ``tinygrad-rnn check 12``).

Every run draws fresh graphs, cost models and sizes (the seed is printed; ``--seed`` repeats a
run). ``count_ops`` must be your own walk of the graph: it runs with a watch on tinygrad_rnn,
which says so if a library function (``tg.viz.build_graph``, ``backward``, ...) runs inside it;
reading attributes such as ``t._ctx`` and ``.parents`` is what it is for. ``crossover_hidden``
is ``math`` only.
"""
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import LibraryUsed, by_hand, rng, watching_libraries


def _own_walk(fn, root):
    """Run ``fn(root)``; fail if a library function (other than a Tensor's __dunder__) ran inside."""
    with watching_libraries() as seen:
        got = fn(root)
    used = [s for s in seen if not s.rsplit(".", 1)[-1].startswith("__")]
    if used:
        raise LibraryUsed(f"caught: count_ops() called {used[0]}. This exercise is the graph walk itself: follow "
                          f"t._ctx and t._ctx.parents with your own loop, without tinygrad_rnn's functions")
    return got


def _reference_count(root):
    seen, todo = set(), [root]
    while todo:
        t = todo.pop()
        if t._ctx is None or id(t._ctx) in seen:
            continue
        seen.add(id(t._ctx))
        todo.extend(p for p in t._ctx.parents if isinstance(p, tg.Tensor))
    return len(seen)


def _random_graph(r):
    """A random graph of elementwise ops in which some results are used two or three times."""
    shape = (int(r.integers(1, 4)), int(r.integers(1, 4)))
    pool = [tg.randn(*shape, requires_grad=True) for _ in range(int(r.integers(1, 4)))]
    ops = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b,
           lambda a, b: a.tanh(), lambda a, b: a.sigmoid(), lambda a, b: a * 0.5]
    for _ in range(int(r.integers(4, 25))):
        # prefer recent results, so that long chains and re-used nodes both occur
        a = pool[max(0, len(pool) - 1 - int(r.geometric(0.5)) + 1)]
        b = pool[int(r.integers(len(pool)))]
        pool.append(ops[int(r.integers(len(ops)))](a, b))
    return pool[-1]


def check_count_ops(fn):
    a = tg.randn(2, 3, requires_grad=True)
    if _own_walk(fn, a) != 0:
        raise AssertionError(f"a leaf has no op behind it: expected 0, got {fn(a)}")
    b = a.tanh()                    # 1 op, used twice below
    z = (b + b).sum()
    if _own_walk(fn, z) != 3:
        raise AssertionError(f"(b + b).sum() with b = a.tanh() has 3 ops (tanh counted once), got {fn(z)}")
    r = rng()
    for k in range(6):
        root = _random_graph(r)
        want, got = _reference_count(root), _own_walk(fn, root)
        if got != want:
            raise AssertionError(f"on a random graph (number {k + 1} of this run) you counted {got} ops, it has "
                                 f"{want} distinct ones{'; an op reached twice counts once' if got > want else ''}")
    w = tg.randn(3, 3, requires_grad=True)
    h = tg.zeros(2, 3)
    steps = int(r.integers(2, 9))
    for _ in range(steps):          # steps × (transpose, matmul, tanh)
        h = (h @ w.T).tanh()
    got = _own_walk(fn, h)
    if got != 3 * steps:
        raise AssertionError(f"{steps} steps of h = tanh(h @ w.T) record {3 * steps} ops (transpose, matmul, tanh "
                             f"each), got {got}")


def check_crossover_hidden(fn):
    r = rng()
    for _ in range(6):
        n, t = int(r.integers(5, 60)), float(10 ** r.uniform(-6.5, -4.5))
        B, F = int(r.integers(1, 512)), float(10 ** r.uniform(9, 13.5))
        got = by_hand(fn, n, t, B, F, what="math only")
        if not isinstance(got, (int, np.integer)):
            raise AssertionError(f"return a whole number, got {got!r}")
        fixed = n * t
        work = lambda H: 16 * B * H * H / F
        setting = f"for {n} ops × {t * 1e6:.3g} µs, B = {B}, {F:.3g} flop/s"
        if got < 1 or work(got) < fixed:
            raise AssertionError(f"{setting}: at H = {got} the matrix work ({work(got):.3g} s) is still below the "
                                 f"fixed price ({fixed:.3g} s)")
        if got > 1 and work(got - 1) >= fixed:
            raise AssertionError(f"{setting}: H = {got - 1} is already enough; you returned {got}")


def check_gru_step_pointwise(fn):
    r = rng()
    tg.manual_seed(int(r.integers(2**31)))
    B, I, H = int(r.integers(1, 5)), int(r.integers(1, 6)), int(r.integers(2, 7))
    cell = tg.nn.GRUCell(I, H).double()
    x = tg.randn(B, I, dtype=tg.float64)
    h = tg.randn(B, H, dtype=tg.float64)
    got = fn(cell, x, h)
    if not isinstance(got, tg.Tensor):
        raise AssertionError(f"return a Tensor, got {type(got).__name__}")
    want = cell(x, h)
    if tuple(got.shape) != tuple(want.shape):
        raise AssertionError(f"expected shape {tuple(want.shape)}, got {tuple(got.shape)}")
    if not np.allclose(got.numpy(), want.numpy(), atol=1e-12):
        raise AssertionError(f"differs from tg.nn.GRUCell by up to {np.abs(got.numpy() - want.numpy()).max():.3g} "
                             f"(B = {B}, I = {I}, H = {H})")
    if getattr(got._ctx, "name", None) != "gru_pointwise":
        raise AssertionError("the result should come straight out of GRUPointwise.apply (one op for the whole "
                             "pointwise part), not from the cell's own step")
    got.sum().backward()
    mine = {n: p.grad.numpy().copy() for n, p in cell.named_parameters() if p.grad is not None}
    if len(mine) != 4:
        raise AssertionError("the gradient must reach all four parameters (use the cell's tensors, not .data)")
    cell.zero_grad()
    want.sum().backward()
    for n, p in cell.named_parameters():
        if not np.allclose(mine[n], p.grad.numpy(), atol=1e-10):
            raise AssertionError(f"the gradient of {n} differs from GRUCell's")


CHECKS = [
    ("1. count the ops", "count_ops", check_count_ops, [
        "keep a list of tensors still to visit, starting with root, and a set of the ops already counted",
        "a tensor's op is t._ctx (None for a leaf); its inputs are t._ctx.parents, some of them plain numbers",
        "count an op only the first time you meet it: remember id(t._ctx), not the tensor",
    ]),
    ("2. where matrix work takes over", "crossover_hidden", check_crossover_hidden, [
        "write the inequality 16·B·H² / F ≥ n·t and solve it for H",
        "the solution is a square root; H must be a whole number at least that large (math.ceil)",
        "floating-point rounding can put the square root a hair off: test H − 1 and H in the inequality itself",
    ]),
    ("3. a GRU step with one pointwise op", "gru_step_pointwise", check_gru_step_pointwise, [
        "GRUPointwise needs the two pre-activations: one from x and the input weights, one from h and the "
        "hidden weights, each with its own bias",
        "x @ W.T + b has shape (B, 3H) for W of shape (3H, I); then one call of GRUPointwise.apply",
    ]),
]

"""Checks for lesson 2's exercises (run with ``tinygrad-rnn check 2``).

The expected answers come from the library itself: broadcast an input in a real
tinygrad_rnn expression and read its ``.grad``.
"""
import numpy as np

import tinygrad_rnn as tg


def _library_broadcast_grad(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """∂L/∂b for L = Σ(grad ⊙ (b + 0·zeros(grad.shape))): the library sums it back."""
    b = tg.tensor(np.zeros(shape), dtype=tg.float64, requires_grad=True)
    y = b + tg.zeros(*grad.shape, dtype=tg.float64)
    (y * tg.tensor(grad, dtype=tg.float64)).sum().backward()
    return b.grad.numpy()


def check_sum_to_shape(fn):
    rng = np.random.default_rng(7)
    for big, small in [((4, 3), (3,)), ((4, 3), (1, 3)), ((4, 3), (4, 1)), ((2, 4, 3), (4, 1)),
                       ((2, 4, 3), ()), ((5, 2), (5, 2))]:
        grad = rng.standard_normal(big)
        got = fn(grad.copy(), small)
        got = np.asarray(got)
        if got.shape != small:
            raise AssertionError(f"for a gradient of shape {big} and an input of shape {small} you returned "
                                 f"shape {got.shape}")
        want = _library_broadcast_grad(grad, small)
        if not np.allclose(got, want):
            raise AssertionError(f"for a gradient of shape {big} reduced to {small} the values are wrong "
                                 f"(largest error {np.abs(got - want).max():.3g})")


def check_numeric_grad(fn):
    rng = np.random.default_rng(8)
    x_np = rng.standard_normal((3, 2))
    w_np = rng.standard_normal((3, 2))

    def f(a):
        return float(np.sum(np.tanh(a) * w_np) + np.sum(a ** 3))

    before = x_np.copy()
    got = np.asarray(fn(f, x_np))
    if not np.array_equal(x_np, before):
        raise AssertionError("numeric_grad changed the caller's x; nudge a copy and restore each element")
    if got.shape != x_np.shape:
        raise AssertionError(f"the gradient should have x's shape {x_np.shape}, got {got.shape}")
    x = tg.tensor(x_np, dtype=tg.float64, requires_grad=True)
    ((x.tanh() * tg.tensor(w_np, dtype=tg.float64)).sum() + (x * x * x).sum()).backward()
    want = x.grad.numpy()
    if not np.allclose(got, want, atol=1e-6):
        raise AssertionError(f"your numeric gradient differs from the true one by up to {np.abs(got - want).max():.3g}")


CHECKS = [
    ("1. sum a broadcast gradient back to its shape", "sum_to_shape", check_sum_to_shape,
     "grad.sum(axis=tuple(range(grad.ndim - len(shape)))) first; then for each axis with shape[axis] == 1, "
     "sum with keepdims=True"),
    ("2. central-difference gradient of an array", "numeric_grad", check_numeric_grad,
     "copy x as float64, then for idx in np.ndindex(x.shape): set x[idx] ± eps, call fn, restore x[idx]"),
]

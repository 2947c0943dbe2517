"""Exercises for lesson 2: tensors and reverse mode.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 2``.
Both functions work on plain NumPy arrays.
"""
import numpy as np  # noqa: F401  (you will need it)


def sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Reduce the gradient of a broadcast result back to the shape of the input.

    ``grad`` has the broadcast shape (for example (4, 3)); ``shape`` is the input's shape
    (for example (3,), (1, 3) or (4, 1)). Sum over the leading axes that ``shape`` does not
    have, then over every axis where ``shape`` has size 1 but ``grad`` does not (keep those
    axes, with size 1). Return an array of exactly ``shape``.
    Example: grad of shape (2, 4, 3) and shape (4, 1) → sum over axis 0, then over the last
    axis with keepdims → shape (4, 1).
    """
    # TODO: sum the extra leading axes, then the size-1 axes (keepdims=True)
    raise NotImplementedError


def numeric_grad(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The gradient of a scalar function ``fn(x) -> float`` by central differences.

    Return an array ``g`` of x's shape with g[idx] = (fn(x + eps·e_idx) − fn(x − eps·e_idx)) / (2·eps),
    where e_idx is 1 at idx and 0 elsewhere. Do not change the caller's ``x``: work on a
    float64 copy. ``np.ndindex(x.shape)`` visits every index.
    """
    # TODO: loop over the elements, nudge one at a time, restore it afterwards
    raise NotImplementedError

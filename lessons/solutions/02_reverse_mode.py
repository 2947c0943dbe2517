"""Solutions to lesson 2's exercises (try them yourself first)."""
import numpy as np


def sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Reduce the gradient of a broadcast result back to the shape of the input."""
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead)))            # axes the input never had
    for axis, n in enumerate(shape):                     # axes the input had with size 1
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad.reshape(shape)


def numeric_grad(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The gradient of a scalar function ``fn(x) -> float`` by central differences."""
    x = np.array(x, dtype=np.float64)                    # a copy: the caller's array stays as it was
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        plus = fn(x)
        x[idx] = orig - eps
        minus = fn(x)
        x[idx] = orig
        g[idx] = (plus - minus) / (2 * eps)
    return g

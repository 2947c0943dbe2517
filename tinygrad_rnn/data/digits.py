"""Handwritten digits, 8×8 pixels, read by a recurrent net one row per step.

The data are scikit-learn's bundled copy of the UCI optical digits (1,797 images, values
0–16), so nothing is downloaded; scikit-learn is an optional dependency. Each image becomes
a sequence of 8 steps of 8 pixels scaled to [0, 1]: a small, fast sequence classification
task to try a cell on before MNIST.
"""
from __future__ import annotations

import numpy as np

from ..errors import ArgumentError, MissingDependencyError


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: x (N, 8, 8) float32 in [0, 1] (rows are time
    steps), y (N,) int64 labels 0–9.

    The split is fixed: a permutation drawn from ``seed`` (0 by default), the last
    ``test_fraction`` of it is the test set — the same images on every machine.
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits  # noqa: PLC0415 (optional)
    except ImportError:
        raise MissingDependencyError("load_digits needs scikit-learn, which ships the 8x8 digits: "
                                     "pip install scikit-learn (or the extra: "
                                     "pip install tinygrad_rnn[digits])") from None
    if not 0 < test_fraction < 1:
        raise ArgumentError(f"load_digits: test_fraction must be in (0, 1), got {test_fraction}")
    bunch = _sk_load_digits()
    x = (np.asarray(bunch.images, dtype=np.float64) / 16.0).astype(np.float32)
    y = np.asarray(bunch.target, dtype=np.int64)
    if x.ndim != 3 or x.shape[1:] != (8, 8) or len(y) != len(x):
        raise ArgumentError(f"load_digits: scikit-learn returned images of shape {x.shape} and "
                         f"{len(y)} labels; expected (N, 8, 8) and N")
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    train, test = order[:len(x) - n_test], order[len(x) - n_test:]
    return x[train], y[train], x[test], y[test]

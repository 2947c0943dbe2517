"""The copy task: read k symbols, wait through a long blank stretch, then write them back.

A pure memory test (Hochreiter & Schmidhuber 1997 §5 in spirit; this layout is the one
Arjovsky, Shah & Bengio 2016 made popular). With classes 0 = blank, 1…n = symbols,
n + 1 = delimiter, a sequence of length k + lag + k is::

    input:   s₁ … s_k   0 … 0 (lag − 1 blanks)   delim   0 … 0 (k blanks)
    target:  0  … 0     0 … 0                    0       s₁ … s_k

The net must output blank until it sees the delimiter and then recall s₁ … s_k. Inputs are
one-hot (n + 2 channels); targets are class indices for ``cross_entropy``. A net with no
memory can do no better than always blank, then a uniform guess over the n symbols: its
cross-entropy is k·ln(n) / (2k + lag) per step (:func:`copy_baseline`).
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import ArgumentError
from . import Seed, as_generator, check_count

BLANK = 0


def copy_task(n: int, k: int = 10, lag: int = 50, n_symbols: int = 8,
              seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """``inputs`` (n, 2k + lag, n_symbols + 2) float32 one-hot, ``targets`` (n, 2k + lag) int64."""
    n, k, lag, n_symbols = (check_count("copy_task", name, value) for name, value in
                            (("n", n), ("k", k), ("lag", lag), ("n_symbols", n_symbols)))
    rng = as_generator(seed, "copy_task")
    length = 2 * k + lag
    delimiter = n_symbols + 1
    symbols = rng.integers(1, n_symbols + 1, size=(n, k))
    ids = np.full((n, length), BLANK, dtype=np.int64)
    ids[:, :k] = symbols
    ids[:, k + lag - 1] = delimiter
    targets = np.full((n, length), BLANK, dtype=np.int64)
    targets[:, k + lag:] = symbols
    inputs = np.eye(n_symbols + 2, dtype=np.float32)[ids]
    return inputs, targets


def copy_baseline(k: int = 10, lag: int = 50, n_symbols: int = 8) -> float:
    """Mean cross-entropy per step (nats) of the best memoryless answer."""
    return k * math.log(n_symbols) / (2 * k + lag)


def copy_accuracy(predictions: np.ndarray, targets: np.ndarray, k: int) -> float:
    """Fraction of recalled symbols that are right: compares the last ``k`` steps only.

    predictions: (n, L) class indices (e.g. ``logits.argmax(-1)``) or (n, L, C) scores.
    """
    predictions = np.asarray(predictions)
    if predictions.ndim == 3:
        predictions = predictions.argmax(axis=-1)
    if predictions.shape != targets.shape:
        raise ArgumentError(f"copy_accuracy: predictions {predictions.shape} and targets {targets.shape} differ")
    return float(np.mean(predictions[:, -k:] == targets[:, -k:]))

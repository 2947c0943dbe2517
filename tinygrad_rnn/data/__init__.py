"""Tasks and data sets, all offline: generators for the classic long-lag benchmarks and
loaders for files a user already has. Everything returns NumPy arrays (float32 inputs),
takes a seed or a ``numpy.random.Generator``, and gives the same data for the same seed.

* :mod:`.adding` — the adding problem (Hochreiter & Schmidhuber 1997, and the common variant)
* :mod:`.reber` — the embedded Reber grammar (1997, experiment 1)
* :mod:`.copy_task` — remember a few symbols across a long blank stretch
* :mod:`.digits` — 8×8 handwritten digits read row by row (needs scikit-learn)
* :mod:`.mnist` — MNIST from the standard IDX files in a folder of yours
* :mod:`.text` — a character corpus for language modelling, with n-gram baselines
"""
from __future__ import annotations

from typing import Any, Union

import numpy as np

from ..arguments import describe, size
from ..errors import ArgumentError, ArgumentTypeError

Seed = Union[int, np.random.Generator, None]


def as_generator(seed: Seed, who: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` from an int seed (or the generator itself); ``who`` names
    the caller in the error message."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ArgumentTypeError(f"{who}: seed must be an int or a numpy.random.Generator, got {describe(seed)}")
    if seed is not None and seed < 0:
        raise ArgumentError(f"{who}: seed must be >= 0, got {seed}")
    return np.random.default_rng(seed)


def check_count(who: str, name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int of at least ``minimum``, or a clear error naming ``who`` and ``name``."""
    return size(value, name, who, minimum=minimum)


def pad_sequences(seqs: list[np.ndarray], value: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of different lengths, (Lᵢ, …) each, into (N, max L, …) padded at the
    end with ``value``; also return the lengths (N,) int64."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    out = np.full((len(seqs), int(lengths.max(initial=0))) + seqs[0].shape[1:], value, dtype=seqs[0].dtype)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = s
    return out, lengths

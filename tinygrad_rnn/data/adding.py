"""The adding problem: two numbers, marked somewhere in a long sequence, must be summed.

The net reads a pair per step: (value, marker). Only the two values whose marker is 1
matter; the target, given after the last step, is their sum. Nothing in between hints at
the answer, so the first mark has to be held in memory for about T/2 steps or more.

Two versions:

* :func:`adding_1997` — exactly Hochreiter & Schmidhuber's experiment 4 (Neural Computation
  1997, §5.4): values uniform in [−1, 1]; markers −1 on the first and the last pair, 0
  elsewhere except the two marks; length a random integer in [T, T + T/10]; the first mark
  uniformly among the first 10 pairs, the second uniformly among the first T/2 − 1 pairs
  that are still unmarked; target 0.5 + (X1 + X2)/4 (the sum mapped into [0, 1]). A
  sequence counts as correct when |output − target| < 0.04 (:func:`adding_1997_accuracy`).
* :func:`adding_problem` — the simplified task most later papers use: fixed length T,
  values uniform in [0, 1], a 0/1 marker channel with exactly two 1s (one in each half),
  target X1 + X2, trained with mean squared error. Predicting the constant 1 gives MSE ≈ 1/6,
  the baseline a model must beat.
"""
from __future__ import annotations

import numpy as np

from ..errors import ArgumentError
from . import Seed, as_generator, check_count, pad_sequences

CORRECT_ERROR_1997 = 0.04   # |error| below this is a correct answer in the 1997 paper


def adding_1997_sequence(T: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """One sequence of experiment 4: pairs (L, 2) float32 with T ≤ L ≤ T + T//10, and its target."""
    if T < 20:
        raise ArgumentError(f"adding_1997: T must be at least 20 (the marks need the first 10 and the "
                         f"first T/2 - 1 pairs), got {T}")
    length = int(rng.integers(T, T + T // 10 + 1))
    values = rng.uniform(-1.0, 1.0, size=length).astype(np.float32)   # the values the net sees
    markers = np.zeros(length, dtype=np.float32)
    markers[0] = markers[-1] = -1.0
    first = int(rng.integers(0, 10))
    # "the first T/2 − 1 still unmarked pairs": positions 0, 1, … skipping the first mark
    unmarked = [i for i in range(T // 2) if i != first][:T // 2 - 1]
    second = int(rng.choice(unmarked))
    for i in (first, second):
        markers[i] = 1.0
    # the paper: "in the rare case where the first pair of the sequence gets marked, we set
    # X1 to zero"; we zero the value itself, so the input and the target agree
    if 0 in (first, second):
        values[0] = 0.0
    target = 0.5 + (float(values[first]) + float(values[second])) / 4.0
    return np.stack([values, markers], axis=1).astype(np.float32), float(target)


def adding_1997(n: int, T: int = 100, seed: Seed = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` sequences of experiment 4, padded with zeros at the end.

    Returns ``inputs`` (n, L_max, 2) float32, ``targets`` (n, 1) float32 and ``lengths`` (n,)
    int64. The answer is read from a model's output at step ``lengths[i] - 1`` (the padding
    after it must not be fed to the model, or must be masked). The paper used T ∈ {100, 500, 1000}.
    """
    n, T = check_count("adding_1997", "n", n), check_count("adding_1997", "T", T, 20)
    rng = as_generator(seed, "adding_1997")
    seqs, targets = zip(*(adding_1997_sequence(T, rng) for _ in range(n)))
    inputs, lengths = pad_sequences(list(seqs))
    return inputs, np.asarray(targets, dtype=np.float32).reshape(n, 1), lengths


def adding_1997_accuracy(outputs: np.ndarray, targets: np.ndarray) -> float:
    """The 1997 criterion: the fraction of sequences with |output − target| < 0.04."""
    outputs, targets = np.asarray(outputs, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if outputs.shape != targets.shape:
        raise ArgumentError(f"adding_1997_accuracy: outputs {outputs.shape} and targets {targets.shape} differ in shape")
    return float(np.mean(np.abs(outputs - targets) < CORRECT_ERROR_1997))


def adding_problem(n: int, T: int = 50, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """The common simplified adding problem: ``inputs`` (n, T, 2) float32, ``targets`` (n, 1) float32.

    Channel 0 holds values uniform in [0, 1]; channel 1 is 1 at exactly two steps (one
    uniformly in the first half, one in the second) and 0 elsewhere. The target is the sum
    of the two marked values.
    """
    n, T = check_count("adding_problem", "n", n), check_count("adding_problem", "T", T, 2)
    rng = as_generator(seed, "adding_problem")
    values = rng.uniform(0.0, 1.0, size=(n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    inputs = np.stack([values, markers], axis=2).astype(np.float32)
    return inputs, targets.astype(np.float32).reshape(n, 1)

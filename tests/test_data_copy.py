"""The copy task: layout, targets, accuracy, and the memoryless baseline."""
import math

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.data.copy_task import copy_accuracy, copy_baseline, copy_task


def test_layout():
    k, lag, n_sym = 4, 7, 5
    x, y = copy_task(20, k=k, lag=lag, n_symbols=n_sym, seed=0)
    L = 2 * k + lag
    assert x.shape == (20, L, n_sym + 2) and x.dtype == np.float32
    assert y.shape == (20, L) and y.dtype == np.int64
    assert np.all(x.sum(axis=2) == 1)                                # one-hot
    ids = x.argmax(axis=2)
    assert np.all((ids[:, :k] >= 1) & (ids[:, :k] <= n_sym))         # symbols first
    assert np.all(ids[:, k:k + lag - 1] == 0)                        # then blanks
    assert np.all(ids[:, k + lag - 1] == n_sym + 1)                  # the delimiter
    assert np.all(ids[:, k + lag:] == 0)
    assert np.all(y[:, :k + lag] == 0)
    np.testing.assert_array_equal(y[:, k + lag:], ids[:, :k])         # recall the symbols
    np.testing.assert_array_equal(copy_task(3, seed=5)[0], copy_task(3, seed=5)[0])
    with pytest.raises(ValueError, match="lag"):
        copy_task(2, lag=0)


def test_accuracy_and_baseline():
    k, lag, n_sym = 3, 5, 4
    x, y = copy_task(50, k=k, lag=lag, n_symbols=n_sym, seed=1)
    assert copy_accuracy(y, y, k) == 1.0
    wrong = y.copy()
    wrong[:, -1] = 0
    assert copy_accuracy(wrong, y, k) == pytest.approx(2 / 3)
    # the best memoryless model: certain blank, then uniform over the symbols
    L = 2 * k + lag
    logits = np.zeros((50, L, n_sym + 2))
    logits[:, :k + lag, 0] = 1e4
    logits[:, k + lag:, 0] = logits[:, k + lag:, n_sym + 1] = -1e4
    ce = tg.nn.cross_entropy(tg.Tensor(logits.reshape(-1, n_sym + 2)), y.reshape(-1)).item()
    assert ce == pytest.approx(copy_baseline(k, lag, n_sym), rel=1e-9)
    assert copy_baseline(10, 50, 8) == pytest.approx(10 * math.log(8) / 70)

"""The adding problem: the 1997 definition rule by rule, and the simplified variant."""
import numpy as np
import pytest

from tinygrad_rnn.data.adding import (adding_1997, adding_1997_accuracy, adding_1997_sequence,
                                      adding_problem)


def test_1997_sequences_follow_every_rule():
    T, n = 100, 400
    x, y, lengths = adding_1997(n, T, seed=0)
    assert x.dtype == np.float32 and y.dtype == np.float32 and lengths.dtype == np.int64
    assert x.shape == (n, lengths.max(), 2) and y.shape == (n, 1)
    assert lengths.min() >= T and lengths.max() <= T + T // 10
    assert len(set(lengths.tolist())) > 5                        # the length really varies
    later_marks = []
    for i in range(n):
        L = lengths[i]
        vals, marks = x[i, :L, 0], x[i, :L, 1]
        assert np.all(x[i, L:] == 0)                              # padding after the end
        assert np.all((vals >= -1) & (vals <= 1))
        ones = np.flatnonzero(marks == 1.0)
        assert len(ones) == 2
        assert ones[0] < 10                                       # one mark among the first ten
        assert ones[1] < T // 2                                   # both among the first T/2 - 1 unmarked
        later_marks.append(ones[1])
        for end in (0, L - 1):                                    # -1 on the first and last pair
            assert marks[end] == -1.0 or end in ones
        others = np.setdiff1d(np.arange(L), np.concatenate([ones, [0, L - 1]]))
        assert np.all(marks[others] == 0)
        if 0 in ones:
            assert vals[0] == 0.0                                 # "we set X1 to zero"
        assert y[i, 0] == pytest.approx(0.5 + (vals[ones[0]] + vals[ones[1]]) / 4.0, abs=1e-7)
    assert max(later_marks) == T // 2 - 1                         # the whole allowed range is used
    assert np.all((y >= 0) & (y <= 1))


def test_1997_first_pair_marked_has_zero_value():
    rng = np.random.default_rng(0)
    seen = 0
    for _ in range(300):
        seq, target = adding_1997_sequence(40, rng)
        if seq[0, 1] == 1.0:
            seen += 1
            assert seq[0, 0] == 0.0
            other = np.flatnonzero(seq[:, 1] == 1.0)[1]
            assert target == pytest.approx(0.5 + seq[other, 0] / 4.0, abs=1e-7)
    assert seen > 0


def test_1997_seed_determinism_and_errors():
    a = adding_1997(5, 50, seed=3)
    b = adding_1997(5, 50, seed=np.random.default_rng(3))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    c = adding_1997(5, 50, seed=4)
    assert not np.array_equal(a[2], c[2]) or not np.array_equal(a[1], c[1])
    with pytest.raises(ValueError, match="T must be an int of at least 20"):
        adding_1997(2, 10)


def test_1997_accuracy_criterion():
    targets = np.array([[0.5], [0.2], [0.9], [0.7]])
    outputs = np.array([[0.53], [0.25], [0.9], [0.6601]])    # errors 0.03, 0.05, 0, 0.0399
    assert adding_1997_accuracy(outputs, targets) == 0.75
    with pytest.raises(ValueError, match="shape"):
        adding_1997_accuracy(outputs[:2], targets)


def test_simplified_variant():
    x, y = adding_problem(200, T=30, seed=1)
    assert x.shape == (200, 30, 2) and y.shape == (200, 1) and x.dtype == y.dtype == np.float32
    assert np.all((x[..., 0] >= 0) & (x[..., 0] <= 1))
    marks = x[..., 1]
    assert set(np.unique(marks)) == {0.0, 1.0}
    assert np.all(marks.sum(axis=1) == 2)
    assert np.all(marks[:, :15].sum(axis=1) == 1) and np.all(marks[:, 15:].sum(axis=1) == 1)
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * marks).sum(axis=1), rtol=1e-6)
    np.testing.assert_array_equal(adding_problem(3, 10, seed=7)[0], adding_problem(3, 10, seed=7)[0])

"""Checks for lesson 8's exercises (run with ``tinygrad-rnn check 8``).

Every run draws fresh inputs (the seed is printed; ``--seed`` repeats a run). Both exercises
are NumPy only: they run with a watch on tinygrad_rnn, which says so if it is used inside them.
"""
import numpy as np

from tinygrad_rnn.data import adding
from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng


def check_adding_target(fn):
    r = rng()
    T = int(r.integers(20, 60))
    x, y, n = adding.adding_1997(12, T=T, seed=int(r.integers(2**31)))
    for b in range(len(n)):
        pairs = x[b, :n[b]].copy()
        got = by_hand(fn, pairs)
        if np.asarray(got).size != 1:
            raise AssertionError(f"expected one number, got an array of shape {np.asarray(got).shape}")
        if abs(float(got) - float(y[b, 0])) > 1e-6:
            marks = np.flatnonzero(pairs[:, 1] == 1.0).tolist()
            raise AssertionError(f"for a sequence of {len(pairs)} pairs with marks at steps {marks} you returned "
                                 f"{float(got):.5f}, the data set's target is {y[b, 0]:.5f}")


def check_masked_step_mean(fn):
    r = rng()
    N, L, K = int(r.integers(2, 7)), int(r.integers(3, 9)), int(r.integers(1, 5))
    lengths = r.integers(1, L + 1, size=N)
    lengths[int(r.integers(N))] = L                     # one sequence fills the whole padded length
    per_step = r.random((N, L, K))
    padded = per_step.copy()
    for b, n in enumerate(lengths):
        padded[b, n:] = 1e6                             # padding garbage that must not count
    got = by_hand(fn, padded.copy(), lengths.copy())
    want = np.mean(np.concatenate([per_step[b, :n].ravel() for b, n in enumerate(lengths)]))
    if np.asarray(got).size == 1 and float(got) > 1e3:
        raise AssertionError(f"the padded steps leaked into your mean (they hold 1e6 here); "
                             f"lengths {lengths.tolist()}, L = {L}")
    assert_close("the masked mean", got, want, {"shape (N, L, K)": (N, L, K), "lengths": lengths})


CHECKS = [
    ("the adding target", "adding_target", check_adding_target, [
        "column 1 tells you which values count; the −1 markers at both ends are not marks",
        "select the values in column 0 where column 1 equals 1 (a boolean mask), then add them",
        "the target maps the sum of the two marked values from [−2, 2] into [0, 1]: 0.5 + sum / 4",
    ]),
    ("a mean over real steps", "masked_step_mean", check_masked_step_mean, [
        "build a (N, L) table of True/False that says which steps are real",
        "compare np.arange(L) with the lengths, broadcast to (N, L); indexing per_step with that "
        "mask keeps the real (n, t) rows",
        "the count is the number of real steps times K, not N·L·K",
    ]),
]

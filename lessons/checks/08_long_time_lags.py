"""Checks for lesson 8's exercises (run with ``tinygrad-rnn check 8``)."""
import numpy as np

from tinygrad_rnn.data import adding


def check_adding_target(fn):
    x, y, n = adding.adding_1997(20, T=30, seed=80)
    for b in range(20):
        pairs = x[b, :n[b]].copy()
        got = fn(pairs)
        if not np.isscalar(got) and np.asarray(got).size != 1:
            raise AssertionError(f"expected one number, got an array of shape {np.asarray(got).shape}")
        if abs(float(got) - float(y[b, 0])) > 1e-6:
            marks = np.flatnonzero(pairs[:, 1] == 1.0).tolist()
            raise AssertionError(f"for a sequence with marks at steps {marks} you returned {float(got):.5f}, "
                                 f"the data set's target is {y[b, 0]:.5f} (remember the markers -1 at both ends "
                                 f"are not marks)")


def check_masked_step_mean(fn):
    rng = np.random.default_rng(81)
    per_step = rng.random((4, 6, 3))
    lengths = np.array([6, 2, 4, 1])
    padded = per_step.copy()
    for b, n in enumerate(lengths):
        padded[b, n:] = 1e6          # padding garbage that must not count
    got = float(fn(padded.copy(), lengths.copy()))
    want = np.mean(np.concatenate([per_step[b, :n].ravel() for b, n in enumerate(lengths)]))
    if abs(got - want) > 1e-10:
        if got > 1e3:
            raise AssertionError("the padded steps leaked into your mean (they hold 1e6 here)")
        raise AssertionError(f"expected {want:.6f}, got {got:.6f}; divide by the number of real entries "
                             f"(real steps times K outputs), not by N*L*K")


CHECKS = [
    ("the adding target", "adding_target", check_adding_target,
     "values = pairs[:, 0][pairs[:, 1] == 1]; then 0.5 + values.sum() / 4"),
    ("a mean over real steps", "masked_step_mean", check_masked_step_mean,
     "mask = np.arange(L)[None, :] < lengths[:, None]; per_step[mask] keeps the real (n, t) rows"),
]

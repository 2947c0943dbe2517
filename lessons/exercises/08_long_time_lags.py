"""Exercises for lesson 8: long time lags.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 8``.
Both are NumPy only. The check runs each function on fresh random inputs, with tinygrad_rnn watched: it says so if
the library is used inside one of them.
"""
import numpy as np  # noqa: F401  (you will need it)


def adding_target(pairs) -> float:
    """The 1997 adding problem's target for one sequence.

    pairs: (L, 2) array; column 0 holds the values, column 1 the markers (−1 on the first
    and last pair, 1 on exactly two pairs, 0 elsewhere). Return 0.5 + (X1 + X2) / 4 where
    X1 and X2 are the two values whose marker is 1, as a Python float.
    """
    # TODO: pick the values whose marker equals 1, add them, map the sum into [0, 1]
    raise NotImplementedError


def masked_step_mean(per_step, lengths) -> float:
    """The mean of ``per_step`` over the real steps of each sequence only.

    per_step: (N, L, K) numbers (a loss per sequence, step and output); lengths: (N,) ints,
    sequence n is real for steps 0 .. lengths[n]-1 and padding after that. Return the mean
    over all real (n, t, k) entries — padded steps count neither in the sum nor in the count.
    """
    # TODO: a (N, L) mask from np.arange(L) < lengths[:, None], then sum / count
    raise NotImplementedError

"""Solutions for lesson 8's exercises (try them yourself first: ``tinygrad-rnn check 8``)."""
import numpy as np


def adding_target(pairs) -> float:
    pairs = np.asarray(pairs, dtype=np.float64)
    marked = pairs[pairs[:, 1] == 1.0, 0]
    return float(0.5 + marked.sum() / 4.0)


def masked_step_mean(per_step, lengths) -> float:
    per_step = np.asarray(per_step, dtype=np.float64)
    lengths = np.asarray(lengths)
    real = np.arange(per_step.shape[1])[None, :] < lengths[:, None]          # (N, L)
    return float(per_step[real].sum() / (real.sum() * per_step.shape[2]))

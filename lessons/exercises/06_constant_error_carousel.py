"""Exercises for lesson 6: the constant error carousel.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 6``.
Use NumPy only.
"""
import numpy as np  # noqa: F401  (you will need it)


def lstm1997_step_numpy(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """One step of the 1997 LSTM (no forget gate) in plain NumPy.

    x (B, I), h (B, H), c (B, H); weight_ih (3H, I), weight_hh (3H, H), bias_ih and bias_hh
    (3H,), with the row blocks in the order **i, g, o** (there is no forget block). Return
    (h_new, c_new), two arrays of shape (B, H):

        i = σ(a_i)   g = tanh(a_g)   o = σ(a_o)
        c_new = c + i ⊙ g            (the carousel: the old state is kept whole)
        h_new = o ⊙ tanh(c_new)

    where [a_i | a_g | a_o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh.
    """
    # TODO: like lesson 5's step, with three blocks and no forget gate
    raise NotImplementedError


def hard_sigmoid_numpy(x, keras_version: int):
    """The hard sigmoid of Keras 2 (``keras_version=2``) or of Keras 3 (``keras_version=3``).

    Keras 2: clip(0.2·x + 0.5, 0, 1). Keras 3 (the same as PyTorch's hardsigmoid):
    clip(x/6 + 0.5, 0, 1). ``x`` is a NumPy array; return an array of the same shape.
    Raise ``ValueError`` for any other version.
    """
    # TODO: two straight lines, clipped to [0, 1]
    raise NotImplementedError


def first_saturated_step(writes, threshold: float = 0.99) -> int:
    """When does a 1997 cell's output saturate?

    ``writes`` is a 1-D array: writes[t] = i_t·g_t, what one unit of a 1997 cell adds to its
    state at step t, starting from c = 0 before step 0 (so c_t = writes[0] + … + writes[t]).
    Return the first step t at which |tanh(c_t)| > threshold, or −1 if that never happens.
    """
    # TODO: the running sum of the writes, then the first step where tanh of it is past the threshold
    raise NotImplementedError

"""Exercises for lesson 7: the GRU.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 7``.
Use NumPy only.
"""
import numpy as np  # noqa: F401  (you will need it)


def gru_step_numpy(x, h, weight_ih, weight_hh, bias_ih, bias_hh=None, reset_after=True):
    """One GRU step in plain NumPy, with PyTorch's layout (row blocks r, z, n).

    x (B, I), h (B, H); weight_ih (3H, I), weight_hh (3H, H), bias_ih (3H,). Return h_new (B, H):

        r = σ(W_ir·x + b_ir + W_hr·h [+ b_hr])
        z = σ(W_iz·x + b_iz + W_hz·h [+ b_hz])
        reset_after=True  (PyTorch):  n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn))
        reset_after=False (Cho 2014): n = tanh(W_in·x + b_in + W_hn·(r ⊙ h))
        h_new = (1 − z) ⊙ n + z ⊙ h

    With reset_after=True, bias_hh (3H,) is given; with reset_after=False it is None (that
    form has no recurrent bias).
    """
    # TODO: the input products for all three blocks, then the two forms of the candidate
    raise NotImplementedError


def count_parameters(cell_type: str, input_size: int, hidden_size: int, reset_after: bool = True) -> int:
    """The number of parameters of one cell, from the formula (do not build a cell).

    ``cell_type`` is "rnn", "gru" or "lstm"; each has G gate blocks (1, 3, 4) of an (H, I)
    input matrix and an (H, H) recurrent matrix, plus its biases: two vectors of G·H
    (bias_ih and bias_hh), except the GRU with ``reset_after=False``, which has only bias_ih.
    Raise ``ValueError`` for an unknown cell type.
    """
    # TODO: G·H·(I + H) weights, plus the biases
    raise NotImplementedError


def keras_gru_to_pytorch(kernel, recurrent_kernel, bias):
    """Port a Keras GRU with ``reset_after=True`` to PyTorch's layout.

    Keras stores ``kernel`` (I, 3H), ``recurrent_kernel`` (H, 3H) and ``bias`` (2, 3H) (row 0
    for the input, row 1 for the recurrent part), with the column blocks in the order
    **z, r, h** and computes x·kernel, h·recurrent_kernel. PyTorch stores ``weight_ih``
    (3H, I), ``weight_hh`` (3H, H), ``bias_ih``, ``bias_hh`` (3H,) with the row blocks in the
    order **r, z, n** and computes x·W_ihᵀ. Return a dict with those four names, so that
    ``tg.nn.GRUCell(I, H).load_state_dict(...)`` gives the same outputs as the Keras layer.
    """
    # TODO: swap the first two blocks of every array, and transpose the two matrices
    raise NotImplementedError

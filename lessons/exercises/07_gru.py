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


def gru_step_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, dh_new):
    """The backward of one GRU step (PyTorch's form, reset_after=True), by hand in NumPy.

    The inputs are those of ``gru_step_numpy`` plus ``dh_new`` = ∂L/∂h_new (B, H) for some loss
    L further on. Return a dict with the gradient of L with respect to each input, under its
    name and of its shape: ``"x"``, ``"h"``, ``"weight_ih"``, ``"weight_hh"``, ``"bias_ih"``,
    ``"bias_hh"``. Remember that h reaches h_new directly (z ⊙ h) as well as through the gates
    and the candidate. The check compares with autograd to 1e-10 on fresh inputs every run.
    """
    # TODO: forward again (keep r, z, n and W_hn·h + b_hn), then the δ's of n, z and r, then the linear maps
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

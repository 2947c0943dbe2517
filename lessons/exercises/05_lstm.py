"""Exercises for lesson 5: the LSTM gate by gate.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 5``.
Use NumPy only: the point is to work the equations out by hand.
"""
import numpy as np  # noqa: F401  (you will need it)


def lstm_step_numpy(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step in plain NumPy, with PyTorch's parameter layout.

    x (B, I), h (B, H), c (B, H); weight_ih (4H, I), weight_hh (4H, H), bias_ih and
    bias_hh (4H,), the row blocks in the order i, f, g, o. Return (h_new, c_new), two NumPy
    arrays of shape (B, H):

        i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
        c_new = f ⊙ c + i ⊙ g
        h_new = o ⊙ tanh(c_new)

    where [a_i | a_f | a_g | a_o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh and σ(a) = 1 / (1 + e^(−a)).
    """
    # TODO: all four pre-activations with two matrix products, split them, then the equations
    raise NotImplementedError


def lstm_step_backward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, dh_new, dc_new):
    """The backward of one LSTM step, by hand (NumPy only): what autograd does for LSTMCell.

    The inputs are those of ``lstm_step_numpy`` plus ``dh_new`` = ∂L/∂h_new and ``dc_new`` =
    ∂L/∂c_new, both (B, H), for some loss L further on. Return a dict with the gradient of L
    with respect to each input, under the input's name and of its shape: ``"x"`` (B, I),
    ``"h"`` (B, H), ``"c"`` (B, H), ``"weight_ih"`` (4H, I), ``"weight_hh"`` (4H, H),
    ``"bias_ih"`` (4H,), ``"bias_hh"`` (4H,).

    Work it out as six δ's: the gradient reaching c_new from both of its uses (δc), the four
    gates' pre-activations (δi, δf, δg, δo) and the old cell state (∂L/∂c). The rest follows
    from a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, a linear map. The check compares your answer with
    autograd to 1e-10, on fresh random sizes and numbers every run.
    """
    # TODO: forward again (keep the gates), the six δ's, then the linear map's gradients
    raise NotImplementedError


def steps_until_forgotten(forget_preactivation: float, fraction: float) -> int:
    """How many steps until the belt keeps less than ``fraction`` of what it held?

    The forget gate's pre-activation is the same number b at every step and the input gate
    is shut, so after n steps the belt holds σ(b)ⁿ of its content. Return the smallest
    whole n with σ(b)ⁿ < fraction (0 < fraction < 1). For example b = 0 gives σ(b) = 0.5,
    and 0.5⁷ ≈ 0.0078 is the first power below 0.01, so (0, 0.01) gives 7.
    """
    # TODO: σ(b), then either a loop or a logarithm (careful with the rounding)
    raise NotImplementedError


def tf1_bias_to_pytorch(tf_bias, forget_bias: float):
    """Port a TensorFlow 1 ``LSTMCell`` bias to PyTorch's ``bias_ih`` layout.

    TensorFlow 1 stores one bias of shape (4H,) with its blocks in the order **i, j, f, o**
    (j is the candidate, our g), and adds the constant ``forget_bias`` to the forget gate's
    pre-activation at every step. Return a new (4H,) array in PyTorch's order **i, f, g, o**
    with ``forget_bias`` folded into the forget block, so that a PyTorch-style cell with
    this ``bias_ih`` (and ``bias_hh`` = 0) computes the same gates. Do not change ``tf_bias``.
    """
    # TODO: cut tf_bias into four blocks of H, reorder them, add forget_bias to the right one
    raise NotImplementedError

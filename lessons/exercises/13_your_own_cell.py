"""Exercises for lesson 13: build your own cell.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 13``.
The check treats your cell as the lesson treated its own: one step against NumPy, a gradcheck of
three unrolled steps, a stacked bidirectional layer, a drawing of one step, and a short training
run (Adam, summing six numbers) whose loss must fall. Inputs are fresh every run.
"""
import numpy as np  # noqa: F401  (you will need it)

import tinygrad_rnn as tg


class IndRNNCell(tg.nn.RNNCellBase):
    """The independently recurrent cell (Li et al. 2018): each unit sees only its own past.

        h_t = relu(W·x_t + u ⊙ h_{t−1} + b)

    Parameters, made with ``self.new_parameter`` in this order:

    * ``weight_ih`` (H, I): W, with the default initialiser;
    * ``weight_hh`` (H,): u, a *vector* (one recurrent weight per unit), drawn uniformly from
      [0, 1): pass the initialiser ``lambda shape: tg.backend.rng().uniform(0.0, 1.0, shape)``
      so that ``tg.manual_seed`` fixes it;
    * ``bias_ih`` (H,): b, zeros (initialiser ``"zeros"``), only when ``bias`` is True
      (otherwise set ``self.bias_ih = None``).

    x: (B, I), h: (B, H) -> h': (B, H). Use tensor ops only.
    """
    state_names = ("h",)

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__(input_size, hidden_size)
        # TODO: the three parameters
        raise NotImplementedError

    def forward(self, x, h):
        # TODO: h_t = relu(W·x_t + u ⊙ h_{t−1} + b)
        raise NotImplementedError


def indrnn_gradient_product(u, pre_activations):
    """The diagonal of ∂h_T/∂h_0 for an IndRNN, by hand.

    ``u`` is the recurrent weight vector (H,); ``pre_activations`` is a NumPy array (T, B, H)
    holding a_t = W·x_t + u ⊙ h_{t−1} + b for t = 1 … T (the argument of relu at each step
    after h_0). Since h_t = relu(a_t) acts unit by unit, ∂h_T/∂h_0 is diagonal for each
    sequence. Return its diagonal as an array (B, H).
    """
    # TODO: at each step, ∂h_t/∂h_{t−1} = u ⊙ relu'(a_t); multiply them
    raise NotImplementedError

"""Solutions to lesson 13's exercises (one way to do each)."""
import numpy as np

import tinygrad_rnn as tg


class IndRNNCell(tg.nn.RNNCellBase):
    state_names = ("h",)

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__(input_size, hidden_size)
        H = hidden_size
        self.weight_ih = self.new_parameter((H, input_size))
        self.weight_hh = self.new_parameter((H,), lambda shape: tg.backend.rng().uniform(0.0, 1.0, shape))
        self.bias_ih = self.new_parameter((H,), "zeros") if bias else None

    def forward(self, x, h):
        # h_t = relu(W·x_t + u ⊙ h_{t−1} + b)
        a = x @ self.weight_ih.T + self.weight_hh * h
        if self.bias_ih is not None:
            a = a + self.bias_ih
        h_new = a.relu()
        h_new.name = "h"
        return h_new


def indrnn_gradient_product(u, pre_activations):
    a = np.asarray(pre_activations)
    slopes = (a > 0).astype(a.dtype) * np.asarray(u)   # u ⊙ relu'(a_t), step by step
    return slopes.prod(axis=0)

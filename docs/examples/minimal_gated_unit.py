"""A user-defined recurrent cell: the minimal gated unit (Zhou et al. 2016).

One gate f decides both how much of the old state to forget and how much of the new
candidate to write, so the cell has two weight sets where a GRU has three::

    f_t  = σ(W_f·x_t + U_f·h_{t−1} + b_f)
    h̃_t  = tanh(W_h·x_t + U_h·(f_t ⊙ h_{t−1}) + b_h)
    h_t  = (1 − f_t) ⊙ h_{t−1} + f_t ⊙ h̃_t

Run it one step at a time, or give it to any layer::

    cell = MinimalGatedUnit(3, 8)
    h = cell(x_t)                          # x_t: (B, 3) -> h: (B, 8), starting from zeros
    layer = tg.nn.Recurrent(cell)          # unrolled over (B, T, 3), Keras style
"""
from __future__ import annotations

import tinygrad_rnn as tg


class MinimalGatedUnit(tg.nn.RNNCellBase):
    """x: (B, input_size), h: (B, hidden_size) -> h': (B, hidden_size)."""

    state_names = ("h",)

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        H, I = hidden_size, input_size
        # every weight starts as U(−1/√H, 1/√H), PyTorch's choice for recurrent cells
        self.weight_if = self.new_parameter((H, I))     # W_f
        self.weight_hf = self.new_parameter((H, H))     # U_f
        self.bias_f = self.new_parameter((H,))          # b_f
        self.weight_in = self.new_parameter((H, I))     # W_h
        self.weight_hn = self.new_parameter((H, H))     # U_h
        self.bias_n = self.new_parameter((H,))          # b_h

    def forward(self, x: tg.Tensor, h: tg.Tensor) -> tg.Tensor:
        # f_t = σ(W_f·x_t + U_f·h_{t−1} + b_f)
        f = (x @ self.weight_if.T + h @ self.weight_hf.T + self.bias_f).sigmoid()
        f.name = "f"
        # h̃_t = tanh(W_h·x_t + U_h·(f_t ⊙ h_{t−1}) + b_h)
        n = (x @ self.weight_in.T + (f * h) @ self.weight_hn.T + self.bias_n).tanh()
        n.name = "n"
        # h_t = (1 − f_t) ⊙ h_{t−1} + f_t ⊙ h̃_t
        h_new = (1.0 - f) * h + f * n
        h_new.name = "h"
        return h_new


if __name__ == "__main__":
    tg.manual_seed(0)
    cell = MinimalGatedUnit(3, 4)
    h = None
    for t in range(5):
        h = cell(tg.randn(2, 3), h)
    h.sum().backward()
    for name, p in cell.named_parameters():
        print(f"{name:10s} {tuple(p.shape)}  |grad| = {float((p.grad.data ** 2).sum() ** 0.5):.4f}")

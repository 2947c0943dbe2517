"""Cases that used to pass silently now raise or follow PyTorch: a saved tensor's .data replaced
between forward and backward, the gradient of x**0 at 0. (Fused layers with a float64 state or
a batch of 0: tests/test_time_loop.py; Tensor(array) memory: tests/test_api_convention.py.)"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg

MODIFIED = "one of the variables needed for gradient computation has been modified"


def test_replacing_data_of_a_saved_tensor_raises_like_pytorch():
    w = tg.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True, name="w")
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    loss = (x @ w).tanh().sum()
    w.data = w.data - 0.1                                      # an update before backward
    with pytest.raises(tg.BackwardError, match=rf"{MODIFIED}: input 1 of op 'matmul', a tensor 'w' of shape \(2, 2\)"):
        loss.backward()
    assert w.grad is None                                      # raised before any gradient
    # PyTorch refuses the same program (its in-place update bumps the version counter)
    tw = torch.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
    tloss = (torch.tensor([[1.0, 2.0]], requires_grad=True) @ tw).tanh().sum()   # saves w for ∂/∂x
    with torch.no_grad():
        tw.sub_(0.1)
    with pytest.raises(RuntimeError, match=MODIFIED):
        tloss.backward()


def test_load_state_dict_between_forward_and_backward_raises():
    lstm = tg.nn.LSTM(2, 3)
    out, _ = lstm(tg.randn(4, 1, 2))
    lstm.load_state_dict(tg.nn.LSTM(2, 3).state_dict())
    with pytest.raises(tg.BackwardError, match=MODIFIED):
        out.sum().backward()


def test_changing_data_after_backward_is_fine_and_retained_graphs_are_checked_again():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 4.0])
    w.data = w.data * 3.0                                      # the usual place for an update
    with pytest.raises(tg.BackwardError, match=MODIFIED):     # but not under a retained graph
        loss.backward()
    fresh = (w * w).sum()
    fresh.backward()                                           # a new forward reads the new data
    np.testing.assert_array_equal(w.grad.numpy(), [2.0 + 6.0, 4.0 + 12.0])


@pytest.mark.parametrize("data", [[0.0, 2.0, -1.5], [0.0]])
def test_gradient_of_x_to_the_zero_is_zero_everywhere_like_pytorch(data):
    x = tg.tensor(data, requires_grad=True, dtype=tg.float64)
    (x ** 0).sum().backward()
    t = torch.tensor(data, requires_grad=True, dtype=torch.float64)
    (t ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    assert not np.isnan(x.grad.numpy()).any()
    # also recorded, for higher-order gradients
    x2 = tg.tensor(data, requires_grad=True, dtype=tg.float64)
    (g,) = tg.grad((x2 ** 0).sum(), [x2], create_graph=True)
    np.testing.assert_array_equal(g.numpy(), np.zeros(len(data)))
    # other exponents are unchanged: 3x² at 0 is 0, 0.5·x^−0.5 at 0 is inf as in PyTorch
    y = tg.tensor(data, requires_grad=True, dtype=tg.float64)
    (y ** 3).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), 3 * np.asarray(data) ** 2)

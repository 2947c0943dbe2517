"""RNNCell, LSTMCell and GRUCell against PyTorch's cells, in float64.

Each test loads a PyTorch cell's state_dict into ours, unrolls both for several steps from
the same non-zero initial state, and compares the states and the gradients of a weighted
sum of the final states with respect to every input, initial state and parameter.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg

T, B, I, H = 4, 3, 5, 6
TOL = 1e-10


def _unroll_ours(cell, xs, state0, weights, device):
    x = [tg.Tensor(xt, requires_grad=True, device=device) for xt in xs]
    s0 = tuple(tg.Tensor(s, requires_grad=True, device=device) for s in state0)
    state = s0[0] if len(s0) == 1 else s0
    for xt in x:
        state = cell(xt, state)
    parts = (state,) if isinstance(state, tg.Tensor) else state
    loss = sum((p * tg.Tensor(w, device=device)).sum() for p, w in zip(parts, weights))
    loss.backward()
    return ([p.numpy() for p in parts], [xt.grad.numpy() for xt in x], [s.grad.numpy() for s in s0],
            {n: p.grad.numpy() for n, p in cell.named_parameters()})


def _unroll_torch(cell, xs, state0, weights):
    x = [torch.tensor(xt, requires_grad=True) for xt in xs]
    s0 = tuple(torch.tensor(s, requires_grad=True) for s in state0)
    state = s0[0] if len(s0) == 1 else s0
    for xt in x:
        state = cell(xt, state)
    parts = (state,) if isinstance(state, torch.Tensor) else state
    loss = sum((p * torch.tensor(w)).sum() for p, w in zip(parts, weights))
    loss.backward()
    return ([p.detach().numpy() for p in parts], [xt.grad.numpy() for xt in x], [s.grad.numpy() for s in s0],
            {n: p.grad.numpy() for n, p in cell.named_parameters()})


def _compare(ours_cell, torch_cell, state_shapes, device="cpu", steps=T, batch=B):
    ours_cell.double().to(device).load_state_dict(torch_cell.state_dict())
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((steps, batch, ours_cell.input_size))
    state0 = [rng.standard_normal((batch, n)) * 0.5 for n in state_shapes]
    weights = [rng.standard_normal((batch, n)) for n in state_shapes]
    got = _unroll_ours(ours_cell, xs, state0, weights, device)
    want = _unroll_torch(torch_cell, xs, state0, weights)
    for a, b in zip(got[0], want[0]):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    for a, b in zip(got[1] + got[2], want[1] + want[2]):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    assert set(got[3]) == set(want[3])
    for name in want[3]:
        np.testing.assert_allclose(got[3][name], want[3][name], rtol=0, atol=TOL, err_msg=name)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_rnn_cell_matches_torch(nonlinearity, bias, devices):
    torch.manual_seed(0)
    ref = torch.nn.RNNCell(I, H, bias=bias, nonlinearity=nonlinearity).double()
    _compare(tg.nn.RNNCell(I, H, bias=bias, nonlinearity=nonlinearity), ref, [H], devices)


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_cell_matches_torch(bias, devices):
    torch.manual_seed(1)
    ref = torch.nn.LSTMCell(I, H, bias=bias).double()
    _compare(tg.nn.LSTMCell(I, H, bias=bias), ref, [H, H], devices)


def test_lstm_cell_with_projection_matches_torch_lstm(devices):
    # PyTorch has projections only on nn.LSTM: run a one-layer LSTM step by step as a cell.
    torch.manual_seed(2)
    P = 3
    lstm = torch.nn.LSTM(I, H, proj_size=P).double()

    class TorchProjCell(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = lstm

        def forward(self, x, state):
            h, c = state
            _, (h1, c1) = self.lstm(x[None], (h[None], c[None]))
            return h1[0], c1[0]

        def state_dict(self, *a, **k):
            return {k.replace("_l0", ""): v for k, v in self.lstm.state_dict().items()}

        def named_parameters(self, *a, **k):
            return [(n.replace("_l0", ""), p) for n, p in self.lstm.named_parameters()]

    cell = tg.nn.LSTMCell(I, H, proj_size=P)
    assert cell.state_sizes() == (P, H) and cell.output_size == P
    assert tuple(cell.weight_hh.shape) == (4 * H, P) and tuple(cell.weight_hr.shape) == (P, H)
    _compare(cell, TorchProjCell(), [P, H], devices)


@pytest.mark.parametrize("bias", [True, False])
def test_gru_cell_matches_torch(bias, devices):
    torch.manual_seed(3)
    ref = torch.nn.GRUCell(I, H, bias=bias).double()
    _compare(tg.nn.GRUCell(I, H, bias=bias), ref, [H], devices)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_unbatched_input_like_torch(kind):
    torch.manual_seed(4)
    ref = getattr(torch.nn, kind)(I, H).double()
    cell = getattr(tg.nn, kind)(I, H).double()
    cell.load_state_dict(ref.state_dict())
    x = np.random.default_rng(0).standard_normal(I)
    got = cell(tg.Tensor(x))
    want = ref(torch.tensor(x))
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for a, b in zip(got, want):
        assert a.shape == tuple(b.shape) == (H,)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=0, atol=TOL)


def test_missing_state_means_zeros_like_torch():
    torch.manual_seed(5)
    ref = torch.nn.LSTMCell(I, H).double()
    cell = tg.nn.LSTMCell(I, H).double()
    cell.load_state_dict(ref.state_dict())
    x = np.random.default_rng(0).standard_normal((B, I))
    (h, c), (th, tc) = cell(tg.Tensor(x)), ref(torch.tensor(x))
    np.testing.assert_allclose(h.numpy(), th.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(c.numpy(), tc.detach().numpy(), rtol=0, atol=TOL)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_parameter_names_shapes_and_order_match_torch(kind):
    ours = [(n, tuple(p.shape)) for n, p in getattr(tg.nn, kind)(I, H).named_parameters()]
    theirs = [(n, tuple(p.shape)) for n, p in getattr(torch.nn, kind)(I, H).named_parameters()]
    assert ours == theirs


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_default_init_is_torch_uniform(kind):
    tg.manual_seed(0)
    H_big = 64
    cell = getattr(tg.nn, kind)(32, H_big)
    k = 1 / np.sqrt(H_big)
    for name, p in cell.named_parameters():
        v = p.numpy()
        assert v.dtype == np.float32
        assert np.abs(v).max() <= k, name
        # U(−k, k) has standard deviation k/√3; with ≥ 64 samples per parameter this is loose
        assert abs(v.std() - k / np.sqrt(3)) < 0.25 * k / np.sqrt(3), name


def test_hardsigmoid_activation_matches_torch():
    x = np.linspace(-4.5, 4.5, 37) + 0.013       # avoid landing exactly on a kink
    ours = tg.Tensor(x, requires_grad=True)
    y = tg.nn.activations.get("hardsigmoid")(ours)
    y.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.hardsigmoid(theirs)
    ty.sum().backward()
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=0, atol=1e-15)
    # torch's double backward kernel uses the float32 constant 1/6 (error ~5e-9); ours is exact
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=0, atol=1e-8)
    inside = np.abs(x) < 3
    np.testing.assert_array_equal(ours.grad.numpy(), np.where(inside, 1 / 6, 0.0))

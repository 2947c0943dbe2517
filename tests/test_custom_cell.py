"""The user-defined cell of docs/custom_cell.md: gradients, equations, and use in layers."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg

_PATH = Path(__file__).resolve().parents[1] / "docs" / "examples" / "minimal_gated_unit.py"
_spec = importlib.util.spec_from_file_location("minimal_gated_unit", _PATH)
mgu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mgu)
MinimalGatedUnit = mgu.MinimalGatedUnit

B, I, H, T = 2, 3, 4, 5


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_parameters_registered_in_definition_order():
    cell = MinimalGatedUnit(I, H)
    assert [(n, tuple(p.shape)) for n, p in cell.named_parameters()] == [
        ("weight_if", (H, I)), ("weight_hf", (H, H)), ("bias_f", (H,)),
        ("weight_in", (H, I)), ("weight_hn", (H, H)), ("bias_n", (H,))]


def test_matches_the_equations():
    tg.manual_seed(0)
    cell = MinimalGatedUnit(I, H).double()
    p = {n: v.numpy() for n, v in cell.named_parameters()}
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((T, B, I))
    h_ref = np.zeros((B, H))
    h = None
    for x in xs:
        h = cell(tg.Tensor(x), h)
        f = sigmoid(x @ p["weight_if"].T + h_ref @ p["weight_hf"].T + p["bias_f"])
        n = np.tanh(x @ p["weight_in"].T + (f * h_ref) @ p["weight_hn"].T + p["bias_n"])
        h_ref = (1 - f) * h_ref + f * n
    np.testing.assert_allclose(h.numpy(), h_ref, rtol=0, atol=1e-13)


def test_gradcheck_three_step_unroll():
    tg.manual_seed(1)
    cell = MinimalGatedUnit(I, H).double()
    names = [n for n, _ in cell.named_parameters()]
    rng = np.random.default_rng(1)
    xs = [tg.Tensor(rng.standard_normal((B, I)), requires_grad=True) for _ in range(3)]
    h0 = tg.Tensor(rng.standard_normal((B, H)) * 0.5, requires_grad=True)
    ps = [tg.Tensor(p.numpy(), requires_grad=True) for p in cell.parameters()]

    def unrolled(x0, x1, x2, h, *weights):
        for name, w in zip(names, weights):          # run the cell on gradcheck's copies
            object.__setattr__(cell, name, w)
        return cell(x2, cell(x1, cell(x0, h)))

    assert tg.gradcheck(unrolled, xs + [h0] + ps, atol=1e-7, rtol=1e-5)


def test_base_class_services():
    cell = MinimalGatedUnit(I, H)
    h = cell(tg.randn(B, I))                          # zeros when no state is given
    assert h.shape == (B, H) and h.name == "h"
    assert cell(tg.randn(I)).shape == (H,)           # unbatched, like PyTorch
    with pytest.raises(tg.ShapeError, match=r"MinimalGatedUnit: x must be \(batch, 3\)"):
        cell(tg.randn(B, I + 1))
    with pytest.raises(tg.ShapeError, match=r"MinimalGatedUnit: state h must be \(2, 4\)"):
        cell(tg.randn(B, I), tg.randn(B, H + 1))
    before = cell.weight_if.numpy().copy()
    cell.reset_parameters()
    assert not np.array_equal(before, cell.weight_if.numpy())
    assert np.abs(cell.weight_if.numpy()).max() <= 1 / np.sqrt(H)


def _step_by_step(cell, x):
    """Reference: run the cell over (B, T, I) with a plain loop; returns (B, T, H)."""
    h, outs = None, []
    for t in range(x.shape[1]):
        h = cell(x[:, t], h)
        outs.append(h.numpy())
    return np.stack(outs, axis=1)


def test_inside_recurrent_layer():
    tg.manual_seed(2)
    cell = MinimalGatedUnit(I, H).double()
    x = tg.Tensor(np.random.default_rng(2).standard_normal((B, T, I)), requires_grad=True)
    layer = tg.nn.Recurrent(cell, return_sequences=True)
    out = layer(x)
    assert out.shape == (B, T, H)
    np.testing.assert_allclose(out.numpy(), _step_by_step(cell, x), rtol=0, atol=1e-13)
    out.sum().backward()
    assert cell.weight_hn.grad is not None and np.abs(cell.weight_hn.grad.numpy()).sum() > 0
    assert x.grad.shape == (B, T, I)


def test_inside_bidirectional_layer():
    tg.manual_seed(3)
    fwd = MinimalGatedUnit(I, H).double()
    layer = tg.nn.Bidirectional(tg.nn.Recurrent(fwd, return_sequences=True))
    bwd = layer.backward_layer.cell
    assert isinstance(bwd, MinimalGatedUnit) and bwd is not fwd
    assert not np.array_equal(fwd.weight_if.numpy(), bwd.weight_if.numpy())   # its own weights
    xn = np.random.default_rng(3).standard_normal((B, T, I))
    out = layer(tg.Tensor(xn))
    assert out.shape == (B, T, 2 * H)
    np.testing.assert_allclose(out.numpy()[..., :H], _step_by_step(fwd, tg.Tensor(xn)), rtol=0, atol=1e-13)
    # the backward half at step t has read x_{T−1} .. x_t
    back = _step_by_step(bwd, tg.Tensor(xn[:, ::-1].copy()))[:, ::-1]
    np.testing.assert_allclose(out.numpy()[..., H:], back, rtol=0, atol=1e-13)


def test_inside_pytorch_style_layer():
    tg.manual_seed(4)
    layer = tg.nn.RNN(I, H, num_layers=2, bidirectional=True, cell=MinimalGatedUnit)
    out, h_n = layer(tg.randn(T, B, I))
    assert out.shape == (T, B, 2 * H) and h_n.shape == (4, B, H)
    assert "weight_if_l1_reverse" in dict(layer.named_parameters())

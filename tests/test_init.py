"""tinygrad_rnn.nn.init: distributions, shapes, names, in-place fillers, seeding."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn.nn import init


def test_recurrent_default_is_pytorch_uniform():
    tg.manual_seed(0)
    H = 100
    w = init.recurrent_default((400, 50), H)
    k = 1 / math.sqrt(H)
    assert w.shape == (400, 50)
    assert np.abs(w).max() <= k and np.abs(w).max() > 0.99 * k
    assert abs(w.std() - k / math.sqrt(3)) < 0.02 * k
    assert abs(w.mean()) < 0.01 * k
    assert init.pytorch_default is init.recurrent_default


@pytest.mark.parametrize("shape", [(12, 5), (5, 12), (8, 3, 2)])
def test_fans_match_torch(shape):
    assert init.fans(shape) == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_glorot_uniform_limit():
    tg.manual_seed(1)
    shape = (4 * 30, 40)                              # a (4H, I) LSTM weight_ih
    w = init.glorot_uniform(shape)
    limit = math.sqrt(6 / (40 + 120))
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert abs(w.std() - limit / math.sqrt(3)) < 0.03 * limit
    assert np.abs(init.glorot_uniform(shape, gain=2.0)).max() > limit * 1.5
    assert init.xavier_uniform is init.glorot_uniform
    with pytest.raises(tg.ShapeError, match="at least 2 dimensions"):
        init.glorot_uniform((5,))


@pytest.mark.parametrize("shape", [(6, 6), (20, 5), (5, 20)])
def test_orthogonal(shape):
    tg.manual_seed(2)
    q = init.orthogonal(shape)
    assert q.shape == shape
    small = min(shape)
    gram = q.T @ q if shape[0] >= shape[1] else q @ q.T
    np.testing.assert_allclose(gram, np.eye(small), rtol=0, atol=1e-12)
    scaled = init.orthogonal(shape, gain=3.0)        # gain scales every unit row/column to length 3
    np.testing.assert_allclose((scaled ** 2).sum(axis=1 if shape[0] <= shape[1] else 0), 9.0, rtol=1e-12)


def test_orthogonal_is_not_biased_by_the_qr_sign_convention():
    # Without the sign fix, LAPACK's QR makes the diagonal of R positive-ish, biasing Q.
    # With it, Q is Haar-distributed: a fixed entry has mean 0 over many draws.
    tg.manual_seed(3)
    firsts = np.array([init.orthogonal((3, 3))[0, 0] for _ in range(3000)])
    assert abs(firsts.mean()) < 0.05
    assert abs((firsts ** 2).mean() - 1 / 3) < 0.03      # E[q_00²] = 1/n for a Haar matrix


def test_constants():
    np.testing.assert_array_equal(init.zeros((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.ones((2,)), np.ones(2))
    np.testing.assert_array_equal(init.constant((2, 2), 0.5), np.full((2, 2), 0.5))


def test_get_by_name_and_callable():
    tg.manual_seed(4)
    for name in ("uniform", "default", "pytorch_default", "recurrent_default"):
        assert np.abs(init.get(name, 16)((8, 8))).max() <= 0.25
    assert (init.get("zeros", 4)((3,)) == 0).all()
    assert (init.get("ones", 4)((3,)) == 1).all()
    q = init.get("orthogonal", 4)((12, 4))
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-12)
    fn = lambda shape: np.full(shape, 2.0)  # noqa: E731
    assert init.get(fn, 4) is fn
    assert np.abs(init.get(None, 4)((50,))).max() <= 0.5
    with pytest.raises(ValueError, match="unknown initializer 'lecun'"):
        init.get("lecun", 4)


def test_initial_value_dtype_device_and_shape_check(devices):
    arr = init.initial_value("ones", (2, 3), 4, dtype=tg.float64, device=devices)
    t = tg.Tensor(arr)
    assert t.dtype == np.float64 and t.device == tg.backend.parse_device(devices)
    assert init.initial_value("zeros", (2,), 4).dtype == np.float32          # the default dtype
    assert init.initial_value(lambda s: tg.ones(*s), (2,), 4).tolist() == [1.0, 1.0]
    with pytest.raises(tg.ShapeError, match=r"expected an array of shape \(2, 3\).*got \(3, 2\)"):
        init.initial_value(lambda s: np.zeros(s[::-1]), (2, 3), 4)


def test_in_place_fillers_keep_dtype_and_device(devices):
    t = tg.zeros(30, 20, dtype=tg.float64, device=devices)
    tg.manual_seed(5)
    assert init.uniform_(t, -0.1, 0.1) is t
    v = t.numpy()
    assert t.dtype == np.float64 and t.device == tg.backend.parse_device(devices)
    assert v.min() >= -0.1 and v.max() <= 0.1 and v.std() > 0
    init.orthogonal_(t)
    np.testing.assert_allclose(t.numpy().T @ t.numpy(), np.eye(20), atol=1e-12)
    init.constant_(t, 3.0)
    assert (t.numpy() == 3.0).all()
    init.zeros_(t)
    assert not t.numpy().any()
    init.ones_(t)
    assert (t.numpy() == 1).all()
    init.glorot_uniform_(t)
    assert np.abs(t.numpy()).max() <= math.sqrt(6 / 50)
    init.normal_(t, 1.0, 0.01)
    assert abs(t.numpy().mean() - 1.0) < 0.01


def test_draws_follow_manual_seed():
    tg.manual_seed(6)
    a = (init.glorot_uniform((4, 4)), init.orthogonal((4, 4)), init.recurrent_default((3,), 4))
    tg.manual_seed(6)
    b = (init.glorot_uniform((4, 4)), init.orthogonal((4, 4)), init.recurrent_default((3,), 4))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], init.glorot_uniform((4, 4)))


def test_cell_initializer_options_reach_the_right_matrices():
    tg.manual_seed(7)
    cell = tg.nn.LSTMCell(6, 5, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                          bias_initializer="zeros", dtype=tg.float64)
    assert np.abs(cell.weight_ih.numpy()).max() <= math.sqrt(6 / (6 + 20))
    w = cell.weight_hh.numpy()
    np.testing.assert_allclose(w.T @ w, np.eye(5), atol=1e-12)
    assert not cell.bias_ih.numpy().any() and not cell.bias_hh.numpy().any()
    cell.reset_parameters()                         # redraws with the same initialisers
    w2 = cell.weight_hh.numpy()
    np.testing.assert_allclose(w2.T @ w2, np.eye(5), atol=1e-12)
    assert not np.array_equal(w, w2) and not cell.bias_ih.numpy().any()

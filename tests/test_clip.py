"""Gradient clipping matches torch.nn.utils.clip_grad_norm_ / clip_grad_value_."""
import math

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg


def grads_pair(scale, seed=0):
    r = np.random.default_rng(seed)
    gs = [r.standard_normal((3, 4)) * scale, r.standard_normal(5) * scale, r.standard_normal((2, 2)) * scale]
    ours, theirs = [], []
    for g in gs:
        p = tg.Tensor(np.zeros_like(g), requires_grad=True)
        p.grad = tg.Tensor(g.copy())
        q = torch.zeros_like(torch.from_numpy(g), requires_grad=True)
        q.grad = torch.from_numpy(g.copy())
        ours.append(p)
        theirs.append(q)
    no_grad = tg.Tensor(np.zeros(3), requires_grad=True)     # no .grad: ignored by both
    return ours + [no_grad], theirs + [torch.zeros(3, dtype=torch.float64, requires_grad=True)]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("scale", [0.01, 10.0])
def test_clip_grad_norm_matches_torch(norm_type, scale):
    ours, theirs = grads_pair(scale)
    total = tg.nn.clip_grad_norm(ours, max_norm=1.5, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.5, norm_type=norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(expected.item(), rel=1e-12)
    for p, q in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert ours[3].grad is None


def test_clipped_norm_is_just_below_max_norm_and_small_grads_are_untouched():
    ours, _ = grads_pair(10.0)
    tg.nn.clip_grad_norm(ours, 1.0)
    after = math.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in ours[:3]))
    assert 1.0 - 1e-5 < after < 1.0                         # the 1e-6 epsilon leaves it a hair below
    small, _ = grads_pair(0.01)
    arrays = [p.grad.data for p in small[:3]]
    tg.nn.clip_grad_norm(small, 1.0)
    assert all(p.grad.data is a for p, a in zip(small[:3], arrays))     # coef >= 1: nothing changes


def test_clip_never_mutates_a_shared_gradient_array():
    ours, _ = grads_pair(10.0)
    shared = ours[0].grad.data
    before = shared.copy()
    tg.nn.clip_grad_norm(ours, 0.1)
    tg.nn.clip_grad_value(ours, 0.01)
    np.testing.assert_array_equal(shared, before)


def test_clip_grad_value_matches_torch():
    ours, theirs = grads_pair(1.0, seed=3)
    tg.nn.clip_grad_value(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, q in zip(ours[:3], theirs[:3]):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert max(float(np.abs(p.grad.numpy()).max()) for p in ours[:3]) == 0.5


def test_nonfinite_total_and_single_tensor():
    p = tg.Tensor(np.zeros(2), requires_grad=True)
    p.grad = tg.Tensor(np.array([np.inf, 1.0]))
    with pytest.raises(tg.TinygradRNNError, match="inf"):
        tg.nn.clip_grad_norm(p, 1.0, error_if_nonfinite=True)
    q = tg.Tensor(np.zeros(2), requires_grad=True)
    q.grad = tg.Tensor(np.array([3.0, 4.0]))
    assert tg.nn.clip_grad_norm(q, 1.0) == 5.0                 # a single tensor is accepted
    np.testing.assert_allclose(q.grad.numpy(), [3 / (5 + 1e-6), 4 / (5 + 1e-6)], rtol=1e-15)
    assert tg.nn.clip_grad_norm([], 1.0) == 0.0


def test_clip_on_every_device(devices):
    p = tg.Tensor(np.zeros(2, dtype=np.float32), requires_grad=True).to(devices)
    (p * tg.Tensor(np.array([30.0, 40.0], dtype=np.float32)).to(devices)).sum().backward()
    assert tg.nn.clip_grad_norm([p], 5.0) == pytest.approx(50.0)
    assert p.grad.device == p.device and p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad.numpy(), [3.0, 4.0], rtol=1e-6)

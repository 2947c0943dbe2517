"""Losses match torch.nn.functional (values and gradients, float64), stay finite for huge
logits, and reject bad shapes and dtypes with clear errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import tinygrad_rnn as tg


def pair(a):
    return tg.Tensor(a.copy(), requires_grad=True), torch.tensor(a.copy(), requires_grad=True)


def check(ours_x, theirs_x, ours_loss, theirs_loss, atol=1e-12):
    assert ours_loss.shape == tuple(theirs_loss.shape)
    np.testing.assert_allclose(ours_loss.numpy(), theirs_loss.detach().numpy(), rtol=1e-12, atol=atol)
    v = np.random.default_rng(5).standard_normal(ours_loss.shape)
    ours_loss.backward(v) if ours_loss.ndim else ours_loss.backward()
    theirs_loss.backward(torch.from_numpy(v)) if theirs_loss.ndim else theirs_loss.backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12, atol=atol)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_2d_with_ignore_index(reduction):
    r = np.random.default_rng(0)
    logits = r.standard_normal((7, 5)) * 3
    targets = np.array([0, 4, -100, 2, 2, -100, 1])
    x, xt = pair(logits)
    check(x, xt, tg.nn.cross_entropy(x, targets, reduction=reduction),
          F.cross_entropy(xt, torch.from_numpy(targets), reduction=reduction))


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_cross_entropy_class_axis_second_and_custom_ignore(reduction):
    r = np.random.default_rng(1)
    logits = r.standard_normal((3, 4, 6))                       # (N, C, T)
    targets = r.integers(0, 4, size=(3, 6))
    targets[0, 2] = targets[2, 5] = 3                           # ignore class 3 entirely
    x, xt = pair(logits)
    check(x, xt, tg.nn.cross_entropy(x, tg.Tensor(targets), ignore_index=3, reduction=reduction),
          F.cross_entropy(xt, torch.from_numpy(targets), ignore_index=3, reduction=reduction))


def test_cross_entropy_flattened_sequence_usage():
    r = np.random.default_rng(2)
    logits = r.standard_normal((2, 5, 4))                       # (B, T, C)
    targets = r.integers(0, 4, size=(2, 5))
    x, xt = pair(logits)
    check(x, xt, tg.nn.cross_entropy(x.reshape(-1, 4), targets.reshape(-1)),
          F.cross_entropy(xt.reshape(-1, 4), torch.from_numpy(targets.reshape(-1))))


def test_cross_entropy_large_logits_stay_finite():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 999.0, 1000.0], [1e3, 1e3, -1e3]])
    targets = np.array([1, 1, 0])
    x, xt = pair(logits)
    loss = tg.nn.cross_entropy(x, targets)
    assert np.isfinite(loss.item())
    check(x, xt, loss, F.cross_entropy(xt, torch.from_numpy(targets)))


def test_cross_entropy_all_ignored_is_nan_like_torch():
    logits = np.zeros((2, 3))
    ours = tg.nn.cross_entropy(tg.Tensor(logits), np.array([-100, -100])).item()
    theirs = F.cross_entropy(torch.from_numpy(logits), torch.tensor([-100, -100])).item()
    assert np.isnan(ours) and np.isnan(theirs)


def test_cross_entropy_errors():
    x = tg.Tensor(np.zeros((4, 3)))
    with pytest.raises(tg.DtypeError, match="integer class indices"):
        tg.nn.cross_entropy(x, np.array([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(tg.ShapeError, match=r"\(4, 3\).*\(4,\).*\(2, 2\)"):
        tg.nn.cross_entropy(x, np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="target 3 is out of range for 3 classes"):
        tg.nn.cross_entropy(x, np.array([0, 1, 3, 1]))
    with pytest.raises(tg.ShapeError, match="logits must be"):
        tg.nn.cross_entropy(tg.Tensor(np.zeros(3)), np.array(1))
    with pytest.raises(ValueError, match="reduction"):
        tg.nn.cross_entropy(x, np.array([0, 1, 2, 1]), reduction="avg")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(reduction):
    r = np.random.default_rng(3)
    a, b = r.standard_normal((4, 3)), r.standard_normal((4, 3))
    x, xt = pair(a)
    check(x, xt, tg.nn.mse_loss(x, b, reduction=reduction),
          F.mse_loss(xt, torch.from_numpy(b), reduction=reduction))


def test_mse_loss_target_gradient_and_shape_error():
    r = np.random.default_rng(4)
    a, b = r.standard_normal(5), r.standard_normal(5)
    x, xt = pair(a)
    y, yt = pair(b)
    tg.nn.mse_loss(x, y).backward()
    F.mse_loss(xt, yt).backward()
    np.testing.assert_allclose(y.grad.numpy(), yt.grad.numpy(), rtol=1e-12)
    with pytest.raises(tg.ShapeError, match=r"\(5,\).*\(5, 1\)"):
        tg.nn.mse_loss(x, b.reshape(5, 1))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_matches_torch_including_zero_and_huge_logits(reduction):
    logits = np.array([[0.0, 1e3, -1e3, 2.5], [-0.7, 0.0, 40.0, -40.0]])
    targets = np.array([[1.0, 0.0, 1.0, 0.3], [0.0, 0.5, 1.0, 0.0]])
    x, xt = pair(logits)
    loss = tg.nn.binary_cross_entropy_with_logits(x, targets, reduction=reduction)
    assert np.all(np.isfinite(loss.numpy()))
    check(x, xt, loss, F.binary_cross_entropy_with_logits(xt, torch.from_numpy(targets), reduction=reduction))


def test_bce_with_logits_gradcheck_both_inputs():
    r = np.random.default_rng(6)
    x = tg.Tensor(r.standard_normal((3, 4)), requires_grad=True)
    y = tg.Tensor(r.uniform(0, 1, (3, 4)), requires_grad=True)
    assert tg.gradcheck(lambda a, b: tg.nn.binary_cross_entropy_with_logits(a, b, reduction="none"), [x, y])


def test_bce_with_logits_errors():
    x = tg.Tensor(np.zeros((2, 3)))
    with pytest.raises(tg.ShapeError, match="binary_cross_entropy_with_logits"):
        tg.nn.binary_cross_entropy_with_logits(x, np.zeros(3))
    with pytest.raises(tg.DtypeError, match="float32"):
        tg.nn.binary_cross_entropy_with_logits(x, tg.Tensor(np.zeros((2, 3), dtype=np.float32)))


def test_float32_losses_stay_float32_with_numpy_targets():
    x = tg.Tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True)
    assert tg.nn.mse_loss(x, np.ones((2, 3))).dtype == np.float32          # float64 array target joins
    assert tg.nn.binary_cross_entropy_with_logits(x, np.ones((2, 3))).dtype == np.float32
    assert tg.nn.cross_entropy(x, np.array([0, 2])).dtype == np.float32


def test_loss_modules():
    r = np.random.default_rng(7)
    logits, targets = r.standard_normal((4, 3)), np.array([0, 2, -1, 1])
    x = tg.Tensor(logits)
    np.testing.assert_allclose(tg.nn.CrossEntropyLoss(ignore_index=-1, reduction="sum")(x, targets).item(),
                               F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets),
                                               ignore_index=-1, reduction="sum").item(), rtol=1e-12)
    np.testing.assert_allclose(tg.nn.MSELoss()(x, logits * 2).item(), np.mean(logits ** 2), rtol=1e-12)
    np.testing.assert_allclose(tg.nn.BCEWithLogitsLoss(reduction="sum")(x, np.ones((4, 3))).item(),
                               np.sum(np.log1p(np.exp(-logits))), rtol=1e-12)


def test_losses_on_every_device(devices):
    r = np.random.default_rng(8)
    logits = r.standard_normal((4, 3)).astype(np.float32)
    targets = np.array([2, 0, -100, 1])
    ref = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets)).item()
    x = tg.Tensor(logits, requires_grad=True).to(devices)
    loss = tg.nn.cross_entropy(x, targets)
    assert loss.device == x.device
    assert loss.item() == pytest.approx(ref, rel=1e-5)
    loss.backward()
    assert x.grad.device == x.device
    bce = tg.nn.binary_cross_entropy_with_logits(x, np.ones((4, 3)))
    assert bce.device == x.device and np.isfinite(bce.item())


# ---- probability targets and label smoothing (PyTorch's two forms) --------------------------

@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 6)])
def test_cross_entropy_probability_targets_like_torch(smoothing, reduction, shape):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal(shape)
    probs = rng.random(shape)
    probs /= probs.sum(axis=1, keepdims=True)
    x, xt = tg.Tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    q, qt = tg.Tensor(probs, requires_grad=True), torch.tensor(probs, requires_grad=True)
    ours = tg.nn.cross_entropy(x, q, reduction=reduction, label_smoothing=smoothing)
    theirs = F.cross_entropy(xt, qt, reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(q.grad.numpy(), qt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("smoothing", [0.05, 0.3])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_index_targets_with_label_smoothing_like_torch(smoothing, reduction):
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((6, 5, 3))
    targets = rng.integers(0, 5, size=(6, 3))
    targets[0, 1] = targets[4, 2] = -100           # ignored steps leave the mean's count too
    x, xt = tg.Tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    ours = tg.nn.cross_entropy(x, targets, reduction=reduction, label_smoothing=smoothing)
    theirs = F.cross_entropy(xt, torch.from_numpy(targets), reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_cross_entropy_one_hot_equals_indices_and_module_form():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((7, 4))
    y = rng.integers(0, 4, size=7)
    onehot = np.eye(4)[y]
    a = tg.nn.cross_entropy(tg.Tensor(logits), y, label_smoothing=0.2).item()
    b = tg.nn.CrossEntropyLoss(label_smoothing=0.2)(tg.Tensor(logits), onehot).item()
    assert abs(a - b) < 1e-14
    with pytest.raises(tg.ShapeError, match=r"probability targets must have the logits' shape \(7, 4\)"):
        tg.nn.cross_entropy(tg.Tensor(logits), np.ones((7, 3)))
    with pytest.raises(ValueError, match=r"label_smoothing must be a probability in \[0, 1\]"):
        tg.nn.cross_entropy(tg.Tensor(logits), y, label_smoothing=1.5)

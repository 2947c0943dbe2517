"""The Tensor's public surface: constructor, factories, attributes, conversions, repr."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg


def test_constructor_from_numbers_lists_and_arrays(devices: str) -> None:
    t = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], device=devices)
    assert t.shape == (2, 2) and t.ndim == 2 and t.dtype == np.float32 and t.size == 4
    assert t.device.startswith(devices)
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert tg.Tensor(3.5).shape == () and tg.Tensor(3.5).item() == 3.5
    assert tg.Tensor([1, 2, 3]).dtype == np.int64
    assert tg.Tensor([True, False]).dtype == np.bool_
    a = np.arange(6.0).reshape(2, 3)
    assert tg.Tensor(a).dtype == np.float64                      # arrays keep their dtype
    assert tg.Tensor(a, dtype=tg.float32).dtype == np.float32
    assert tg.Tensor(tg.Tensor([1.0])).tolist() == [1.0]
    assert tg.tensor([1.0], name="w").name == "w"


def test_constructor_makes_plain_arrays_from_subclasses() -> None:
    """np.matrix would turn `*` into a matrix product; a Tensor holds a plain ndarray."""
    m = np.ma.masked_array([[1.0, 2.0], [3.0, 4.0]])
    t = tg.Tensor(m)
    assert type(t.data) is np.ndarray
    np.testing.assert_array_equal((t * t).numpy(), [[1.0, 4.0], [9.0, 16.0]])


def test_factories(devices: str) -> None:
    assert tg.zeros(2, 3, device=devices).tolist() == [[0.0] * 3] * 2
    assert tg.zeros((2, 3)).shape == (2, 3)
    assert tg.ones(4, device=devices).numpy().sum() == 4.0
    assert tg.full((2, 2), 7.0, device=devices).tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert tg.full(3, 1.5).shape == (3,)
    assert tg.arange(5, device=devices).tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(5).dtype == np.int64
    np.testing.assert_allclose(tg.arange(0.0, 1.0, 0.25).numpy(), [0.0, 0.25, 0.5, 0.75])
    assert tg.arange(0.0, 1.0, 0.25).dtype == np.float32
    np.testing.assert_array_equal(tg.eye(3, device=devices).numpy(), np.eye(3))
    assert tg.eye(2, 3).shape == (2, 3)
    r = tg.randn(1000, device=devices)
    assert r.dtype == np.float32 and abs(float(r.numpy().mean())) < 0.2 and 0.8 < r.numpy().std() < 1.2
    u = tg.rand(1000, device=devices).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0 and 0.4 < u.mean() < 0.6
    base = tg.randn(2, 3, dtype=tg.float64, device=devices)
    z, o = tg.zeros_like(base), tg.ones_like(base)
    assert z.shape == o.shape == (2, 3) and z.dtype == o.dtype == np.float64 and z.device == base.device
    assert tg.zeros_like(base, dtype=tg.float32).dtype == np.float32
    for f in (lambda: tg.zeros(2, requires_grad=True), lambda: tg.randn(2, requires_grad=True),
              lambda: tg.ones_like(base, requires_grad=True), lambda: tg.full((1,), 2.0, requires_grad=True)):
        t = f()
        assert t.requires_grad and t.is_leaf
    made = [tg.zeros(2, name="a"), tg.ones(2, name="a"), tg.full(2, 1.0, name="a"), tg.randn(2, name="a"),
            tg.rand(2, name="a"), tg.arange(2, name="a"), tg.eye(2, name="a"), tg.zeros_like(base, name="a"),
            tg.ones_like(base, name="a")]
    assert [t.name for t in made] == ["a"] * len(made)


def test_manual_seed_reproduces_draws() -> None:
    tg.manual_seed(1234)
    a, b = tg.randn(3, 4).numpy(), tg.rand(5).numpy()
    tg.manual_seed(1234)
    c, d = tg.randn(3, 4).numpy(), tg.rand(5).numpy()
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, d)
    tg.manual_seed(4321)
    assert not np.array_equal(tg.randn(3, 4).numpy(), a)
    state = tg.get_rng_state()
    e = tg.randn(3).numpy()
    tg.set_rng_state(state)
    np.testing.assert_array_equal(tg.randn(3).numpy(), e)


def test_leaf_and_non_leaf_attributes(devices: str) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True, device=devices, name="x")
    y = x * 2.0
    assert x.is_leaf and x.op is None and x.requires_grad and x.grad is None and x.name == "x"
    assert not y.is_leaf and y.op == "mul" and y.requires_grad and y.name is None
    c = tg.tensor([1.0, 2.0], device=devices) * 2.0    # no input needs grad: nothing recorded
    assert c.is_leaf and not c.requires_grad


def test_numpy_returns_a_host_copy(devices: str) -> None:
    x = tg.tensor([1.0, 2.0], device=devices)
    n = x.numpy()
    assert type(n) is np.ndarray
    n[0] = 99.0
    assert x.tolist() == [1.0, 2.0]


def test_item_and_tolist() -> None:
    assert tg.tensor([[2.5]]).item() == 2.5
    assert isinstance(tg.tensor(3).item(), int)
    with pytest.raises(tg.ShapeError, match=r"item.*\(2,\)"):
        tg.tensor([1.0, 2.0]).item()
    assert tg.tensor([[1, 2]]).tolist() == [[1, 2]]


def test_to_device_and_cpu(devices: str) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(devices)
    assert y.device.startswith(devices) and y.is_leaf and y.requires_grad
    assert x.to("cpu") is x and x.to("numpy") is x and x.cpu() is x
    # a moved non-leaf is differentiable: the gradient comes back to the source device
    z = (x * 2.0).to(devices)
    (z * z).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 16.0])


def test_detach_shares_data_and_cuts_graph() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2.0).detach()
    assert d.is_leaf and not d.requires_grad
    e = x.detach()
    e.data[0] = 5.0                  # shares memory with x, like PyTorch
    assert x.tolist()[0] == 5.0


def test_requires_grad_setter_and_inplace() -> None:
    x = tg.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = tg.tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(tg.BackwardError, match="non-leaf"):
        y.requires_grad_(False)


def test_astype_and_double_are_differentiable() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.op == "cast"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert x.astype(np.float32) is x
    i = x.astype(tg.int64)
    assert i.dtype == np.int64 and not i.requires_grad


def test_repr_shows_shape_dtype_device_and_op(devices: str) -> None:
    x = tg.tensor([[1.0, 2.0]], requires_grad=True, device=devices, name="w")
    r = repr(x)
    assert "shape=(1, 2)" in r and "dtype=float32" in r and f"device={x.device}" in r
    assert "requires_grad=True" in r and "name='w'" in r
    assert "op=add" in repr(x + 1.0)
    big = repr(tg.zeros(1000))      # summarised, not a thousand numbers
    assert len(big) < 200 and "shape=(1000,)" in big


def test_comparisons_give_bool_tensors_without_grad() -> None:
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert (x > 1.5).tolist() == [False, True, True]
    assert (x <= 2.0).tolist() == [True, True, False]
    assert (x < x).tolist() == [False] * 3 and (x >= 3).tolist() == [False, False, True]
    assert x.eq(tg.tensor([1.0, 0.0, 3.0])).tolist() == [True, False, True]
    assert (x > 1.5).dtype == np.bool_ and not (x > 1.5).requires_grad
    # == and != are elementwise like every comparison (PyTorch); tensors still hash by identity
    assert (x == tg.tensor([1.0, 0.0, 3.0])).tolist() == [True, False, True]
    assert (x != tg.tensor([1.0, 0.0, 3.0])).tolist() == [False, True, False]
    assert len({x, x}) == 1 and len({x, x.detach()}) == 2


def test_truth_value_like_pytorch() -> None:
    assert bool(tg.tensor([2.0]) > 1.0) and not bool(tg.tensor(0.0))
    with pytest.raises(tg.ShapeError, match="ambiguous"):
        bool(tg.tensor([1.0, 2.0]) > 0)


def test_len_iter_and_helpers() -> None:
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert len(x) == 3 and [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert x.numel() == 6 and x.flatten().shape == (6,) and x.view(2, 3).shape == (2, 3)
    assert x.grad_fn is None


def test_functional_forms_match_methods() -> None:
    x = tg.tensor([[-1.0, 0.5, 2.0]])
    for name in ("exp", "tanh", "sigmoid", "relu", "abs", "hard_sigmoid"):
        np.testing.assert_array_equal(getattr(tg, name)(x).numpy(), getattr(x, name)().numpy())
    np.testing.assert_array_equal(tg.softmax(x, 1).numpy(), x.softmax(1).numpy())
    np.testing.assert_array_equal(tg.clip(x, 0.0, 1.0).numpy(), x.clip(0.0, 1.0).numpy())
    np.testing.assert_array_equal(tg.maximum(x, 0.0).numpy(), x.relu().numpy())


def test_matches_torch_on_a_small_training_step() -> None:
    """A two-layer tanh net: forward, backward and an SGD step agree with PyTorch."""
    rng = np.random.default_rng(0)
    X, W1, W2 = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal((5, 2))
    tw1, tw2 = tg.Tensor(W1, requires_grad=True), tg.Tensor(W2, requires_grad=True)
    pw1, pw2 = torch.tensor(W1, requires_grad=True), torch.tensor(W2, requires_grad=True)
    for _ in range(3):
        tl = ((tg.Tensor(X) @ tw1).tanh() @ tw2).log_softmax(1).mean()
        pl = ((torch.tensor(X) @ pw1).tanh() @ pw2).log_softmax(1).mean()
        tl.backward()
        pl.backward()
        with tg.no_grad():
            for p in (tw1, tw2):
                p.data -= 0.1 * p.grad.data
                p.grad = None
        with torch.no_grad():
            for p in (pw1, pw2):
                p -= 0.1 * p.grad
                p.grad = None
        assert abs(tl.item() - pl.item()) < 1e-12
    np.testing.assert_allclose(tw1.numpy(), pw1.detach().numpy(), rtol=1e-12, atol=1e-12)

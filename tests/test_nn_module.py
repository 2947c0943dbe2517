"""The module system (registration, state dicts, devices, modes) and Linear, Embedding, Dropout."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.zeta = nn.Parameter(np.ones((2, 3)))
        self.alpha = nn.Parameter(np.zeros(3))
        self.inner = nn.Linear(3, 2)
        self.register_buffer("count", tg.zeros(1))
        self.not_a_param = tg.zeros(4, requires_grad=True)   # a plain Tensor is not registered


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Block()
        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1, bias=False)])
        self.last = nn.Parameter(np.zeros(1))


# ---- registration --------------------------------------------------------------------------

def test_registration_order_and_nested_names():
    m = Model()
    assert [n for n, _ in m.named_parameters()] == [
        "last", "first.zeta", "first.alpha", "first.inner.weight", "first.inner.bias",
        "layers.0.weight", "layers.0.bias", "layers.1.weight"]
    names = [n for n, _ in m.named_parameters()]
    # definition order inside each module; a module's own parameters before its children's
    assert names.index("first.zeta") < names.index("first.alpha") < names.index("first.inner.weight")
    assert names.index("layers.0.weight") < names.index("layers.0.bias") < names.index("layers.1.weight")
    assert "first.not_a_param" not in names
    assert [n for n, _ in m.named_buffers()] == ["first.count"]
    assert len(m.parameters()) == len(names) == 8
    assert m.num_parameters() == 6 + 3 + 6 + 2 + 4 + 2 + 2 + 1


def test_own_parameters_come_before_children():
    names = [n for n, _ in Model().named_parameters()]
    assert names[0] == "last"


def test_reassigning_replaces_and_shared_parameters_appear_once():
    m = Block()
    m.alpha = nn.Parameter(np.ones(5))
    assert dict(m.named_parameters())["alpha"].shape == (5,)
    m.alpha = None                                   # unregistered by assigning a non-parameter
    assert "alpha" not in dict(m.named_parameters())
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, shared)
    assert len(seq.parameters()) == 2


def test_module_requires_super_init():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(2))

    with pytest.raises(tg.TinygradRNNError, match="super"):
        Bad()


def test_parameter_must_be_float():
    with pytest.raises(tg.DtypeError, match="floating point"):
        nn.Parameter(np.arange(3))
    assert nn.Parameter(np.zeros(2)).requires_grad


# ---- state dicts -------------------------------------------------------------------------

def test_state_dict_round_trip_with_numpy_and_tensors():
    tg.manual_seed(0)
    a, b = Model(), Model()
    sd = a.state_dict()
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    assert "first.count" in sd
    b.load_state_dict(sd)
    for k, v in b.state_dict().items():
        np.testing.assert_array_equal(v, sd[k])
    c = Model()
    c.load_state_dict({k: tg.Tensor(v) for k, v in sd.items()})
    np.testing.assert_array_equal(c.state_dict()["first.inner.weight"], sd["first.inner.weight"])
    sd["last"][:] = 7.0                               # state_dict holds copies, not views
    assert a.last.numpy()[0] == 0.0


def test_load_state_dict_strict_errors_list_the_keys():
    m = Model()
    sd = m.state_dict()
    del sd["first.alpha"]
    sd["extra.weight"] = np.zeros(2)
    with pytest.raises(tg.TinygradRNNError) as err:
        m.load_state_dict(sd)
    assert "first.alpha" in str(err.value) and "extra.weight" in str(err.value)
    assert "missing" in str(err.value) and "unexpected" in str(err.value)
    before = m.first.zeta.numpy().copy()
    sd["first.zeta"] = np.full((2, 3), 5.0)
    m.load_state_dict(sd, strict=False)               # loads what matches, ignores the rest
    np.testing.assert_array_equal(m.first.zeta.numpy(), 5.0)
    assert not np.array_equal(before, m.first.zeta.numpy())


def test_shape_mismatch_is_an_error_and_changes_nothing():
    m = Model()
    sd = m.state_dict()
    sd["last"] = np.full(1, 3.0)
    sd["first.inner.weight"] = np.zeros((3, 2))
    with pytest.raises(tg.ShapeError, match=r"first.inner.weight.*\(3, 2\).*\(2, 3\)"):
        m.load_state_dict(sd)
    assert m.last.numpy()[0] == 0.0                   # the valid key was not loaded either


def test_load_torch_state_dict_converts_dtype():
    torch.manual_seed(0)
    ref = torch.nn.Linear(4, 3).double()
    ours = nn.Linear(4, 3)
    ours.load_state_dict(ref.state_dict())
    assert ours.weight.dtype == np.float32            # values take the parameter's dtype
    np.testing.assert_allclose(ours.weight.numpy(), ref.weight.detach().numpy(), rtol=1e-6)
    x = np.random.default_rng(0).standard_normal((5, 4))
    ours.double()
    ours.load_state_dict(ref.state_dict())
    np.testing.assert_allclose(ours(tg.Tensor(x)).numpy(), ref(torch.tensor(x)).detach().numpy(),
                               rtol=0, atol=1e-12)


# ---- devices, dtypes, modes, gradients ---------------------------------------------------------

def test_to_moves_everything(devices):
    m = Model().to(devices)
    assert all(p.device == tg.backend.parse_device(devices) for p in m.parameters())
    assert m.first.count.device == tg.backend.parse_device(devices)
    assert m.to("cpu") is m and m.first.zeta.device == "cpu"


def test_to_unknown_device_is_clear():
    with pytest.raises(tg.UnknownDeviceError):
        Model().to("tpu")
    if not tg.cuda_is_available():
        with pytest.raises(tg.DeviceUnavailableError, match="CuPy"):
            Model().to("cuda")


def test_astype_and_double():
    m = Model().double()
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert m.first.count.dtype == np.float64
    m.float()
    assert all(p.dtype == np.float32 for p in m.parameters())


def test_train_eval_propagate_to_children():
    m = Model()
    assert m.training and m.first.inner.training
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())


def test_zero_grad():
    m = nn.Linear(3, 2)
    m(tg.randn(4, 3)).sum().backward()
    assert m.weight.grad is not None and m.bias.grad is not None
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None


def test_repr_shows_the_tree():
    text = repr(Model())
    assert "(first): Block(" in text and "(inner): Linear(in_features=3, out_features=2, bias=True)" in text


# ---- Linear --------------------------------------------------------------------------------

def test_linear_matches_torch_forward_and_backward():
    torch.manual_seed(1)
    ref = torch.nn.Linear(5, 3).double()
    ours = nn.Linear(5, 3).double()
    ours.load_state_dict(ref.state_dict())
    x = np.random.default_rng(1).standard_normal((2, 4, 5))   # leading axes pass through
    xt, tt = tg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xt), ref(tt)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=0, atol=1e-12)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), tt.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=0, atol=1e-12)


def test_linear_init_and_errors():
    tg.manual_seed(2)
    lin = nn.Linear(100, 50)
    k = 1 / np.sqrt(100)
    w = lin.weight.numpy()
    assert w.shape == (50, 100) and np.abs(w).max() <= k and np.abs(w).max() > 0.95 * k
    assert abs(w.std() - k / np.sqrt(3)) < 0.05 * k
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]
    with pytest.raises(tg.ShapeError, match=r"Linear\(100, 50\).*\(4, 99\)"):
        lin(tg.randn(4, 99))


# ---- Embedding ------------------------------------------------------------------------------

def test_embedding_lookup_and_gradient_accumulates():
    tg.manual_seed(3)
    emb = nn.Embedding(10, 4).double()
    ids = np.array([[1, 3, 1], [0, 9, 1]])
    out = emb(ids)
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out.numpy(), emb.weight.numpy()[ids])
    out.sum().backward()
    g = emb.weight.grad.numpy()
    np.testing.assert_array_equal(g[:, 0], np.bincount(ids.ravel(), minlength=10))
    np.testing.assert_array_equal(emb(tg.tensor([2])).numpy()[0], emb.weight.numpy()[2])


def test_embedding_matches_torch():
    torch.manual_seed(4)
    ref = torch.nn.Embedding(7, 3).double()
    ours = nn.Embedding(7, 3).double()
    ours.load_state_dict(ref.state_dict())
    ids = [[6, 0], [2, 2]]
    np.testing.assert_array_equal(ours(ids).numpy(), ref(torch.tensor(ids)).detach().numpy())


def test_embedding_init_is_standard_normal():
    tg.manual_seed(5)
    w = nn.Embedding(1000, 50).weight.numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_embedding_errors():
    emb = nn.Embedding(5, 2)
    with pytest.raises(ValueError, match=r"Embedding\(5, 2\): index 5 is out of range.*\[0, 4\]"):
        emb([1, 5])
    with pytest.raises(ValueError, match="index -1 is out of range"):
        emb(np.array([-1]))
    with pytest.raises(tg.DtypeError, match="integers"):
        emb(tg.Tensor([1.0, 2.0]))


# ---- Dropout -------------------------------------------------------------------------------

def test_dropout_train_and_eval():
    tg.manual_seed(6)
    drop = nn.Dropout(0.25)
    x = tg.ones(200, 100, requires_grad=True)
    y = drop(x)
    v = y.numpy()
    assert set(np.unique(v)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((v == 0).mean() - 0.25) < 0.02       # the dropped fraction is p
    assert abs(v.mean() - 1.0) < 0.03               # inverted: expectation unchanged
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)  # the gradient goes through the same mask
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert not nn.Dropout(1.0)(x).numpy().any()


def test_dropout_mask_follows_manual_seed():
    x = tg.ones(10, 10)
    tg.manual_seed(7)
    a = nn.Dropout(0.5)(x).numpy()
    tg.manual_seed(7)
    b = nn.Dropout(0.5)(x).numpy()
    c = nn.Dropout(0.5)(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


def test_load_state_dict_copies_instead_of_sharing_memory():
    """A loaded model owns its arrays: changing the source afterwards (a torch optimizer step
    in place, a NumPy edit) must not change the model."""
    import torch
    torch.manual_seed(0)
    source = torch.nn.Linear(3, 2).double()
    model = tg.nn.Linear(3, 2).double()
    model.load_state_dict(source.state_dict())
    before = model.weight.numpy()
    with torch.no_grad():
        source.weight += 1.0
    np.testing.assert_array_equal(model.weight.numpy(), before)
    arrays = {"weight": np.ones((2, 3)), "bias": np.zeros(2)}
    model.load_state_dict(arrays)
    arrays["weight"][:] = 5.0
    np.testing.assert_array_equal(model.weight.numpy(), np.ones((2, 3)))

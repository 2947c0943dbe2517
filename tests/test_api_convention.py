"""The API convention (docs/concepts.md, "One API convention"): PyTorch's names and meanings,
NumPy's spellings accepted. Table-driven over the whole public API, checked against PyTorch."""
from __future__ import annotations

import inspect
import types

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 4))
S = RNG.standard_normal((2, 1, 4, 1))

# (name, our call given the keyword dict, torch's call with dim=, the axis keywords, input)
# kw is {"dim": d} or {"axis": d}, plus keepdim/keepdims; torch always gets dim/keepdim.
ROWS = [
    ("sum", lambda x, kw: x.sum(**kw), lambda t, d, k: t.sum(dim=d, keepdim=k), (1, (0, 2)), A),
    ("mean", lambda x, kw: x.mean(**kw), lambda t, d, k: t.mean(dim=d, keepdim=k), (1, (0, 2)), A),
    ("max", lambda x, kw: x.max(**kw), lambda t, d, k: t.amax(dim=d, keepdim=k), (1, (0, 2)), A),
    ("min", lambda x, kw: x.min(**kw), lambda t, d, k: t.amin(dim=d, keepdim=k), (-1,), A),
    ("amax", lambda x, kw: x.amax(**kw), lambda t, d, k: t.amax(dim=d, keepdim=k), (2,), A),
    ("amin", lambda x, kw: x.amin(**kw), lambda t, d, k: t.amin(dim=d, keepdim=k), (0,), A),
    ("argmax", lambda x, kw: x.argmax(**kw), lambda t, d, k: t.argmax(dim=d, keepdim=k), (1, -1), A),
    ("argmin", lambda x, kw: x.argmin(**kw), lambda t, d, k: t.argmin(dim=d, keepdim=k), (0, 2), A),
    ("softmax", lambda x, kw: x.softmax(**kw), lambda t, d, k: t.softmax(dim=d), (0, 1, -1), A),
    ("log_softmax", lambda x, kw: x.log_softmax(**kw), lambda t, d, k: t.log_softmax(dim=d), (1,), A),
    ("tg.softmax", lambda x, kw: tg.softmax(x, **kw), lambda t, d, k: torch.softmax(t, dim=d), (2,), A),
    ("tg.log_softmax", lambda x, kw: tg.log_softmax(x, **kw), lambda t, d, k: torch.log_softmax(t, dim=d), (0,), A),
    ("squeeze", lambda x, kw: x.squeeze(**kw), lambda t, d, k: t.squeeze(d), (1, 3, (1, 3), 0), S),
    ("unsqueeze", lambda x, kw: x.unsqueeze(**kw), lambda t, d, k: t.unsqueeze(d), (0, 2, -1), A),
    ("tg.cat", lambda x, kw: tg.cat([x, x * 2], **kw), lambda t, d, k: torch.cat([t, t * 2], dim=d), (0, 1, -1), A),
    ("tg.stack", lambda x, kw: tg.stack([x, x * 2], **kw), lambda t, d, k: torch.stack([t, t * 2], dim=d), (0, 3, -1), A),
    ("split", lambda x, kw: x.split(2, **kw), lambda t, d, k: t.split(2, dim=d), (1, 2), A),
    ("tg.split", lambda x, kw: tg.split(x, [1, 3], **kw), lambda t, d, k: torch.split(t, [1, 3], dim=d), (2,), A),
    ("chunk", lambda x, kw: x.chunk(2, **kw), lambda t, d, k: t.chunk(2, dim=d), (0, 2), A),
    ("tg.chunk", lambda x, kw: tg.chunk(x, 3, **kw), lambda t, d, k: torch.chunk(t, 3, dim=d), (1,), A),
]
KEEPS = {"sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin"}
# every name the convention lists must be in the table
REQUIRED = {"sum", "mean", "max", "min", "softmax", "log_softmax", "tg.cat", "tg.stack", "split",
            "chunk", "squeeze", "unsqueeze", "argmax", "argmin"}


def _numpy(out):
    return [o.numpy() for o in out] if isinstance(out, (list, tuple)) else out.numpy()


def _check(ours, theirs):
    if isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _check(a, b)
        return
    b = theirs.detach().numpy()
    assert ours.shape == b.shape
    if b.dtype.kind == "i":
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours, b)
    else:
        np.testing.assert_allclose(ours, b, rtol=1e-12, atol=1e-12)


def test_the_table_covers_the_convention():
    assert REQUIRED <= {r[0] for r in ROWS}


@pytest.mark.parametrize("name, ours, theirs, dims, data", ROWS, ids=[r[0] for r in ROWS])
def test_dim_and_axis_spellings_agree_with_pytorch(name, ours, theirs, dims, data):
    x, t = tg.tensor(data), torch.tensor(data)
    for d in dims:
        for keep in ((False, True) if name in KEEPS else (None,)):
            want = theirs(t, d, bool(keep))
            spellings = [{"dim": d}, {"axis": d}]
            if keep is not None:
                spellings = [{"dim": d, "keepdim": keep}, {"axis": d, "keepdims": keep},
                             {"dim": d, "keepdims": keep}, {"axis": d, "keepdim": keep}]
            for kw in spellings:
                _check(_numpy(ours(x, kw)), want)


@pytest.mark.parametrize("name, ours", [(r[0], r[1]) for r in ROWS], ids=[r[0] for r in ROWS])
def test_both_spellings_at_once_is_an_error_naming_the_op(name, ours):
    x = tg.tensor(A if name != "squeeze" else S)
    op = {"amax": "max", "amin": "min"}.get(name, name.replace("tg.", ""))
    with pytest.raises(TypeError, match=rf"{op}: got both dim=1 and axis=1"):
        ours(x, {"dim": 1, "axis": 1})
    if name in KEEPS:
        with pytest.raises(TypeError, match=rf"{op}: got both keepdim=True and keepdims=True"):
            ours(x, {"dim": 1, "keepdim": True, "keepdims": True})


def _public_callables():
    """(qualified name, callable) for every public function and method of the package,
    Keras' own namespace excepted (Keras names where only Keras has the concept)."""
    seen, found = set(), []
    modules = [tg, tg.nn, tg.nn.functional if hasattr(tg.nn, "functional") else None, tg.optim]
    for mod in filter(None, modules):
        for name in dir(mod):
            if name.startswith("_"):
                continue
            obj = getattr(mod, name)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
                found.append((f"{mod.__name__}.{name}", obj))
            elif inspect.isclass(obj) and obj.__module__.startswith("tinygrad_rnn"):
                for mname, m in vars(obj).items():
                    if (not mname.startswith("_") or mname in ("__call__",)) and callable(m):
                        found.append((f"{obj.__name__}.{mname}", m))
    return found


def test_every_public_axis_argument_accepts_both_spellings():
    checked = []
    for qualname, fn in _public_callables():
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            continue
        if {"dim", "axis"} & set(params):
            assert {"dim", "axis"} <= set(params), f"{qualname} takes only one of dim=/axis="
            checked.append(qualname)
        if {"keepdim", "keepdims"} & set(params):
            assert {"keepdim", "keepdims"} <= set(params), f"{qualname} takes only one of keepdim=/keepdims="
    # the crawl really reached the API (a crawl that finds nothing passes nothing)
    assert {"Tensor.sum", "Tensor.argmax", "Tensor.unsqueeze", "tinygrad_rnn.cat"} <= set(checked), checked


# ---- Tensor basics a PyTorch user reaches for ----------------------------------------------

def test_size_and_numel():
    x = tg.zeros(2, 3, 4)
    t = torch.zeros(2, 3, 4)
    assert x.size() == tuple(t.size()) and x.size(1) == t.size(1) and x.size(-1) == t.size(-1)
    assert x.size(dim=0) == 2 and x.size(axis=2) == 4
    assert x.numel() == t.numel() == 24
    assert x.size == 24 and int(x.size) == 24          # NumPy's spelling: the element count
    with pytest.raises(tg.ShapeError, match="size: dim 3 out of range"):
        x.size(3)


def test_equality_is_elementwise_and_tensors_hash_by_identity():
    x = tg.tensor([1.0, 2.0, 3.0])
    y = tg.tensor([1.0, 5.0, 3.0])
    assert (x == y).dtype == np.bool_ and (x == y).tolist() == [True, False, True]
    assert (x != y).tolist() == [False, True, False] and (x == 2.0).tolist() == [False, True, False]
    assert (x == y).tolist() == (torch.tensor([1.0, 2, 3]) == torch.tensor([1.0, 5, 3])).tolist()
    assert (x == None) is False and (x != None) is True and x not in (None, "a", {})  # noqa: E711
    a, b = tg.tensor([1.0]), tg.tensor([1.0])
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b" and len({a, b, a}) == 2
    # list membership would call == and get a tensor: the library never relies on it;
    # parameters and optimizers key by identity
    lin = tg.nn.Linear(2, 2)
    opt = tg.optim.SGD(lin.parameters(), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 2
    with pytest.raises(ValueError, match="more than one group"):
        opt.add_param_group({"params": [lin.weight]})


def test_conversions_of_one_element_tensors():
    x = tg.tensor([2.5])
    assert float(x) == 2.5 and int(x) == 2 and bool(x) and isinstance(float(x), float)
    assert int(tg.tensor(7)) == 7 and not bool(tg.tensor(0.0))
    for convert in (float, int):
        with pytest.raises(tg.ShapeError, match=rf"{convert.__name__}: only one-element tensors.*\(2,\)"):
            convert(tg.tensor([1.0, 2.0]))
    with pytest.raises(tg.ShapeError, match="ambiguous"):
        bool(tg.tensor([1.0, 2.0]))


def test_argmax_argmin_without_dim_index_the_flat_tensor():
    x, t = tg.tensor(A), torch.tensor(A)
    assert x.argmax().item() == t.argmax().item() and x.argmin().item() == t.argmin().item()
    assert x.argmax(keepdim=True).shape == tuple(t.argmax(keepdim=True).shape)
    assert not x.argmax(1).requires_grad
    with pytest.raises(tg.ShapeError, match="argmax: cannot reduce an empty axis"):
        tg.zeros(0, 3).argmax(0)


def test_clone_is_a_differentiable_copy():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.op == "clone" and c.data is not x.data
    c.data[0] = 9.0
    assert x.tolist() == [1.0, 2.0]                    # its own memory
    (x.clone() * 3.0).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_to_takes_a_device_or_a_dtype_like_pytorch():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x.to(tg.float64).dtype == np.float64 and x.to("float64").dtype == np.float64
    assert x.to(torch.float64).dtype == np.float64
    assert x.to("cpu") is x and x.to("cpu", tg.float64).dtype == np.float64
    assert x.to(dtype=tg.float64, device="cpu").dtype == np.float64
    y = x.to(tg.float64)
    (y * y).sum().backward()                            # differentiable back to float32
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(tg.UnknownDeviceError):
        x.to("metal")


def test_module_to_cpu_double_float():
    lstm = tg.nn.LSTM(3, 4)
    ref = torch.nn.LSTM(3, 4)
    assert lstm.to(tg.float64) is lstm and all(p.dtype == np.float64 for p in lstm.parameters())
    assert lstm.to(torch.float32) is lstm and all(p.dtype == np.float32 for p in lstm.parameters())
    lstm.double().float()
    assert lstm.cpu() is lstm and all(p.device == "cpu" for p in lstm.parameters())
    assert {type(m).to for m in (lstm, tg.nn.Linear(2, 2))} == {tg.nn.Module.to}
    assert hasattr(ref, "cuda") and callable(lstm.cuda)
    if not tg.cuda_is_available():
        with pytest.raises(tg.DeviceUnavailableError):
            lstm.cuda()


def test_pytorch_tensors_come_in_through_numpy():
    t = torch.randn(3, 2, dtype=torch.float64)
    x = tg.Tensor(t)
    y = tg.tensor(t, requires_grad=True)
    assert x.dtype == np.float64 and y.requires_grad
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    np.testing.assert_array_equal(tg.tensor(torch.tensor([1, 2])).numpy(), [1, 2])


@pytest.mark.parametrize("make", [
    lambda: tg.nn.LSTM(2, 3), lambda: tg.nn.GRU(2, 3), lambda: tg.nn.Linear(2, 3),
    lambda: tg.nn.LSTMCell(2, 3), lambda: tg.nn.Recurrent(tg.nn.GRUCell(2, 3)), lambda: tg.nn.Embedding(4, 2),
], ids=["LSTM", "GRU", "Linear", "LSTMCell", "Recurrent", "Embedding"])
def test_layers_given_a_torch_tensor_say_how_to_convert(make):
    layer = make()
    with pytest.raises(TypeError, match=r"got torch.Tensor; convert it with tg.tensor\(t\)"):
        layer(torch.zeros(2, 2, 2))
    with pytest.raises(TypeError, match=r"add: got torch.Tensor; convert it with tg.tensor\(t\)"):
        tg.zeros(2) + torch.zeros(2)


def _foreign_tensor_calls() -> dict:
    """Every functional entry point that takes tensors, each given one torch.Tensor."""
    T, x, logits = torch.zeros(3), tg.randn(3), tg.randn(2, 3)
    from tinygrad_rnn.keras import activations as keras_acts
    calls = {
        "mse_loss target": lambda: tg.nn.mse_loss(x, T),
        "mse_loss input": lambda: tg.nn.mse_loss(T, x),
        "cross_entropy index targets": lambda: tg.nn.cross_entropy(logits, torch.zeros(2, dtype=torch.int64)),
        "cross_entropy probability targets": lambda: tg.nn.cross_entropy(logits, torch.zeros(2, 3)),
        "cross_entropy logits": lambda: tg.nn.cross_entropy(torch.zeros(2, 3), tg.tensor([0, 1])),
        "binary_cross_entropy_with_logits target": lambda: tg.nn.binary_cross_entropy_with_logits(x, T),
        "where condition": lambda: tg.where(torch.ones(3, dtype=torch.bool), x, 0.0),
        "where value": lambda: tg.where(tg.tensor([True, False, True]), T, x),
        "maximum of two torch tensors": lambda: tg.maximum(T, T),
        "minimum torch first": lambda: tg.minimum(T, x),
        "cat": lambda: tg.cat([x, T]),
        "stack": lambda: tg.stack([T, x]),
        "split": lambda: tg.split(T, 1),
        "chunk": lambda: tg.chunk(T, 3),
        "zeros_like": lambda: tg.zeros_like(T),
        "ones_like": lambda: tg.ones_like(T),
        "init.normal_": lambda: tg.nn.init.normal_(torch.zeros(2, 2)),
        "clip_grad_norm": lambda: tg.nn.clip_grad_norm(torch.zeros(2, requires_grad=True), 1.0),
        "nn.activations.identity": lambda: tg.nn.activations.identity(T),
        "nn.activations.hardsigmoid": lambda: tg.nn.activations.hardsigmoid(T),
        "MSELoss module": lambda: tg.nn.MSELoss()(x, T),
    }
    for name in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "hard_sigmoid", "clip"):
        calls[f"tg.{name}"] = lambda f=getattr(tg, name): f(T, 0.0, 1.0) if f is tg.clip else f(T)
    for name in ("softmax", "log_softmax"):
        calls[f"tg.{name}"] = lambda f=getattr(tg, name): f(T, 0)
    for name in keras_acts.__all__[1:]:                     # softsign, softplus, ... (not get)
        calls[f"keras {name}"] = lambda f=getattr(keras_acts, name): f(T)
    return calls


@pytest.mark.parametrize("name", sorted(_foreign_tensor_calls()))
def test_functional_forms_refuse_a_torch_tensor_as_modules_and_ops_do(name):
    """docs/concepts.md: an op given a torch.Tensor says how to convert it; nothing is read
    through NumPy behind the user's back (mse_loss used to take a torch target silently, and
    tg.exp(torch_tensor) returned a torch.Tensor)."""
    call = _foreign_tensor_calls()[name]
    with pytest.raises(TypeError, match=r"got torch.Tensor; convert it with tg.tensor\(t\)") as caught:
        call()
    op = name.removeprefix("keras ").split()[0].replace("tg.", "").replace("init.", "").replace("nn.activations.", "")
    if name != "MSELoss module":
        assert str(caught.value).startswith(op + ":"), caught.value     # it names the call


def test_functional_forms_still_take_numbers_and_arrays_where_they_did():
    x = tg.tensor([1.0, -2.0, 3.0])
    np.testing.assert_allclose(tg.nn.mse_loss(x, np.zeros(3, dtype=np.float32)).item(), 14 / 3, rtol=1e-6)
    np.testing.assert_allclose(tg.nn.mse_loss(x, [0.0, 0.0, 0.0]).item(), 14 / 3, rtol=1e-6)
    assert tg.nn.cross_entropy(tg.zeros(2, 3), np.array([0, 2])).shape == ()
    assert tg.maximum(0.0, x).tolist() == [1.0, 0.0, 3.0] and tg.minimum(x, 0.0).tolist() == [0.0, -2.0, 0.0]
    assert tg.where(np.array([True, False, True]), x, 0.0).tolist() == [1.0, 0.0, 3.0]
    assert tg.cat([x, np.ones(1, dtype=x.dtype)]).shape == (4,)
    with pytest.raises(TypeError, match="exp: the input must be a Tensor, got list"):
        tg.exp([1.0])
    with pytest.raises(TypeError, match="maximum: at least one operand must be a Tensor"):
        tg.maximum(1.0, 2.0)


def test_tensor_shares_numpy_memory_and_tg_tensor_copies():
    """Tensor(array) is torch.from_numpy (shared memory); tg.tensor(array) is torch.tensor (a copy)."""
    a = np.zeros(3)
    shared, copied, from_np = tg.Tensor(a), tg.tensor(a), tg.from_numpy(a)
    a[0] = 1.0
    assert shared.tolist()[0] == 1.0 and from_np.tolist()[0] == 1.0 and copied.tolist()[0] == 0.0
    # the same as PyTorch's pair
    b = np.zeros(3)
    tf, tt = torch.from_numpy(b), torch.tensor(b)
    b[0] = 1.0
    assert tf.tolist()[0] == 1.0 and tt.tolist()[0] == 0.0
    # a dtype conversion always copies
    assert tg.Tensor(a, dtype=tg.float32).data.base is None or not np.shares_memory(tg.Tensor(a, dtype=tg.float32).data, a)
    with pytest.raises(TypeError, match="from_numpy: expected a NumPy or CuPy array"):
        tg.from_numpy([1.0])


# ---- graduating to PyTorch ----------------------------------------------------------------

def _train(model, head, x, y, steps=5):
    opt = tg.optim.Adam(model.parameters() + head.parameters(), lr=0.01)
    for _ in range(steps):
        out, _ = model(x)
        loss = ((head(out[-1]) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_a_model_trained_here_continues_in_pytorch(kind):
    tg.manual_seed(0)
    model = getattr(tg.nn, kind)(3, 5, num_layers=2, bidirectional=True).double()
    head = tg.nn.Linear(10, 1).double()
    x_np = RNG.standard_normal((5, 4, 3))
    y_np = RNG.standard_normal((4, 1))
    x, y = tg.tensor(x_np), tg.tensor(y_np)
    _train(model, head, x, y)
    # the same torch.nn layers take the state_dicts as they are
    theirs = getattr(torch.nn, kind)(3, 5, num_layers=2, bidirectional=True).double()
    theirs_head = torch.nn.Linear(10, 1).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    theirs_head.load_state_dict({k: torch.tensor(v) for k, v in head.state_dict().items()})
    out, h = model(x)
    t_out, t_h = theirs(torch.tensor(x_np))
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=0, atol=1e-12)
    for a, b in zip(h if isinstance(h, tuple) else (h,), t_h if isinstance(t_h, tuple) else (t_h,)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=0, atol=1e-12)
    t_loss = ((theirs_head(t_out[-1]) - torch.tensor(y_np)) ** 2).mean()
    np.testing.assert_allclose(t_loss.item(), float(((head(out[-1]) - y) ** 2).mean()), rtol=1e-12)
    # and PyTorch keeps training it
    opt = torch.optim.Adam(list(theirs.parameters()) + list(theirs_head.parameters()), lr=0.01)
    for _ in range(5):
        loss = ((theirs_head(theirs(torch.tensor(x_np))[0][-1]) - torch.tensor(y_np)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < t_loss.item()
